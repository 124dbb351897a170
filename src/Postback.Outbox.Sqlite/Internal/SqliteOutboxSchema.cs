using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Postback.Internal;

/// <summary>
/// The store's tables and their versioned migrations. <c>{prefix}schema_version</c> holds one row per applied migration;
/// each migration runs in its own <c>BEGIN IMMEDIATE</c> transaction that first re-reads the version, so several
/// processes that start at once apply each migration exactly once. A migration is never edited once shipped: a change is
/// a new migration appended to <see cref="Migrations"/>.
/// </summary>
/// <remarks>
/// Times are unix milliseconds (INTEGER, UTC); states are <see cref="PostbackDeliveryState"/> values. The indexes are the
/// few the hot paths need, so that a claim costs the same with a million finished rows as with none:
/// <list type="bullet">
/// <item><c>deliveries_due</c>: partial, pending rows only, in claim order: the claim and <c>GetNextDue</c> read only what is live.</item>
/// <item><c>deliveries_lease</c>: partial, in-flight rows only, by lease expiry: reclaiming expired leases.</item>
/// <item><c>deliveries_final</c>: (state, completed_at): retention purges and the counts by state.</item>
/// <item><c>deliveries_endpoint</c>, <c>deliveries_order</c> (partial, non-null), <c>deliveries_enqueued</c>: the log's queries, parking and replays.</item>
/// </list>
/// </remarks>
internal sealed class SqliteOutboxSchema
{
    /// <summary>The newest schema version this package knows.</summary>
    public static int LatestVersion => Migrations.Count;

    private static readonly IReadOnlyList<(string Description, string Sql)> Migrations =
    [
        ("deliveries, attempts and endpoints", """
            CREATE TABLE {p}deliveries (
                id               INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: an id is never reused after a purge
                endpoint_name    TEXT    NOT NULL,
                idempotency_key  TEXT    NOT NULL,
                host_key         TEXT    NOT NULL,
                payload          TEXT    NOT NULL,
                order_number     TEXT    NULL,
                state            INTEGER NOT NULL,
                attempt          INTEGER NOT NULL DEFAULT 0,  -- the fence: +1 on every claim, never reset
                failed_attempts  INTEGER NOT NULL DEFAULT 0,  -- since enqueue or the last replay: the retry schedule's step
                enqueued_at      INTEGER NOT NULL,
                replayed_at      INTEGER NULL,
                next_attempt_at  INTEGER NULL,                -- pending: when due; in flight: when it was due (claim order)
                owner            TEXT    NULL,
                lease_expires_at INTEGER NULL,
                completed_at     INTEGER NULL,
                park_reason      TEXT    NULL,
                last_status_code INTEGER NULL,
                last_error_type  TEXT    NULL
            );
            CREATE INDEX {p}deliveries_due ON {p}deliveries (next_attempt_at, id) WHERE state = 1;
            CREATE INDEX {p}deliveries_lease ON {p}deliveries (lease_expires_at) WHERE state = 2;
            CREATE INDEX {p}deliveries_final ON {p}deliveries (state, completed_at);
            CREATE INDEX {p}deliveries_endpoint ON {p}deliveries (endpoint_name, state);
            CREATE INDEX {p}deliveries_order ON {p}deliveries (order_number) WHERE order_number IS NOT NULL;
            CREATE INDEX {p}deliveries_enqueued ON {p}deliveries (enqueued_at);

            CREATE TABLE {p}attempts (
                delivery_id    INTEGER NOT NULL REFERENCES {p}deliveries (id) ON DELETE CASCADE,
                number         INTEGER NOT NULL,
                started_at     INTEGER NOT NULL,
                duration_ticks INTEGER NOT NULL,
                outcome        INTEGER NOT NULL,
                status_code    INTEGER NULL,
                error_type     TEXT    NULL,
                error_message  TEXT    NULL,
                response_body  TEXT    NULL,
                redacted_url   TEXT    NULL,
                PRIMARY KEY (delivery_id, number)
            ) WITHOUT ROWID;

            CREATE TABLE {p}endpoints (
                name                 TEXT    NOT NULL PRIMARY KEY,
                enabled              INTEGER NOT NULL,
                consecutive_failures INTEGER NOT NULL DEFAULT 0,
                failing_since        INTEGER NULL,
                last_success_at      INTEGER NULL,
                disabled_at          INTEGER NULL,
                disabled_reason      TEXT    NULL
            ) WITHOUT ROWID;
            """),
    ];

