using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using Postback.Internal;

namespace Postback;

/// <summary>
/// The PostgreSQL outbox store: several nodes share one outbox in a database they already run, with no lost and no
/// double deliveries. Register it with <c>.UsePostgreSql(connectionString)</c>.
/// </summary>
/// <remarks>
/// <para>
/// Live deliveries (pending, in flight, parked) are kept in a small <c>deliveries</c> table that claims scan through a
/// partial index on their due time; the completion that makes a delivery final moves it to <c>history</c> in the same
/// transaction, so a claim stays an index scan however much history there is. Queries, stats and replays span both.
/// </para>
/// <para>
/// A claim is one <c>UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)</c> statement in its own short transaction;
/// nothing is held open while a worker sends. Every enqueue sends <c>NOTIFY</c> in its own transaction, so idle nodes
/// wake when it commits (see <see cref="PostgreSqlPostbackOutboxOptions.ListenForNotifications"/>).
/// </para>
/// <para>
/// Times come from the database's <c>now()</c> by default, so nodes whose clocks disagree still agree on leases; with
/// <see cref="PostgreSqlOutboxClock.TimeProvider"/> they come from the <see cref="TimeProvider"/> given here.
/// </para>
/// </remarks>
public sealed class PostgreSqlPostbackOutboxStore : IPostbackOutboxStore, IAsyncDisposable
{
    // The public surface only: each concern lives in one class in Internal/, named for it, as in the SQLite store.
    private readonly PostgreSqlConnections _connections;
    private readonly PostgreSqlEnqueue _enqueue;
    private readonly PostgreSqlClaims _claims;
    private readonly PostgreSqlEndpoints _endpoints;
    private readonly PostgreSqlCompletions _completions;
    private readonly PostgreSqlDeliveryLog _log;
    private readonly PostgreSqlMaintenance _maintenance;

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlPostbackOutboxStore"/> class.</summary>
    /// <param name="options">The options; <see cref="PostgreSqlPostbackOutboxOptions.ConnectionString"/> or <see cref="PostgreSqlPostbackOutboxOptions.DataSource"/> is required.</param>
    /// <param name="timeProvider">The clock for <see cref="PostgreSqlOutboxClock.TimeProvider"/>; <see langword="null"/> for <see cref="TimeProvider.System"/>. Not used with the database clock.</param>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    public PostgreSqlPostbackOutboxStore(PostgreSqlPostbackOutboxOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = PostgreSqlPostbackOutboxOptionsValidator.Check(options);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        Clock = options.Clock;
        _connections = new PostgreSqlConnections(options, timeProvider);
        _enqueue = new PostgreSqlEnqueue(_connections);
        _claims = new PostgreSqlClaims(_connections);
        _endpoints = new PostgreSqlEndpoints(_connections);
        _completions = new PostgreSqlCompletions(_connections);
        _log = new PostgreSqlDeliveryLog(_connections);
        _maintenance = new PostgreSqlMaintenance(_connections);
    }

    /// <summary>Gets the schema the store's tables are in.</summary>
    public string Schema => _connections.Schema;

    /// <summary>Gets the clock the store takes its times from.</summary>
    public PostgreSqlOutboxClock Clock { get; }

    /// <summary>Gets the <c>LISTEN/NOTIFY</c> channel every enqueue (and replay or enable) notifies on commit: the schema name followed by <c>_wake</c>.</summary>
    public string NotificationChannel => _connections.Sql.Channel;

    internal NpgsqlDataSource DataSource => _connections.DataSource;

    /// <inheritdoc />
    public ValueTask InitializeAsync(CancellationToken cancellationToken = default) =>
        _connections.InitializeAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, CancellationToken cancellationToken = default) =>
        _enqueue.EnqueueAsync(entries, cancellationToken);

    /// <summary>
    /// Writes deliveries inside the caller's own transaction, so they commit with the caller's data (a sale and its
    /// postbacks) or not at all. Workers are woken when the transaction commits; a rollback sends nothing.
    /// </summary>
    /// <param name="entries">The deliveries, for example from <see cref="IPostbackOutbox.PrepareAsync"/>.</param>
    /// <param name="transaction">The caller's open transaction, on a connection to the store's database.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new deliveries' ids, in the order of <paramref name="entries"/>.</returns>
    public ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, NpgsqlTransaction transaction, CancellationToken cancellationToken = default) =>
        _enqueue.EnqueueAsync(entries, transaction, cancellationToken);

    /// <summary>
    /// Writes deliveries inside the caller's own transaction given as a <see cref="DbTransaction"/> (for example Entity
    /// Framework Core's <c>Database.CurrentTransaction.GetDbTransaction()</c>); it must be an <see cref="NpgsqlTransaction"/>.
    /// </summary>
    /// <param name="entries">The deliveries.</param>
    /// <param name="transaction">The caller's open transaction.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new deliveries' ids, in the order of <paramref name="entries"/>.</returns>
    /// <exception cref="ArgumentException">The transaction is not a PostgreSQL transaction.</exception>
    public ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, DbTransaction transaction, CancellationToken cancellationToken = default) =>
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

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _connections.DisposeAsync();
}
