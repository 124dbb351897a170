using System;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
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
        AddStore(builder.Services).Configure(options =>
        {
            options.ConnectionString = connectionString;
            configure?.Invoke(options);
        });
        return builder;
    }

    /// <summary>
    /// Uses a SQLite database file as the outbox's store, as <see cref="UseSqlite(IPostbackOutboxBuilder, string, Action{SqlitePostbackOutboxOptions})"/>
    /// does, with <see cref="SqlitePostbackOutboxOptions"/> bound from configuration, such as
    /// <c>configuration.GetSection("Postbacks:Outbox:Sqlite")</c>; the section must set <c>ConnectionString</c>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddOutbox</c>.</param>
    /// <param name="section">The section.</param>
    /// <returns>The builder.</returns>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The configuration binding source generator intercepts this call with reflection-free code.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The configuration binding source generator intercepts this call with reflection-free code.")]
    public static IPostbackOutboxBuilder UseSqlite(this IPostbackOutboxBuilder builder, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddStore(builder.Services);
        builder.Services.Configure<SqlitePostbackOutboxOptions>(section);
        return builder;
    }

    /// <summary>What every overload registers; each then adds where the options come from.</summary>
    private static OptionsBuilder<SqlitePostbackOutboxOptions> AddStore(IServiceCollection services)
    {
        var options = services.AddOptionsWithValidateOnStart<SqlitePostbackOutboxOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqlitePostbackOutboxOptions>, SqlitePostbackOutboxOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.Replace(ServiceDescriptor.Singleton(static sp => new SqlitePostbackOutboxStore(
            sp.GetRequiredService<IOptions<SqlitePostbackOutboxOptions>>().Value,
            sp.GetRequiredService<TimeProvider>())));
        services.Replace(ServiceDescriptor.Singleton<IPostbackOutboxStore>(static sp => sp.GetRequiredService<SqlitePostbackOutboxStore>()));
        return options;
    }
}
