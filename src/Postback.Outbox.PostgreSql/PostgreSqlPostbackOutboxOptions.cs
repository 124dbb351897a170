using Npgsql;

namespace Postback;

/// <summary>Options of the PostgreSQL outbox store (<c>.UsePostgreSql(connectionString)</c>).</summary>
public sealed class PostgreSqlPostbackOutboxOptions
{
    /// <summary>
    /// Gets or sets the connection string. Either this or <see cref="DataSource"/> is required. The default is
    /// <see langword="null"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Gets or sets a data source to use instead of <see cref="ConnectionString"/> (for example the application's own).
    /// The store does not dispose it. The default is <see langword="null"/>.
    /// </summary>
    public NpgsqlDataSource? DataSource { get; set; }

    /// <summary>
    /// Gets or sets the schema the store creates its tables in: lower-case letters, digits and underscores, starting with
    /// a letter or underscore, at most 50 characters. It also names the <c>LISTEN/NOTIFY</c> channel, so two outboxes in
    /// one database keep apart. The default is <c>"postback"</c>.
    /// </summary>
    public string Schema { get; set; } = "postback";

    /// <summary>
    /// Gets or sets which clock leases and due times use. The default is <see cref="PostgreSqlOutboxClock.Database"/>,
    /// so clock skew between nodes cannot break leases.
    /// </summary>
    public PostgreSqlOutboxClock Clock { get; set; } = PostgreSqlOutboxClock.Database;

    /// <summary>
    /// Gets or sets a value indicating whether each node keeps a connection that <c>LISTEN</c>s for new deliveries
    /// and wakes its outbox at once (the outbox's polling is the fallback). The default is <see langword="true"/>.
    /// </summary>
    public bool ListenForNotifications { get; set; } = true;
}
