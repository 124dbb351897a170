using System;

namespace Postback;

/// <summary>Options of <see cref="SqlitePostbackOutboxStore"/>, the embedded SQLite outbox store.</summary>
public sealed class SqlitePostbackOutboxOptions
{
    /// <summary>
    /// Gets or sets the SQLite connection string, such as <c>Data Source=postbacks.db</c>. Required. It must name a file:
    /// an in-memory database is neither durable nor shared between the store's connections.
    /// </summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the prefix of the store's table and index names, so the outbox can live in an application's own database
    /// file. Letters, digits and underscores, starting with a letter or underscore, at most 32 characters. The default is
    /// <c>postback_</c> (tables <c>postback_deliveries</c>, <c>postback_attempts</c>, <c>postback_endpoints</c> and
    /// <c>postback_schema_version</c>).
    /// </summary>
    public string TablePrefix { get; set; } = "postback_";

    /// <summary>
    /// Gets or sets how long a statement waits for another connection's write lock (SQLite's <c>busy_timeout</c>) before it
    /// fails with "database is locked". From 1 second to 10 minutes. The default is 30 seconds.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets a value indicating whether every commit is synced to disk (<c>synchronous=FULL</c>), which survives a
    /// power loss or an operating system crash too. The default, <see langword="false"/>, is <c>synchronous=NORMAL</c>: in WAL
    /// mode a commit survives the crash of the process (the crash model of the outbox: a kill, a deploy, an out-of-memory),
    /// and only a power loss may lose the last commits, at a fraction of the cost.
    /// </summary>
    public bool SynchronousFull { get; set; }

    /// <summary>
    /// Gets or sets the size, in bytes, the write-ahead log is truncated to whenever it is reset after a checkpoint
    /// (SQLite's <c>journal_size_limit</c>). From 0 to 1 GiB. The default is 16 MiB.
    /// </summary>
    public long JournalSizeLimit { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Gets or sets how many deliveries one purge transaction deletes at most, so a large purge never holds the single writer
    /// for long. From 10 to 100,000. The default is 1,000.
    /// </summary>
    public int PurgeBatchSize { get; set; } = 1000;
}
