using System;
using System.Collections.Generic;
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
    // The public surface only: each concern (and its SQL) lives in one class in Internal/, named for it.
    private readonly SqliteConnections _connections;
    private readonly SqliteEnqueue _enqueue;
    private readonly SqliteClaims _claims;
    private readonly SqliteEndpoints _endpoints;
    private readonly SqliteCompletions _completions;
    private readonly SqliteDeliveryLog _log;
    private readonly SqliteMaintenance _maintenance;

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

        _connections = new SqliteConnections(options, new SqliteOutboxSchema(options.TablePrefix), timeProvider ?? TimeProvider.System);
        _enqueue = new SqliteEnqueue(_connections);
        _claims = new SqliteClaims(_connections);
        _endpoints = new SqliteEndpoints(_connections);
        _completions = new SqliteCompletions(_connections, _endpoints);
        _log = new SqliteDeliveryLog(_connections);
        _maintenance = new SqliteMaintenance(_connections, options);
    }

    /// <summary>Gets the schema version this package creates and migrates to.</summary>
    public static int SchemaVersion => SqliteOutboxSchema.LatestVersion;

    /// <inheritdoc />
    public ValueTask InitializeAsync(CancellationToken cancellationToken = default) =>
        _connections.InitializeAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, CancellationToken cancellationToken = default) =>
        _enqueue.EnqueueAsync(entries, cancellationToken);

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
    public ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, SqliteTransaction transaction, CancellationToken cancellationToken = default) =>
        _enqueue.EnqueueAsync(entries, transaction, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PostbackOutboxLease>> ClaimAsync(PostbackOutboxClaim claim, CancellationToken cancellationToken = default) =>
        _claims.ClaimAsync(claim, cancellationToken);

    /// <inheritdoc />
    public ValueTask<PostbackOutboxCompletionResult> CompleteAsync(IReadOnlyList<PostbackOutboxCompletion> completions, PostbackEndpointHealthPolicy policy, CancellationToken cancellationToken = default) =>
        _completions.CompleteAsync(completions, policy, cancellationToken);

    /// <inheritdoc />
    public ValueTask<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken = default) =>
        _claims.GetNextDueAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PostbackOutboxEndpoint>> GetEndpointsAsync(CancellationToken cancellationToken = default) =>
        _endpoints.GetEndpointsAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> SetEndpointEnabledAsync(string endpointName, bool enabled, string? reason, CancellationToken cancellationToken = default) =>
        _endpoints.SetEndpointEnabledAsync(endpointName, enabled, reason, cancellationToken);

    /// <inheritdoc />
    public ValueTask<PostbackOutboxPage> QueryAsync(PostbackOutboxFilter filter, long? beforeId, int limit, CancellationToken cancellationToken = default) =>
        _log.QueryAsync(filter, beforeId, limit, cancellationToken);

    /// <inheritdoc />
    public ValueTask<PostbackOutboxDelivery?> GetAsync(long id, CancellationToken cancellationToken = default) =>
        _log.GetAsync(id, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PostbackOutboxAttempt>> GetAttemptsAsync(long id, CancellationToken cancellationToken = default) =>
        _log.GetAttemptsAsync(id, cancellationToken);

    /// <inheritdoc />
    public ValueTask<int> ReplayAsync(PostbackOutboxFilter filter, CancellationToken cancellationToken = default) =>
        _maintenance.ReplayAsync(filter, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> PurgeAsync(TimeSpan finishedAge, TimeSpan deadAge, CancellationToken cancellationToken = default) =>
        _maintenance.PurgeAsync(finishedAge, deadAge, cancellationToken);

    /// <inheritdoc />
    public ValueTask<PostbackOutboxStats> GetStatsAsync(CancellationToken cancellationToken = default) =>
        _log.GetStatsAsync(cancellationToken);

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
    public ValueTask<bool> CheckpointAsync(CancellationToken cancellationToken = default) =>
        _maintenance.CheckpointAsync(cancellationToken);

    /// <summary>Closes the store's writer connection.</summary>
    public void Dispose() => _connections.Dispose();

    /// <summary>Closes the store's writer connection.</summary>
    /// <returns>A task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