    private readonly string _prefix;

    public SqliteOutboxSchema(string prefix)
    {
        _prefix = prefix;
        Deliveries = prefix + "deliveries";
        Attempts = prefix + "attempts";
        Endpoints = prefix + "endpoints";
    }

    /// <summary>Gets the name of the version table.</summary>
    public string VersionTable => _prefix + "schema_version";

    /// <summary>Gets the name of the deliveries table: one row per postback, its state and schedule.</summary>
    public string Deliveries { get; }

    /// <summary>Gets the name of the attempts table: the log of each delivery's counted attempts.</summary>
    public string Attempts { get; }

    /// <summary>Gets the name of the endpoints table: each endpoint's health and whether it is enabled.</summary>
    public string Endpoints { get; }

    /// <summary>Whether a prefix is safe to splice into SQL: it is an identifier fragment, never quoted.</summary>
    public static bool IsValidPrefix(string? prefix)
    {
        if (prefix is null || prefix.Length > 32)
        {
            return false;
        }

        for (var i = 0; i < prefix.Length; i++)
        {
            var c = prefix[i];
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' || (i > 0 && c is >= '0' and <= '9');
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads the applied version without taking the write lock: 0 when the store has no tables yet.</summary>
    public async Task<int> ReadVersionAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        using var exists = connection.CreateCommand();
        exists.Transaction = transaction;
        exists.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $name";
        exists.Parameters.AddWithValue("$name", VersionTable);
        if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
        {
            return 0;
        }

        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = $"SELECT COALESCE(MAX(version), 0) FROM {VersionTable}";
        return Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Applies the missing migrations on the store's writer connection, each in its own <c>BEGIN IMMEDIATE</c> transaction
    /// that re-reads the version under the write lock. Returns the version reached.
    /// </summary>
    public async Task<int> MigrateAsync(SqliteConnection connection, long now, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var (version, done) = await ApplyNextAsync(connection, transaction, now, cancellationToken).ConfigureAwait(false);
            transaction.Commit();
            if (done)
            {
                return version;
            }
        }
    }

    /// <summary>
    /// Applies the missing migrations inside a caller's open transaction (the enqueue that runs in it on a new file): the
    /// schema then commits or rolls back with the caller's data, and nothing waits on the write lock the caller may hold.
    /// </summary>
    public async Task MigrateInAsync(SqliteConnection connection, SqliteTransaction transaction, long now, CancellationToken cancellationToken)
    {
        while (!(await ApplyNextAsync(connection, transaction, now, cancellationToken).ConfigureAwait(false)).Done)
        {
        }
    }

    /// <summary>Applies the next missing migration in the given transaction; reports the version and whether none was missing.</summary>
    private async Task<(int Version, bool Done)> ApplyNextAsync(SqliteConnection connection, SqliteTransaction transaction, long now, CancellationToken cancellationToken)
    {
        using (var create = connection.CreateCommand())
        {
            create.Transaction = transaction;
            create.CommandText = $"CREATE TABLE IF NOT EXISTS {VersionTable} (version INTEGER NOT NULL PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)";
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var version = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        if (version > LatestVersion)
        {
            throw new InvalidOperationException(
                $"The outbox database has schema version {version}, newer than this Postback.Outbox.Sqlite knows ({LatestVersion}). Upgrade the package on every node before they share the database.");
        }

        if (version == LatestVersion)
        {
            return (version, true);
        }

        var (description, sql) = Migrations[version];
        using (var migrate = connection.CreateCommand())
        {
            migrate.Transaction = transaction;
            migrate.CommandText = sql.Replace("{p}", _prefix, StringComparison.Ordinal);
            await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using (var record = connection.CreateCommand())
        {
            record.Transaction = transaction;
            record.CommandText = $"INSERT INTO {VersionTable} (version, description, applied_at) VALUES ($version, $description, $now)";
            record.Parameters.AddWithValue("$version", version + 1);
            record.Parameters.AddWithValue("$description", description);
            record.Parameters.AddWithValue("$now", now);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return (version + 1, version + 1 == LatestVersion);
    }
}
