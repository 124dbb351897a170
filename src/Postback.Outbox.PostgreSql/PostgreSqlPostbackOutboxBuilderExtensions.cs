using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Postback.Internal;

namespace Postback;

/// <summary>Registers the PostgreSQL outbox store: <c>AddPostbacks().AddOutbox().UsePostgreSql(connectionString)</c>.</summary>
public static class PostgreSqlPostbackOutboxBuilderExtensions
{
    /// <summary>
    /// Keeps the outbox in PostgreSQL, shared by every node that uses the same database and schema. Switching from the
    /// embedded store is one line: <c>.UseSqlite("Data Source=postbacks.db")</c> becomes
    /// <c>.UsePostgreSql("Host=db;Database=app;Username=app")</c>.
    /// </summary>
    /// <param name="builder">The outbox builder.</param>
    /// <param name="connectionString">The connection string.</param>
    /// <param name="configure">Sets further options (schema, clock, notifications); validated at start-up.</param>
    /// <returns>The builder.</returns>
    public static IPostbackOutboxBuilder UsePostgreSql(this IPostbackOutboxBuilder builder, string connectionString, Action<PostgreSqlPostbackOutboxOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.UsePostgreSql(options =>
        {
            options.ConnectionString = connectionString;
            configure?.Invoke(options);
        });
    }

    /// <summary>
    /// Keeps the outbox in PostgreSQL, configured entirely by <paramref name="configure"/> (for example with the
    /// application's own <see cref="PostgreSqlPostbackOutboxOptions.DataSource"/>).
    /// </summary>
    /// <param name="builder">The outbox builder.</param>
    /// <param name="configure">Sets the options; validated at start-up.</param>
    /// <returns>The builder.</returns>
    public static IPostbackOutboxBuilder UsePostgreSql(this IPostbackOutboxBuilder builder, Action<PostgreSqlPostbackOutboxOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<PostgreSqlPostbackOutboxOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgreSqlPostbackOutboxOptions>, PostgreSqlPostbackOutboxOptionsValidator>());
        services.TryAddSingleton(static sp => new PostgreSqlPostbackOutboxStore(
            sp.GetRequiredService<IOptions<PostgreSqlPostbackOutboxOptions>>().Value, sp.GetService<TimeProvider>()));
        services.Replace(ServiceDescriptor.Singleton<IPostbackOutboxStore>(static sp => sp.GetRequiredService<PostgreSqlPostbackOutboxStore>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PostgreSqlOutboxWakeService>());
        return builder;
    }
}
