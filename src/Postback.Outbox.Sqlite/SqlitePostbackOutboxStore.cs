using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Postback.Internal;

namespace Postback;

/// <summary>
/// The embedded outbox store: one SQLite database file, shared safely by the processes of one machine. It creates and
/// migrates its own schema, runs in WAL mode with a single writer, and claims in short <c>BEGIN IMMEDIATE</c> transactions.
/// </summary>
/// <remarks>
/// <para>
/// <b>One writer.</b> Every write of this store goes through one connection guarded by a semaphore, so writes of one
/// process never contend for SQLite's write lock among themselves; reads use other (pooled) connections and, in WAL
/// mode, never wait for the writer. Several processes (or store instances) on one file still serialize on SQLite's own
/// write lock, waiting up to <see cref="SqlitePostbackOutboxOptions.BusyTimeout"/>.
/// </para>
/// <para>
/// <b>Atomic enqueue with the caller's data.</b> <see cref="EnqueueAsync(IReadOnlyList{PostbackOutboxEntry}, SqliteTransaction, CancellationToken)"/>
/// writes the deliveries through the caller's own connection and transaction, so a sale and its postbacks commit or roll
/// back as one. After the commit, call <see cref="IPostbackOutbox.Wake"/> so this node's workers look at once; otherwise
/// they find the deliveries at their next poll.
/// </para>
/// <para>
/// <b>Bounded write-ahead log.</b> SQLite checkpoints the WAL into the database every 1000 pages on its own (a passive
/// checkpoint, run by the committing writer); the WAL file is reused from its start once a checkpoint has caught up, and
/// <c>journal_size_limit</c> truncates it back to <see cref="SqlitePostbackOutboxOptions.JournalSizeLimit"/> whenever that
/// happens, so a burst does not leave a large file behind. Readers here are short, so checkpoints are not starved. After
/// a purge, which writes many pages at once, the store also runs <c>wal_checkpoint(TRUNCATE)</c> (and reclaims the freed
/// pages with <c>incremental_vacuum</c>), see <see cref="CheckpointAsync"/>.
/// </para>
/// </remarks>
public sealed class SqlitePostbackOutboxStore : IPostbackOutboxStore, IDisposable, IAsyncDisposable
{
    // The claim ranks at most this many of the oldest due rows (per kind: pending, expired lease) for the per-host cap, so
    // its cost is bounded however large a backlog grows. Hosts at their limit are excluded before the window is taken.
    private const int ClaimWindow = 10_000;

    private const int StatePending = (int)PostbackDeliveryState.Pending;
    private const int StateInFlight = (int)PostbackDeliveryState.InFlight;
    private const int StateParked = (int)PostbackDeliveryState.Parked;

    private readonly SqlitePostbackOutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly string _readConnectionString;
    private readonly string _writeConnectionString;
    private readonly SqliteOutboxSchema _schema;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly string _d;
    private readonly string _a;
    private readonly string _e;
    private SqliteConnection? _writer;
    private volatile bool _initialized;
    private bool _disposed;

    /// <summary>Creates the store. Nothing is opened until the first call.</summary>
    /// <param name="options">The options; <see cref="SqlitePostbackOutboxOptions.ConnectionString"/> is required.</param>
    /// <param name="timeProvider">The store's clock; <see langword="null"/> for the system clock.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public SqlitePostbackOutboxStore(SqlitePostbackOutboxOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = SqlitePostbackOutboxOptionsValidator.Check(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString)
        {
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        };
        _readConnectionString = builder.ToString();

