using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Postback.Internal;

namespace Postback;

/// <summary>Registers the SQLite outbox store: <c>AddPostbacks(...).AddOutbox(...).UseSqlite("Data Source=postbacks.db")</c>.</summary>
public static class SqlitePostbackOutboxBuilderExtensions
{
    /// <summary>
    /// Uses a SQLite database file as the outbox's store: <see cref="SqlitePostbackOutboxStore"/>, registered as the
    /// singleton <see cref="IPostbackOutboxStore"/> (replacing a store registered before) and as itself, for the overloads
    /// that enqueue in the caller's own transaction. Its options are validated when the host starts.
    /// </summary>
    /// <param name="builder">The builder from <c>AddOutbox</c>.</param>
    /// <param name="connectionString">The connection string, such as <c>Data Source=postbacks.db</c>; the file is created if missing.</param>
    /// <param name="configure">Configures the other options, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static IPostbackOutboxBuilder UseSqlite(this IPostbackOutboxBuilder builder, string connectionString, Action<SqlitePostbackOutboxOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(connectionString);
        var services = builder.Services;
        services.AddOptionsWithValidateOnStart<SqlitePostbackOutboxOptions>()
            .Configure(options =>
            {
                options.ConnectionString = connectionString;
                configure?.Invoke(options);
            });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqlitePostbackOutboxOptions>, SqlitePostbackOutboxOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.Replace(ServiceDescriptor.Singleton(static sp => new SqlitePostbackOutboxStore(
            sp.GetRequiredService<IOptions<SqlitePostbackOutboxOptions>>().Value,
            sp.GetRequiredService<TimeProvider>())));
        services.Replace(ServiceDescriptor.Singleton<IPostbackOutboxStore>(static sp => sp.GetRequiredService<SqlitePostbackOutboxStore>()));
        return builder;
    }
}
