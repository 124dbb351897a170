using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using static Postback.Internal.SqliteRows;

namespace Postback.Internal;

/// <summary>
/// The store's connections: one long-lived writer behind a semaphore, for every write and the schema's migrations, and a
/// short-lived (pooled) connection per read. Also the store's clock, so each write transaction sees one "now".
/// </summary>
internal sealed class SqliteConnections : IDisposable
{
    private readonly SqlitePostbackOutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly string _readConnectionString;
    private readonly string _writeConnectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private SqliteConnection? _writer;
    private volatile bool _initialized;
    private bool _disposed;

    public SqliteConnections(SqlitePostbackOutboxOptions options, SqliteOutboxSchema schema, TimeProvider time)
    {
        _options = options;
        _time = time;
        Schema = schema;
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString)
        {
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        };
        _readConnectionString = builder.ToString();

        // The writer is one long-lived connection, not pooled: disposing the store really closes the file.
        builder.Pooling = false;
        _writeConnectionString = builder.ToString();
    }

    public SqliteOutboxSchema Schema { get; }

    /// <summary>Gets the name of the deliveries table, for the SQL of each concern.</summary>
    public string Deliveries => Schema.Deliveries;

    /// <summary>Gets the name of the attempts table.</summary>
    public string Attempts => Schema.Attempts;

    /// <summary>Gets the name of the endpoints table.</summary>
    public string Endpoints => Schema.Endpoints;

    /// <summary>Whether this store has found (or made) the latest schema; until then a caller's transaction may have to make it.</summary>
    public bool IsInitialized => _initialized;

    public long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Opens the writer and brings the schema to the latest version, once.</summary>
    public async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            var writer = await GetWriterAsync(cancellationToken).ConfigureAwait(false);

            // A read first: when the schema is current (every start but the first), no write lock is taken at all, so
            // initializing never waits on another connection's transaction (such as a caller's that enqueues).
            if (await Schema.ReadVersionAsync(writer, null, cancellationToken).ConfigureAwait(false) != SqliteOutboxSchema.LatestVersion)
            {
                await Schema.MigrateAsync(writer, Now(), cancellationToken).ConfigureAwait(false);
            }

            _initialized = true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Runs one write transaction (<c>BEGIN IMMEDIATE</c>) on the single writer connection; rolls back on any error.</summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, long, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        OnWriterAsync(
            async (writer, ct) =>
            {
                // IMMEDIATE takes SQLite's write lock at BEGIN (waiting up to busy_timeout for another process), so the
                // transaction never fails half-way on a lock upgrade; it is kept short: no I/O but the database inside it.
                using var transaction = writer.BeginTransaction(deferred: false);
                var result = await work(writer, transaction, Now(), ct).ConfigureAwait(false);
                transaction.Commit();
                return result;
            },
            cancellationToken);

    /// <summary>Runs work on the writer, under the write lock; a checkpoint calls it directly, as it must not run inside a transaction.</summary>
    public async Task<T> OnWriterAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var writer = await GetWriterAsync(cancellationToken).ConfigureAwait(false);
            return await work(writer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Runs work on a connection of its own; in WAL mode it never waits for the writer.</summary>
    public async Task<T> ReadAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var connection = new SqliteConnection(_readConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, BusyTimeoutPragma(), cancellationToken).ConfigureAwait(false);
        return await work(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the writer; a later call fails as on a disposed store.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _writeLock.Wait();
        try
        {
            _writer?.Dispose();
            _writer = null;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private string BusyTimeoutPragma() =>
        string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(long)_options.BusyTimeout.TotalMilliseconds}");

    /// <summary>Opens the writer on first use (under the write lock) and sets the connection's pragmas.</summary>
    private async Task<SqliteConnection> GetWriterAsync(CancellationToken cancellationToken)
    {
        // Named for the public type: the connections are an implementation detail of the store the caller disposed.
        ObjectDisposedException.ThrowIf(_disposed, typeof(SqlitePostbackOutboxStore));
        if (_writer is not null)
        {
            return _writer;
        }

        var writer = new SqliteConnection(_writeConnectionString);
        try
        {
            await writer.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(writer, BusyTimeoutPragma(), cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(writer, "PRAGMA foreign_keys = ON", cancellationToken).ConfigureAwait(false);

            // A new, empty file: free pages can be handed back to the file system after purges (incremental_vacuum).
            // This only takes effect before the first table exists.
            if (Convert.ToInt64(await ScalarAsync(writer, "PRAGMA page_count", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
            {
                await ExecuteAsync(writer, "PRAGMA auto_vacuum = INCREMENTAL", cancellationToken).ConfigureAwait(false);
            }

            // WAL is a property of the file and persists; set it only when needed (switching takes an exclusive lock).
            // Readers never block the writer and the writer never blocks readers; a commit appends to the log.
            if (!string.Equals(await ScalarAsync(writer, "PRAGMA journal_mode", cancellationToken).ConfigureAwait(false) as string, "wal", StringComparison.OrdinalIgnoreCase))
            {
                await ScalarAsync(writer, "PRAGMA journal_mode = WAL", cancellationToken).ConfigureAwait(false);
            }

            // NORMAL in WAL mode syncs at checkpoints, not at each commit: a commit survives the crash or kill of the
            // process (it is in the OS's file cache), which is the outbox's crash model; only a power loss or OS crash
            // may roll back the last commits. FULL (SynchronousFull) syncs every commit, for power loss too.
            await ExecuteAsync(writer, _options.SynchronousFull ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", cancellationToken).ConfigureAwait(false);

            // The WAL file is truncated to this size whenever it is reset after a checkpoint, so a burst of writes (a large
            // purge, a backlog) does not leave a large file behind.
            await ScalarAsync(writer, string.Create(CultureInfo.InvariantCulture, $"PRAGMA journal_size_limit = {_options.JournalSizeLimit}"), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _writer = writer;
        return writer;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = Command(connection, null, sql);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = Command(connection, null, sql);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }
}