        // The writer is one long-lived connection, not pooled: disposing the store really closes the file.
        builder.Pooling = false;
        _writeConnectionString = builder.ToString();
        _schema = new SqliteOutboxSchema(options.TablePrefix);
        _d = options.TablePrefix + "deliveries";
        _a = options.TablePrefix + "attempts";
        _e = options.TablePrefix + "endpoints";
    }

    /// <summary>Gets the schema version this package creates and migrates to.</summary>
    public static int SchemaVersion => SqliteOutboxSchema.LatestVersion;

    /// <inheritdoc />
    public async ValueTask InitializeAsync(CancellationToken cancellationToken = default)
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
            if (await _schema.ReadVersionAsync(writer, null, cancellationToken).ConfigureAwait(false) != SqliteOutboxSchema.LatestVersion)
            {
                await _schema.MigrateAsync(writer, Now(), cancellationToken).ConfigureAwait(false);
            }

            _initialized = true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        CheckEntries(entries);
        if (entries.Count == 0)
        {
            return [];
        }

        return await WriteAsync(
            (connection, transaction, now, ct) => InsertAsync(connection, transaction, entries, now, ct),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes deliveries inside the caller's own SQLite transaction, so they commit or roll back with the caller's data (a
    /// sale and its postbacks are recorded as one). The caller's connection must open the store's database file. Nothing
    /// is sent before the caller commits; after the commit, call <see cref="IPostbackOutbox.Wake"/>.
    /// </summary>
    /// <param name="entries">The deliveries, from <see cref="IPostbackOutbox.PrepareAsync"/>.</param>
    /// <param name="transaction">The caller's open transaction; its connection is used, not the store's writer.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new deliveries' ids, in the order of <paramref name="entries"/>, valid once the caller commits.</returns>
    /// <remarks>
    /// If the store's schema is missing (a new file), it is created in the caller's transaction, so it commits or rolls
    /// back with it; nothing here waits on the store's own writer. Deliveries for a disabled endpoint are stored parked.
    /// </remarks>
    public async ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, SqliteTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(transaction);
        var connection = transaction.Connection
            ?? throw new ArgumentException("The transaction has completed: it has no connection.", nameof(transaction));
        CheckEntries(entries);
        var now = Now();
        if (!_initialized && await _schema.ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false) != SqliteOutboxSchema.LatestVersion)
        {
            // Not through the store's writer: the caller's transaction may already hold the write lock, and the writer
            // would wait on it. The schema commits (or rolls back) with the caller's data; WAL mode and the rest of the
            // writer's settings follow when the store's writer first opens.
            await _schema.MigrateInAsync(connection, transaction, now, cancellationToken).ConfigureAwait(false);
        }

        if (entries.Count == 0)
        {
            return [];
        }

        return await InsertAsync(connection, transaction, entries, now, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PostbackOutboxLease>> ClaimAsync(PostbackOutboxClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentException.ThrowIfNullOrEmpty(claim.Owner);
        if (claim.LeaseDuration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(claim), claim.LeaseDuration, "The claim's LeaseDuration must be positive.");
        }

        if (claim.MaxCount <= 0 || claim.MaxPerHost <= 0)
        {
            return [];
        }

        return await WriteAsync(
            async (connection, transaction, now, ct) =>
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                var excluded = new StringBuilder();
                var i = 0;
                foreach (var host in claim.ExcludedHosts ?? [])
                {
                    excluded.Append(i == 0 ? " AND host_key NOT IN (" : ", ").Append("$x").Append(i.ToString(CultureInfo.InvariantCulture));
                    command.Parameters.AddWithValue("$x" + i.ToString(CultureInfo.InvariantCulture), host);
                    i++;
                }

                if (i > 0)
                {
                    excluded.Append(')');
                }

                // Due = pending and due, or in flight with an expired lease; each branch reads its partial index in order
                // and stops after the window. The window function caps each host within the batch; the UPDATE claims and
                // returns the rows in the same statement, committed before this method returns.
                command.CommandText = $"""
                    WITH candidates AS (
                        SELECT * FROM (SELECT id, host_key, next_attempt_at FROM {_d}
                                       WHERE state = {StatePending} AND next_attempt_at <= $now{excluded}
                                       ORDER BY next_attempt_at, id LIMIT {ClaimWindow})
                        UNION ALL
                        SELECT * FROM (SELECT id, host_key, next_attempt_at FROM {_d}
                                       WHERE state = {StateInFlight} AND lease_expires_at <= $now{excluded}
                                       ORDER BY lease_expires_at LIMIT {ClaimWindow})
                    ),
                    ranked AS (
                        SELECT id, next_attempt_at, ROW_NUMBER() OVER (PARTITION BY host_key ORDER BY next_attempt_at, id) AS host_rank
                        FROM candidates
                    ),
                    picked AS (
                        SELECT id FROM ranked WHERE host_rank <= $perHost ORDER BY next_attempt_at, id LIMIT $max
                    )
                    UPDATE {_d}
                    SET state = {StateInFlight}, owner = $owner, lease_expires_at = $lease, attempt = attempt + 1
                    WHERE id IN (SELECT id FROM picked)
                    RETURNING id, endpoint_name, idempotency_key, host_key, payload, attempt, failed_attempts,
                              COALESCE(replayed_at, enqueued_at), next_attempt_at
                    """;
                command.Parameters.AddWithValue("$now", now);
                command.Parameters.AddWithValue("$perHost", claim.MaxPerHost);
                command.Parameters.AddWithValue("$max", claim.MaxCount);
                command.Parameters.AddWithValue("$owner", claim.Owner);
                var lease = AddMilliseconds(now, claim.LeaseDuration);
                command.Parameters.AddWithValue("$lease", lease);

                var rows = new List<(long Due, PostbackOutboxLease Lease)>();
                using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        rows.Add((reader.GetInt64(8), new PostbackOutboxLease
                        {
                            Id = reader.GetInt64(0),
                            EndpointName = reader.GetString(1),
                            IdempotencyKey = reader.GetString(2),
                            HostKey = reader.GetString(3),
                            Payload = reader.GetString(4),
                            Attempt = reader.GetInt32(5),
                            FailedAttempts = reader.GetInt32(6),
                            EnqueuedAt = FromUnix(reader.GetInt64(7)),
                            LeaseExpiresAt = FromUnix(lease),
                        }));
                    }
                }

                // RETURNING has no defined order: give the claim's own (oldest due first).
                rows.Sort(static (x, y) => x.Due != y.Due ? x.Due.CompareTo(y.Due) : x.Lease.Id.CompareTo(y.Lease.Id));
                var result = new PostbackOutboxLease[rows.Count];
                for (var r = 0; r < rows.Count; r++)
                {
                    result[r] = rows[r].Lease;
                }

                return (IReadOnlyList<PostbackOutboxLease>)result;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<PostbackOutboxCompletionResult> CompleteAsync(IReadOnlyList<PostbackOutboxCompletion> completions, PostbackEndpointHealthPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(completions);
        ArgumentNullException.ThrowIfNull(policy);
        foreach (var completion in completions)
        {
            ArgumentNullException.ThrowIfNull(completion, nameof(completions));
            if (completion.State is PostbackDeliveryState.InFlight || !Enum.IsDefined(completion.State))
            {
                throw new ArgumentException($"Delivery {completion.Id}: a completion cannot move a delivery to {completion.State}.", nameof(completions));
            }
        }

        if (completions.Count == 0)
        {
            return new PostbackOutboxCompletionResult();
        }

        return await WriteAsync(
            async (connection, transaction, now, ct) =>
            {
                var stale = new List<long>();
                var disabled = new List<PostbackOutboxEndpoint>();
                foreach (var completion in completions)
                {
                    // The fence: the same owner still holds the same attempt, and the delivery is still in flight.
                    string? endpoint;
                    using (var fence = Command(connection, transaction, $"SELECT endpoint_name FROM {_d} WHERE id = $id AND owner = $owner AND attempt = $attempt AND state = {StateInFlight}"))
                    {
                        fence.Parameters.AddWithValue("$id", completion.Id);
                        fence.Parameters.AddWithValue("$owner", completion.Owner);
                        fence.Parameters.AddWithValue("$attempt", completion.Attempt);
                        endpoint = (string?)await fence.ExecuteScalarAsync(ct).ConfigureAwait(false);
                    }

                    if (endpoint is null)
                    {
                        stale.Add(completion.Id);
                        continue;
                    }

                    var enabled = await UpdateHealthAsync(connection, transaction, endpoint, completion.Signal, policy, now, disabled, ct).ConfigureAwait(false);
                    await FinishAsync(connection, transaction, completion, enabled, now, ct).ConfigureAwait(false);
                }

                return new PostbackOutboxCompletionResult { Stale = stale, Disabled = disabled };
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken = default)
    {
        return await ReadAsync(
            async (connection, ct) =>
            {
                using var command = Command(connection, null, $"SELECT MIN(next_attempt_at) FROM {_d} WHERE state = {StatePending}");
                var value = await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
                return value is long ms ? FromUnix(ms) : (DateTimeOffset?)null;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PostbackOutboxEndpoint>> GetEndpointsAsync(CancellationToken cancellationToken = default)
    {
        return await ReadAsync(
            async (connection, ct) =>
            {
                using var command = Command(connection, null, $"SELECT {EndpointColumns} FROM {_e} ORDER BY name");
                var list = new List<PostbackOutboxEndpoint>();
                using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    list.Add(ReadEndpoint(reader));
                }

                return (IReadOnlyList<PostbackOutboxEndpoint>)list;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> SetEndpointEnabledAsync(string endpointName, bool enabled, string? reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpointName);
        return await WriteAsync(
            async (connection, transaction, now, ct) =>
            {
                if (!enabled)
                {
                    await EnsureEndpointAsync(connection, transaction, endpointName, ct).ConfigureAwait(false);
                    return await DisableAsync(connection, transaction, endpointName, reason ?? "disabled by an operator", now, ct).ConfigureAwait(false) is not null;
                }

                using (var enable = Command(connection, transaction, $"""
                    UPDATE {_e} SET enabled = 1, consecutive_failures = 0, failing_since = NULL, disabled_at = NULL, disabled_reason = NULL
                    WHERE name = $name AND enabled = 0
                    """))
                {
                    enable.Parameters.AddWithValue("$name", endpointName);
                    if (await enable.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0)
                    {
                        return false;
                    }
                }

                using var resume = Command(connection, transaction, $"""
                    UPDATE {_d} SET state = {StatePending}, next_attempt_at = $now, park_reason = NULL
                    WHERE endpoint_name = $name AND state = {StateParked} AND park_reason = $reason
                    """);
                resume.Parameters.AddWithValue("$name", endpointName);
                resume.Parameters.AddWithValue("$now", now);
                resume.Parameters.AddWithValue("$reason", PostbackParkReasons.EndpointDisabled);
                await resume.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<PostbackOutboxPage> QueryAsync(PostbackOutboxFilter filter, long? beforeId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        return await ReadAsync(
            async (connection, ct) =>
            {
                using var command = connection.CreateCommand();
                var where = Where(command, filter);
                if (beforeId is { } before)
                {
                    where += " AND id < $before";
                    command.Parameters.AddWithValue("$before", before);
                }

                command.CommandText = $"SELECT {DeliveryColumns} FROM {_d} WHERE {where} ORDER BY id DESC LIMIT $limit";
                command.Parameters.AddWithValue("$limit", limit + 1);
                var items = new List<PostbackOutboxDelivery>(Math.Min(limit + 1, 64));
                using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        items.Add(ReadDelivery(reader));
                    }
                }

                long? next = null;
                if (items.Count > limit)
                {
                    items.RemoveAt(items.Count - 1);
                    next = items[^1].Id;
                }

                return new PostbackOutboxPage { Items = items, NextBeforeId = next };
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<PostbackOutboxDelivery?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        return await ReadAsync(
            async (connection, ct) =>
            {
                using var command = Command(connection, null, $"SELECT {DeliveryColumns} FROM {_d} WHERE id = $id");
                command.Parameters.AddWithValue("$id", id);
                using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadDelivery(reader) : null;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PostbackOutboxAttempt>> GetAttemptsAsync(long id, CancellationToken cancellationToken = default)
    {
        return await ReadAsync(
            async (connection, ct) =>
            {
                using var command = Command(connection, null, $"""
                    SELECT number, started_at, duration_ticks, outcome, status_code, error_type, error_message, response_body, redacted_url
                    FROM {_a} WHERE delivery_id = $id ORDER BY number
                    """);
                command.Parameters.AddWithValue("$id", id);
                var list = new List<PostbackOutboxAttempt>();
                using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    list.Add(new PostbackOutboxAttempt
                    {
                        Number = reader.GetInt32(0),
                        StartedAt = FromUnix(reader.GetInt64(1)),
                        Duration = TimeSpan.FromTicks(reader.GetInt64(2)),
                        Outcome = (PostbackOutcome)reader.GetInt32(3),
                        StatusCode = reader.IsDBNull(4) ? null : reader.GetInt32(4),
                        ErrorType = reader.IsDBNull(5) ? null : reader.GetString(5),
                        ErrorMessage = reader.IsDBNull(6) ? null : reader.GetString(6),
                        ResponseBody = reader.IsDBNull(7) ? null : reader.GetString(7),
                        RedactedUrl = reader.IsDBNull(8) ? null : reader.GetString(8),
                    });
                }

                return (IReadOnlyList<PostbackOutboxAttempt>)list;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<int> ReplayAsync(PostbackOutboxFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return await WriteAsync(
            async (connection, transaction, now, ct) =>
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                var where = Where(command, filter);

                // The attempt (the fence) and the idempotency key are kept; the retry schedule starts again. A delivery of
                // a disabled endpoint is parked again at once, as an enqueue would be.
                command.CommandText = $"""
                    UPDATE {_d} SET
                        state = CASE WHEN endpoint_name IN (SELECT name FROM {_e} WHERE enabled = 0) THEN {StateParked} ELSE {StatePending} END,
                        park_reason = CASE WHEN endpoint_name IN (SELECT name FROM {_e} WHERE enabled = 0) THEN $parked ELSE NULL END,
                        next_attempt_at = $now, failed_attempts = 0, completed_at = NULL, replayed_at = $now,
                        owner = NULL, lease_expires_at = NULL
                    WHERE state <> {StateInFlight} AND {where}
                    """;
                command.Parameters.AddWithValue("$now", now);
                command.Parameters.AddWithValue("$parked", PostbackParkReasons.EndpointDisabled);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<long> PurgeAsync(TimeSpan finishedAge, TimeSpan deadAge, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(finishedAge, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(deadAge, TimeSpan.Zero);
        long total = 0;
        while (true)
        {
            // One bounded batch per transaction, releasing the writer in between, so claims and completions interleave
            // with a large purge. Each batch deletes deliveries with their attempts, all or nothing.
            var deleted = await WriteAsync(
                async (connection, transaction, now, ct) =>
                {
                    var ids = new List<long>(_options.PurgeBatchSize);
                    using (var select = Command(connection, transaction, $"""
                        SELECT id FROM {_d} WHERE state IN (4, 5, 6, 7) AND completed_at < $finished
                        UNION ALL
                        SELECT id FROM {_d} WHERE state = 8 AND completed_at < $dead
                        LIMIT $batch
                        """))
                    {
                        select.Parameters.AddWithValue("$finished", AddMilliseconds(now, -finishedAge));
                        select.Parameters.AddWithValue("$dead", AddMilliseconds(now, -deadAge));
                        select.Parameters.AddWithValue("$batch", _options.PurgeBatchSize);
                        using var reader = await select.ExecuteReaderAsync(ct).ConfigureAwait(false);
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            ids.Add(reader.GetInt64(0));
                        }
                    }

                    if (ids.Count == 0)
                    {
                        return 0;
                    }

                    var list = new StringBuilder(ids.Count * 8);
                    foreach (var id in ids)
                    {
                        list.Append(list.Length == 0 ? string.Empty : ",").Append(id.ToString(CultureInfo.InvariantCulture));
                    }

                    using (var attempts = Command(connection, transaction, $"DELETE FROM {_a} WHERE delivery_id IN ({list})"))
                    {
                        await attempts.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                    }

                    using var deliveries = Command(connection, transaction, $"DELETE FROM {_d} WHERE id IN ({list})");
                    return await deliveries.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            total += deleted;
            if (deleted < _options.PurgeBatchSize)
            {
                break;
            }
        }

        if (total > 0)
        {
            await CheckpointAsync(cancellationToken).ConfigureAwait(false);
        }

        return total;
    }

    /// <inheritdoc />
    public async ValueTask<PostbackOutboxStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        return await ReadAsync(
            async (connection, ct) =>
            {
                // One read transaction, so the counts and the oldest pending agree with each other.
                using var transaction = connection.BeginTransaction(deferred: true);
                var counts = new Dictionary<PostbackDeliveryState, long>();
                using (var command = Command(connection, transaction, $"SELECT state, COUNT(*) FROM {_d} GROUP BY state"))
                {
                    using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        counts[(PostbackDeliveryState)reader.GetInt32(0)] = reader.GetInt64(1);
                    }
                }

                DateTimeOffset? oldest = null;
                using (var command = Command(connection, transaction, $"SELECT MIN(COALESCE(replayed_at, enqueued_at)) FROM {_d} WHERE state = {StatePending}"))
                {
                    if (await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is long ms)
                    {
                        oldest = FromUnix(ms);
                    }
                }

                transaction.Commit();
                return new PostbackOutboxStats { Counts = counts, OldestPendingEnqueuedAt = oldest };
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reclaims the pages freed by deletes (<c>incremental_vacuum</c>) and copies the write-ahead log into the database,
    /// truncating it to zero bytes (<c>wal_checkpoint(TRUNCATE)</c>). The store does this after every purge that deleted
    /// something; call it yourself, for example, before copying the database file.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for the writer.</param>
    /// <returns>
    /// <see langword="true"/> when the log was fully checkpointed and truncated; <see langword="false"/> when a reader of
    /// another connection still needed part of it (the next checkpoint catches up; nothing is lost either way).
    /// </returns>
    public async ValueTask<bool> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var writer = await GetWriterAsync(cancellationToken).ConfigureAwait(false);
            using (var vacuum = Command(writer, null, "PRAGMA incremental_vacuum"))
            {
                // incremental_vacuum returns a row per step; it runs to the end only when the rows are read.
                using var reader = await vacuum.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                }
            }

            using var checkpoint = Command(writer, null, "PRAGMA wal_checkpoint(TRUNCATE)");
            using var result = await checkpoint.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);

            // One row: busy (1 when it could not finish), pages in the log, pages checkpointed.
            return await result.ReadAsync(cancellationToken).ConfigureAwait(false) && result.GetInt32(0) == 0;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Closes the store's writer connection.</summary>
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

    /// <summary>Closes the store's writer connection.</summary>
    /// <returns>A task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private const string DeliveryColumns = """
        id, endpoint_name, idempotency_key, host_key, order_number, state, attempt, failed_attempts, enqueued_at,
        next_attempt_at, lease_expires_at, completed_at, park_reason, last_status_code, last_error_type
        """;

    private const string EndpointColumns = "name, enabled, consecutive_failures, failing_since, last_success_at, disabled_at, disabled_reason";

    private static PostbackOutboxDelivery ReadDelivery(SqliteDataReader reader)
    {
        var state = (PostbackDeliveryState)reader.GetInt32(5);
        return new PostbackOutboxDelivery
        {
            Id = reader.GetInt64(0),
            EndpointName = reader.GetString(1),
            IdempotencyKey = reader.GetString(2),
            HostKey = reader.GetString(3),
            OrderNumber = reader.IsDBNull(4) ? null : reader.GetString(4),
            State = state,
            Attempts = reader.GetInt32(6),
            FailedAttempts = reader.GetInt32(7),
            EnqueuedAt = FromUnix(reader.GetInt64(8)),
            NextAttemptAt = state == PostbackDeliveryState.Pending && !reader.IsDBNull(9) ? FromUnix(reader.GetInt64(9)) : null,
            LeaseExpiresAt = state == PostbackDeliveryState.InFlight && !reader.IsDBNull(10) ? FromUnix(reader.GetInt64(10)) : null,
            CompletedAt = reader.IsDBNull(11) ? null : FromUnix(reader.GetInt64(11)),
            ParkReason = reader.IsDBNull(12) ? null : reader.GetString(12),
            LastStatusCode = reader.IsDBNull(13) ? null : reader.GetInt32(13),
            LastErrorType = reader.IsDBNull(14) ? null : reader.GetString(14),
        };
    }

    private static PostbackOutboxEndpoint ReadEndpoint(SqliteDataReader reader) => new()
    {
        Name = reader.GetString(0),
        Enabled = reader.GetInt64(1) != 0,
        ConsecutiveFailures = reader.GetInt32(2),
        FailingSince = reader.IsDBNull(3) ? null : FromUnix(reader.GetInt64(3)),
        LastSuccessAt = reader.IsDBNull(4) ? null : FromUnix(reader.GetInt64(4)),
        DisabledAt = reader.IsDBNull(5) ? null : FromUnix(reader.GetInt64(5)),
        DisabledReason = reader.IsDBNull(6) ? null : reader.GetString(6),
    };

    private static void CheckEntries(IReadOnlyList<PostbackOutboxEntry> entries)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i] ?? throw new ArgumentException($"Entry {i} is null.", nameof(entries));
            if (string.IsNullOrEmpty(entry.EndpointName) || string.IsNullOrEmpty(entry.IdempotencyKey) || entry.HostKey is null || entry.Payload is null)
            {
                throw new ArgumentException($"Entry {i} lacks its endpoint name, idempotency key, host key or payload.", nameof(entries));
            }
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static DateTimeOffset FromUnix(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    private static long AddMilliseconds(long now, TimeSpan span)
    {
        var ms = span.TotalMilliseconds;
        return ms >= long.MaxValue / 2 ? long.MaxValue / 2 : ms <= long.MinValue / 2 ? long.MinValue / 2 : now + (long)Math.Ceiling(ms);
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Builds the filter's WHERE clause (never empty) and adds its parameters.</summary>
    private static string Where(SqliteCommand command, PostbackOutboxFilter filter)
    {
        var where = new StringBuilder("1 = 1");
        if (filter.Id is { } id)
        {
            where.Append(" AND id = $fid");
            command.Parameters.AddWithValue("$fid", id);
        }

        if (filter.EndpointName is { } endpoint)
        {
            where.Append(" AND endpoint_name = $fendpoint");
            command.Parameters.AddWithValue("$fendpoint", endpoint);
        }

        if (filter.State is { } state)
        {
            where.Append(" AND state = $fstate");
            command.Parameters.AddWithValue("$fstate", (int)state);
        }

        if (filter.OrderNumber is { } order)
        {
            where.Append(" AND order_number = $forder");
            command.Parameters.AddWithValue("$forder", order);
        }

        if (filter.Since is { } since)
        {
            where.Append(" AND enqueued_at >= $fsince");
            command.Parameters.AddWithValue("$fsince", since.ToUnixTimeMilliseconds());
        }

        if (filter.Until is { } until)
        {
            where.Append(" AND enqueued_at < $funtil");
            command.Parameters.AddWithValue("$funtil", until.ToUnixTimeMilliseconds());
        }

        return where.ToString();
    }

    private async Task<IReadOnlyList<long>> InsertAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<PostbackOutboxEntry> entries, long now, CancellationToken cancellationToken)
    {
        // One statement per delivery, prepared once. Whether the endpoint is disabled is read by the INSERT itself, under
        // the write lock the INSERT holds, so a concurrent disable cannot slip between the check and the write.
        using var command = Command(connection, transaction, $"""
            INSERT INTO {_d} (endpoint_name, idempotency_key, host_key, payload, order_number, state, attempt, failed_attempts, enqueued_at, next_attempt_at, park_reason)
            SELECT $endpoint, $key, $host, $payload, $order,
                   CASE WHEN disabled THEN {StateParked} ELSE {StatePending} END, 0, 0, $now,
                   CASE WHEN disabled THEN NULL ELSE $next END,
                   CASE WHEN disabled THEN $parked ELSE NULL END
            FROM (SELECT EXISTS (SELECT 1 FROM {_e} WHERE name = $endpoint AND enabled = 0) AS disabled)
            RETURNING id
            """);
        var endpoint = command.Parameters.Add("$endpoint", SqliteType.Text);
        var key = command.Parameters.Add("$key", SqliteType.Text);
        var host = command.Parameters.Add("$host", SqliteType.Text);
        var payload = command.Parameters.Add("$payload", SqliteType.Text);
        var order = command.Parameters.Add("$order", SqliteType.Text);
        var next = command.Parameters.Add("$next", SqliteType.Integer);
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$parked", PostbackParkReasons.EndpointDisabled);

        var ids = new long[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            endpoint.Value = entry.EndpointName;
            key.Value = entry.IdempotencyKey;
            host.Value = entry.HostKey;
            payload.Value = entry.Payload;
            order.Value = (object?)entry.OrderNumber ?? DBNull.Value;
            next.Value = AddMilliseconds(now, entry.Delay < TimeSpan.Zero ? TimeSpan.Zero : entry.Delay);
            ids[i] = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        return ids;
    }

    private async Task EnsureEndpointAsync(SqliteConnection connection, SqliteTransaction transaction, string name, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, $"INSERT INTO {_e} (name, enabled) VALUES ($name, 1) ON CONFLICT (name) DO NOTHING");
        command.Parameters.AddWithValue("$name", name);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies one attempt's health signal; returns whether the endpoint is enabled afterwards.</summary>
    private async Task<bool> UpdateHealthAsync(
        SqliteConnection connection, SqliteTransaction transaction, string name, PostbackEndpointSignal signal, PostbackEndpointHealthPolicy policy, long now, List<PostbackOutboxEndpoint> disabled, CancellationToken cancellationToken)
    {
        if (signal == PostbackEndpointSignal.None)
        {
            using var read = Command(connection, transaction, $"SELECT enabled FROM {_e} WHERE name = $name");
            read.Parameters.AddWithValue("$name", name);
            return await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long flag || flag != 0;
        }

        await EnsureEndpointAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false);
        if (signal == PostbackEndpointSignal.Success)
        {
            using var success = Command(connection, transaction, $"""
                UPDATE {_e} SET consecutive_failures = 0, failing_since = NULL, last_success_at = $now WHERE name = $name RETURNING enabled
                """);
            success.Parameters.AddWithValue("$name", name);
            success.Parameters.AddWithValue("$now", now);
            return (long)(await success.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! != 0;
        }

        // Failure, or Gone (which is a failure too, and disables at once when the policy says so).
        bool enabled;
        long failures;
        long failingSince;
        using (var failure = Command(connection, transaction, $"""
            UPDATE {_e} SET consecutive_failures = consecutive_failures + 1, failing_since = COALESCE(failing_since, $now)
            WHERE name = $name RETURNING enabled, consecutive_failures, failing_since
            """))
        {
            failure.Parameters.AddWithValue("$name", name);
            failure.Parameters.AddWithValue("$now", now);
            using var reader = await failure.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            enabled = reader.GetInt64(0) != 0;
            failures = reader.GetInt64(1);
            failingSince = reader.GetInt64(2);
        }

        if (!enabled)
        {
            return false;
        }

        string? reason = null;
        if (signal == PostbackEndpointSignal.Gone && policy.DisableOnGone)
        {
            reason = "410 Gone";
        }
        else if (failures >= policy.ConsecutiveFailures && now - failingSince >= (long)policy.FailingFor.TotalMilliseconds)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"{failures} consecutive failures since {FromUnix(failingSince):O}");
        }

        if (reason is null)
        {
            return true;
        }

        if (await DisableAsync(connection, transaction, name, reason, now, cancellationToken).ConfigureAwait(false) is { } endpoint)
        {
            disabled.Add(endpoint);
        }

        return false;
    }

    /// <summary>Disables an enabled endpoint and parks its pending deliveries; returns it, or <see langword="null"/> when it already was disabled.</summary>
    private async Task<PostbackOutboxEndpoint?> DisableAsync(SqliteConnection connection, SqliteTransaction transaction, string name, string reason, long now, CancellationToken cancellationToken)
    {
        PostbackOutboxEndpoint? endpoint = null;
        using (var disable = Command(connection, transaction, $"""
            UPDATE {_e} SET enabled = 0, disabled_at = $now, disabled_reason = $reason WHERE name = $name AND enabled = 1
            RETURNING {EndpointColumns}
            """))
        {
            disable.Parameters.AddWithValue("$name", name);
            disable.Parameters.AddWithValue("$now", now);
            disable.Parameters.AddWithValue("$reason", reason);
            using var reader = await disable.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                endpoint = ReadEndpoint(reader);
            }
        }

        if (endpoint is null)
        {
            return null;
        }

        using var park = Command(connection, transaction, $"""
            UPDATE {_d} SET state = {StateParked}, park_reason = $parked, next_attempt_at = NULL
            WHERE endpoint_name = $name AND state = {StatePending}
            """);
        park.Parameters.AddWithValue("$name", name);
        park.Parameters.AddWithValue("$parked", PostbackParkReasons.EndpointDisabled);
        await park.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return endpoint;
    }

    /// <summary>Moves a counted completion's delivery to its next state and records the attempt.</summary>
    private async Task FinishAsync(SqliteConnection connection, SqliteTransaction transaction, PostbackOutboxCompletion completion, bool endpointEnabled, long now, CancellationToken cancellationToken)
    {
        var state = completion.State;
        var parkReason = state == PostbackDeliveryState.Parked ? completion.ParkReason ?? PostbackParkReasons.EndpointMissing : null;
        if (state == PostbackDeliveryState.Pending && !endpointEnabled)
        {
            state = PostbackDeliveryState.Parked;
            parkReason = PostbackParkReasons.EndpointDisabled;
        }

        var final = state is not (PostbackDeliveryState.Pending or PostbackDeliveryState.Parked);
        var failed = completion.State is PostbackDeliveryState.Pending or PostbackDeliveryState.Dead;
        var record = completion.Record;
        using (var update = Command(connection, transaction, $"""
            UPDATE {_d} SET state = $state, next_attempt_at = $next, owner = NULL, lease_expires_at = NULL,
                completed_at = $completed, park_reason = $park, failed_attempts = failed_attempts + $failed,
                last_status_code = CASE WHEN $record THEN $status ELSE last_status_code END,
                last_error_type = CASE WHEN $record THEN $error ELSE last_error_type END
            WHERE id = $id
            """))
        {
            update.Parameters.AddWithValue("$id", completion.Id);
            update.Parameters.AddWithValue("$state", (int)state);
            update.Parameters.AddWithValue("$next", state == PostbackDeliveryState.Pending ? AddMilliseconds(now, completion.RetryDelay < TimeSpan.Zero ? TimeSpan.Zero : completion.RetryDelay) : DBNull.Value);
            update.Parameters.AddWithValue("$completed", final ? now : DBNull.Value);
            update.Parameters.AddWithValue("$park", (object?)parkReason ?? DBNull.Value);
            update.Parameters.AddWithValue("$failed", failed ? 1 : 0);
            update.Parameters.AddWithValue("$record", record is not null);
            update.Parameters.AddWithValue("$status", (object?)record?.StatusCode ?? DBNull.Value);
            update.Parameters.AddWithValue("$error", (object?)record?.ErrorType ?? DBNull.Value);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (record is null)
        {
            return;
        }

        using var insert = Command(connection, transaction, $"""
            INSERT INTO {_a} (delivery_id, number, started_at, duration_ticks, outcome, status_code, error_type, error_message, response_body, redacted_url)
            VALUES ($id, $number, $started, $duration, $outcome, $status, $error, $message, $body, $url)
            """);
        insert.Parameters.AddWithValue("$id", completion.Id);
        insert.Parameters.AddWithValue("$number", completion.Attempt);
        insert.Parameters.AddWithValue("$started", record.StartedAt.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$duration", record.Duration.Ticks);
        insert.Parameters.AddWithValue("$outcome", (int)record.Outcome);
        insert.Parameters.AddWithValue("$status", (object?)record.StatusCode ?? DBNull.Value);
        insert.Parameters.AddWithValue("$error", (object?)record.ErrorType ?? DBNull.Value);
        insert.Parameters.AddWithValue("$message", (object?)record.ErrorMessage ?? DBNull.Value);
        insert.Parameters.AddWithValue("$body", (object?)record.ResponseBody ?? DBNull.Value);
        insert.Parameters.AddWithValue("$url", (object?)record.RedactedUrl ?? DBNull.Value);
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs one write transaction (<c>BEGIN IMMEDIATE</c>) on the single writer connection; rolls back on any error.</summary>
    private async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, long, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var writer = await GetWriterAsync(cancellationToken).ConfigureAwait(false);

            // IMMEDIATE takes SQLite's write lock at BEGIN (waiting up to busy_timeout for another process), so the
            // transaction never fails half-way on a lock upgrade; it is kept short: no I/O but the database inside it.
            using var transaction = writer.BeginTransaction(deferred: false);
            var result = await work(writer, transaction, Now(), cancellationToken).ConfigureAwait(false);
            transaction.Commit();
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<T> ReadAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var connection = new SqliteConnection(_readConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        using (var pragma = Command(connection, null, BusyTimeoutPragma()))
        {
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return await work(connection, cancellationToken).ConfigureAwait(false);
    }

    private string BusyTimeoutPragma() =>
        string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(long)_options.BusyTimeout.TotalMilliseconds}");

    /// <summary>Opens the writer on first use (under the write lock) and sets the connection's pragmas.</summary>
    private async Task<SqliteConnection> GetWriterAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_writer is not null)
        {
            return _writer;
        }

        var writer = new SqliteConnection(_writeConnectionString);
        try
        {
            await writer.OpenAsync(cancellationToken).ConfigureAwait(false);
            await PragmaAsync(writer, BusyTimeoutPragma(), cancellationToken).ConfigureAwait(false);
            await PragmaAsync(writer, "PRAGMA foreign_keys = ON", cancellationToken).ConfigureAwait(false);

            // A new, empty file: free pages can be handed back to the file system after purges (incremental_vacuum).
            // This only takes effect before the first table exists.
            if (Convert.ToInt64(await ScalarAsync(writer, "PRAGMA page_count", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
            {
                await PragmaAsync(writer, "PRAGMA auto_vacuum = INCREMENTAL", cancellationToken).ConfigureAwait(false);
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
            await PragmaAsync(writer, _options.SynchronousFull ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", cancellationToken).ConfigureAwait(false);

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

    private static async Task PragmaAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
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
