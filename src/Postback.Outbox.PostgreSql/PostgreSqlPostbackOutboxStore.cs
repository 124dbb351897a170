using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;
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
    private const int PurgeBatchSize = 1000;
    private const int MaxPageSize = 1000;

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly TimeProvider? _timeProvider;
    private readonly PostgreSqlOutboxSql _sql;

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

        Schema = options.Schema;
        Clock = options.Clock;
        _timeProvider = options.Clock == PostgreSqlOutboxClock.TimeProvider ? timeProvider ?? TimeProvider.System : null;
        _sql = new PostgreSqlOutboxSql(options.Schema);
        if (options.DataSource is { } dataSource)
        {
            _dataSource = dataSource;
        }
        else
        {
            _dataSource = new NpgsqlSlimDataSourceBuilder(options.ConnectionString).EnableArrays().Build();
            _ownsDataSource = true;
        }
    }

    /// <summary>Gets the schema the store's tables are in.</summary>
    public string Schema { get; }

    /// <summary>Gets the clock the store takes its times from.</summary>
    public PostgreSqlOutboxClock Clock { get; }

    /// <summary>Gets the <c>LISTEN/NOTIFY</c> channel every enqueue (and replay or enable) notifies on commit: the schema name followed by <c>_wake</c>.</summary>
    public string NotificationChannel => _sql.Channel;

    internal NpgsqlDataSource DataSource => _dataSource;

    /// <inheritdoc />
    public async ValueTask InitializeAsync(CancellationToken cancellationToken = default) =>
        await PostgreSqlOutboxSchema.MigrateAsync(_dataSource, Schema, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return [];
        }

        // Two statements in one batch run in one implicit transaction: the rows and the NOTIFY commit together.
        using var batch = _dataSource.CreateBatch();
        return await EnqueueCoreAsync(batch, entries, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes deliveries inside the caller's own transaction, so they commit with the caller's data (a sale and its
    /// postbacks) or not at all. Workers are woken when the transaction commits; a rollback sends nothing.
    /// </summary>
    /// <param name="entries">The deliveries, for example from <see cref="IPostbackOutbox.PrepareAsync"/>.</param>
    /// <param name="transaction">The caller's open transaction, on a connection to the store's database.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new deliveries' ids, in the order of <paramref name="entries"/>.</returns>
    public async ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, NpgsqlTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(transaction);
        var connection = transaction.Connection ?? throw new ArgumentException("The transaction has already been committed or rolled back.", nameof(transaction));
        if (entries.Count == 0)
        {
            return [];
        }

        using var batch = new NpgsqlBatch(connection, transaction);
        return await EnqueueCoreAsync(batch, entries, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes deliveries inside the caller's own transaction given as a <see cref="DbTransaction"/> (for example Entity
    /// Framework Core's <c>Database.CurrentTransaction.GetDbTransaction()</c>); it must be an <see cref="NpgsqlTransaction"/>.
    /// </summary>
    /// <param name="entries">The deliveries.</param>
    /// <param name="transaction">The caller's open transaction.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new deliveries' ids, in the order of <paramref name="entries"/>.</returns>
    /// <exception cref="ArgumentException">The transaction is not a PostgreSQL transaction.</exception>
    public ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, DbTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction is NpgsqlTransaction npgsqlTransaction
            ? EnqueueAsync(entries, npgsqlTransaction, cancellationToken)
            : throw new ArgumentException($"The transaction is a {transaction.GetType().Name}; the PostgreSQL outbox needs an NpgsqlTransaction.", nameof(transaction));
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PostbackOutboxLease>> ClaimAsync(PostbackOutboxClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        if (claim.MaxCount <= 0 || claim.MaxPerHost <= 0)
        {
            return [];
        }

        var byHost = claim.MaxPerHost < claim.MaxCount || claim.ExcludedHosts.Count > 0;
        using var command = _dataSource.CreateCommand(byHost ? _sql.ClaimByHost : _sql.Claim);
        AddNow(command.Parameters);
        command.Parameters.Add(new NpgsqlParameter<string>("owner", claim.Owner));
        command.Parameters.Add(new NpgsqlParameter<int>("max", claim.MaxCount));
        command.Parameters.Add(new NpgsqlParameter<TimeSpan>("lease", claim.LeaseDuration));
        if (byHost)
        {
            command.Parameters.Add(new NpgsqlParameter<int>("per_host", Math.Min(claim.MaxPerHost, claim.MaxCount)));
            command.Parameters.Add(new NpgsqlParameter<string[]>("excluded", [.. claim.ExcludedHosts]));
        }

        var claimed = new List<(DateTime DueAt, PostbackOutboxLease Lease)>(Math.Min(claim.MaxCount, 1024));
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                claimed.Add((reader.GetDateTime(9), new PostbackOutboxLease
                {
                    Id = reader.GetInt64(0),
                    EndpointName = reader.GetString(1),
                    IdempotencyKey = reader.GetString(2),
                    HostKey = reader.GetString(3),
                    Payload = reader.GetString(4),
                    Attempt = reader.GetInt32(5),
                    FailedAttempts = reader.GetInt32(6),
                    EnqueuedAt = reader.GetFieldValue<DateTimeOffset>(7),
                    LeaseExpiresAt = reader.GetFieldValue<DateTimeOffset>(8),
                }));
            }
        }

        // RETURNING has no order: hand them back oldest due first, as claimed.
        claimed.Sort(static (a, b) => a.DueAt != b.DueAt ? a.DueAt.CompareTo(b.DueAt) : a.Lease.Id.CompareTo(b.Lease.Id));
        return claimed.ConvertAll(static c => c.Lease);
    }

    /// <inheritdoc />
    public async ValueTask<PostbackOutboxCompletionResult> CompleteAsync(IReadOnlyList<PostbackOutboxCompletion> completions, PostbackEndpointHealthPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(completions);
        ArgumentNullException.ThrowIfNull(policy);
        if (completions.Count == 0)
        {
            return new PostbackOutboxCompletionResult();
        }

        foreach (var completion in completions)
        {
            ArgumentNullException.ThrowIfNull(completion, nameof(completions));
            if (completion.State is PostbackDeliveryState.InFlight or < PostbackDeliveryState.Pending or > PostbackDeliveryState.Dead)
            {
                throw new ArgumentException($"Delivery {completion.Id}: a completion cannot move a delivery to {completion.State}.", nameof(completions));
            }
        }

        var ids = completions.Select(static c => c.Id).Distinct().ToArray();
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // 1. Lock the deliveries (in id order, so two completers never deadlock), then their endpoints (by name).
                var rows = new Dictionary<long, (string Endpoint, string? Owner, int Attempt, short State)>(ids.Length);
                var endpoints = new Dictionary<string, EndpointHealth>(StringComparer.Ordinal);
                DateTime now = default;
                using (var batch = new NpgsqlBatch(connection, transaction))
                {
                    var lockRows = new NpgsqlBatchCommand(_sql.LockForCompletion);
                    AddNow(lockRows.Parameters);
                    lockRows.Parameters.Add(new NpgsqlParameter<long[]>("ids", ids));
                    var lockEndpoints = new NpgsqlBatchCommand(_sql.LockEndpointsForCompletion);
                    lockEndpoints.Parameters.Add(new NpgsqlParameter<long[]>("ids", ids));
                    batch.BatchCommands.Add(lockRows);
                    batch.BatchCommands.Add(lockEndpoints);
                    var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            now = reader.GetDateTime(0);
                            rows[reader.GetInt64(1)] = (reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt32(4), reader.GetInt16(5));
                        }

                        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            var health = EndpointHealth.Read(reader);
                            endpoints[health.Name] = health;
                        }
                    }
                }

                // 2. Which completions count: same owner, same attempt, still in flight; each delivery once.
                var stale = new List<long>();
                var valid = new List<(PostbackOutboxCompletion Completion, string Endpoint)>(completions.Count);
                var seen = new HashSet<long>();
                foreach (var completion in completions)
                {
                    if (rows.TryGetValue(completion.Id, out var row)
                        && row.State == (short)PostbackDeliveryState.InFlight
                        && row.Attempt == completion.Attempt
                        && string.Equals(row.Owner, completion.Owner, StringComparison.Ordinal)
                        && seen.Add(completion.Id))
                    {
                        valid.Add((completion, row.Endpoint));
                    }
                    else
                    {
                        stale.Add(completion.Id);
                    }
                }

                if (valid.Count == 0)
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return new PostbackOutboxCompletionResult { Stale = stale };
                }

                // 3. Endpoint health, in completion order; a retry of a disabled endpoint is parked instead.
                var changed = new HashSet<string>(StringComparer.Ordinal);
                var disabled = new List<string>();
                var live = new CompletionColumns();
                var final = new CompletionColumns();
                var attempts = new AttemptColumns();
                foreach (var (completion, endpointName) in valid)
                {
                    if (!endpoints.TryGetValue(endpointName, out var health))
                    {
                        health = new EndpointHealth(endpointName);
                        endpoints[endpointName] = health;
                    }

                    if (health.Apply(completion.Signal, policy, now))
                    {
                        disabled.Add(endpointName);
                    }

                    if (completion.Signal != PostbackEndpointSignal.None || !health.Enabled)
                    {
                        changed.Add(endpointName);
                    }

                    var state = completion.State;
                    var parkReason = completion.ParkReason;
                    if (state == PostbackDeliveryState.Pending && !health.Enabled)
                    {
                        state = PostbackDeliveryState.Parked;
                        parkReason = PostbackParkReasons.EndpointDisabled;
                    }

                    var failed = completion.State is PostbackDeliveryState.Pending or PostbackDeliveryState.Dead ? 1 : 0;
                    (state >= PostbackDeliveryState.Delivered ? final : live).Add(completion, state, parkReason, failed);
                    if (completion.Record is { } record)
                    {
                        attempts.Add(completion.Id, record);
                    }
                }

                // 4. Every write in one batch: attempts, live rows, final rows moved to history, endpoints, parking.
                using (var batch = new NpgsqlBatch(connection, transaction))
                {
                    if (attempts.Count > 0)
                    {
                        batch.BatchCommands.Add(attempts.ToCommand(_sql.InsertAttempts));
                    }

                    if (live.Count > 0)
                    {
                        batch.BatchCommands.Add(live.ToLiveCommand(_sql.UpdateLive, now));
                    }

                    if (final.Count > 0)
                    {
                        batch.BatchCommands.Add(final.ToFinalCommand(_sql.MoveFinal, now));
                    }

                    if (changed.Count > 0)
                    {
                        batch.BatchCommands.Add(EndpointHealth.ToUpsertCommand(_sql.UpsertEndpoints, changed.Select(n => endpoints[n])));
                    }

                    if (disabled.Count > 0)
                    {
                        var names = disabled.ToArray();
                        var lockForDisable = new NpgsqlBatchCommand(_sql.LockEndpointsForDisable);
                        lockForDisable.Parameters.Add(new NpgsqlParameter<string[]>("names", names));
                        var park = new NpgsqlBatchCommand(_sql.ParkPending);
                        park.Parameters.Add(new NpgsqlParameter<string[]>("names", names));
                        batch.BatchCommands.Add(lockForDisable);
                        batch.BatchCommands.Add(park);
                    }

                    await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new PostbackOutboxCompletionResult
                {
                    Stale = stale,
                    Disabled = disabled.ConvertAll(n => endpoints[n].ToEndpoint()),
                };
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken = default)
    {
        using var command = _dataSource.CreateCommand(_sql.NextDue);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DateTime time ? new DateTimeOffset(time.Ticks, TimeSpan.Zero) : null;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PostbackOutboxEndpoint>> GetEndpointsAsync(CancellationToken cancellationToken = default)
    {
        using var command = _dataSource.CreateCommand(_sql.Endpoints);
        var result = new List<PostbackOutboxEndpoint>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Add(EndpointHealth.Read(reader).ToEndpoint());
            }
        }

        return result;
    }

    /// <inheritdoc />
    public async ValueTask<bool> SetEndpointEnabledAsync(string endpointName, bool enabled, string? reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpointName);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                bool current;
                DateTime now;
                using (var batch = new NpgsqlBatch(connection, transaction))
                {
                    var ensure = new NpgsqlBatchCommand(_sql.EnsureEndpoint);
                    ensure.Parameters.Add(new NpgsqlParameter<string>("name", endpointName));
                    var lockRow = new NpgsqlBatchCommand(_sql.LockEndpoint);
                    lockRow.Parameters.Add(new NpgsqlParameter<string>("name", endpointName));
                    AddNow(lockRow.Parameters);
                    batch.BatchCommands.Add(ensure);
                    batch.BatchCommands.Add(lockRow);
                    var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                        current = reader.GetBoolean(0);
                        now = reader.GetDateTime(1);
                    }
                }

                if (current == enabled)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return false;
                }

                using (var batch = new NpgsqlBatch(connection, transaction))
                {
                    var update = new NpgsqlBatchCommand(enabled ? _sql.EnableEndpoint : _sql.DisableEndpoint);
                    update.Parameters.Add(new NpgsqlParameter<string>("name", endpointName));
                    var deliveries = new NpgsqlBatchCommand(enabled ? _sql.ResumeParked : _sql.ParkPending);
                    if (enabled)
                    {
                        deliveries.Parameters.Add(new NpgsqlParameter<string>("name", endpointName));
                        deliveries.Parameters.Add(new NpgsqlParameter<DateTime>("now", now));
                    }
                    else
                    {
                        update.Parameters.Add(new NpgsqlParameter<DateTime>("now", now));
                        update.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = (object?)reason ?? DBNull.Value });
                        deliveries.Parameters.Add(new NpgsqlParameter<string[]>("names", [endpointName]));
                    }

                    batch.BatchCommands.Add(update);
                    batch.BatchCommands.Add(deliveries);
                    if (enabled)
                    {
                        batch.BatchCommands.Add(NotifyCommand());
                    }

                    await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<PostbackOutboxPage> QueryAsync(PostbackOutboxFilter filter, long? beforeId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);

        using var command = _dataSource.CreateCommand();
        var where = BuildFilter(filter, command.Parameters);
        if (beforeId is { } before)
        {
            where += " AND id < @before";
            command.Parameters.Add(new NpgsqlParameter<long>("before", before));
        }

        command.CommandText = _sql.QueryTemplate.Replace("{filter}", where, StringComparison.Ordinal);
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit + 1));
        var items = new List<PostbackOutboxDelivery>(Math.Min(limit + 1, 64));
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
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
    }

    /// <inheritdoc />
    public async ValueTask<PostbackOutboxDelivery?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        var page = await QueryAsync(new PostbackOutboxFilter { Id = id }, null, 1, cancellationToken).ConfigureAwait(false);
        return page.Items.Count > 0 ? page.Items[0] : null;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PostbackOutboxAttempt>> GetAttemptsAsync(long id, CancellationToken cancellationToken = default)
    {
        using var command = _dataSource.CreateCommand(_sql.Attempts);
        command.Parameters.Add(new NpgsqlParameter<long>("id", id));
        var result = new List<PostbackOutboxAttempt>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Add(new PostbackOutboxAttempt
                {
                    Number = reader.GetInt32(0),
                    StartedAt = reader.GetFieldValue<DateTimeOffset>(1),
                    Duration = reader.GetFieldValue<TimeSpan>(2),
                    Outcome = (PostbackOutcome)reader.GetInt16(3),
                    StatusCode = reader.IsDBNull(4) ? null : reader.GetInt32(4),
                    ErrorType = reader.IsDBNull(5) ? null : reader.GetString(5),
                    ErrorMessage = reader.IsDBNull(6) ? null : reader.GetString(6),
                    ResponseBody = reader.IsDBNull(7) ? null : reader.GetString(7),
                    RedactedUrl = reader.IsDBNull(8) ? null : reader.GetString(8),
                });
            }
        }

        return result;
    }

    /// <inheritdoc />
    public async ValueTask<int> ReplayAsync(PostbackOutboxFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.State == PostbackDeliveryState.InFlight)
        {
            return 0;
        }

        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                DateTime now;
                using (var command = new NpgsqlCommand(_sql.LockAllEndpointsShared + ";" + _sql.Now, connection, transaction))
                {
                    AddNow(command.Parameters);
                    var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                        now = reader.GetDateTime(0);
                    }
                }

                var replayed = 0;
                using (var batch = new NpgsqlBatch(connection, transaction))
                {
                    var liveCommand = new NpgsqlBatchCommand();
                    liveCommand.CommandText = _sql.ReplayLiveTemplate.Replace("{filter}", BuildFilter(filter, liveCommand.Parameters), StringComparison.Ordinal);
                    liveCommand.Parameters.Add(new NpgsqlParameter<DateTime>("now", now));
                    var historyCommand = new NpgsqlBatchCommand();
                    historyCommand.CommandText = _sql.ReplayHistoryTemplate.Replace("{filter}", BuildFilter(filter, historyCommand.Parameters), StringComparison.Ordinal);
                    historyCommand.Parameters.Add(new NpgsqlParameter<DateTime>("now", now));
                    batch.BatchCommands.Add(liveCommand);
                    batch.BatchCommands.Add(historyCommand);
                    batch.BatchCommands.Add(NotifyCommand());
                    await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    replayed = liveCommand.RecordsAffected + historyCommand.RecordsAffected;
                }

                if (replayed == 0)
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return 0;
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return replayed;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<long> PurgeAsync(TimeSpan finishedAge, TimeSpan deadAge, CancellationToken cancellationToken = default)
    {
        long total = 0;
        while (true)
        {
            using var command = _dataSource.CreateCommand(_sql.Purge);
            AddNow(command.Parameters);
            command.Parameters.Add(new NpgsqlParameter<TimeSpan>("finished", finishedAge));
            command.Parameters.Add(new NpgsqlParameter<TimeSpan>("dead", deadAge));
            command.Parameters.Add(new NpgsqlParameter<int>("batch", PurgeBatchSize));
            var deleted = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            total += deleted;
            if (deleted < PurgeBatchSize)
            {
                return total;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<PostbackOutboxStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        using var command = _dataSource.CreateCommand(_sql.Stats);
        var counts = new Dictionary<PostbackDeliveryState, long>();
        DateTimeOffset? oldest = null;
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var state = (PostbackDeliveryState)reader.GetInt16(0);
                counts[state] = counts.GetValueOrDefault(state) + reader.GetInt64(1);
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0))
            {
                oldest = reader.GetFieldValue<DateTimeOffset>(0);
            }
        }

        return new PostbackOutboxStats { Counts = counts, OldestPendingEnqueuedAt = oldest };
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<IReadOnlyList<long>> EnqueueCoreAsync(NpgsqlBatch batch, IReadOnlyList<PostbackOutboxEntry> entries, CancellationToken cancellationToken)
    {
        var count = entries.Count;
        var names = new string[count];
        var keys = new string[count];
        var hosts = new string[count];
        var payloads = new string[count];
        var orderNumbers = new string?[count];
        var delays = new TimeSpan[count];
        for (var i = 0; i < count; i++)
        {
            var entry = entries[i];
            ArgumentNullException.ThrowIfNull(entry, nameof(entries));
            names[i] = entry.EndpointName;
            keys[i] = entry.IdempotencyKey;
            hosts[i] = entry.HostKey;
            payloads[i] = entry.Payload;
            orderNumbers[i] = entry.OrderNumber;
            delays[i] = entry.Delay < TimeSpan.Zero ? TimeSpan.Zero : entry.Delay;
        }

        var insert = new NpgsqlBatchCommand(_sql.Enqueue);
        AddNow(insert.Parameters);
        insert.Parameters.Add(new NpgsqlParameter<string[]>("names", names));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("keys", keys));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("hosts", hosts));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("payloads", payloads));
        insert.Parameters.Add(new NpgsqlParameter("order_numbers", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = orderNumbers });
        insert.Parameters.Add(new NpgsqlParameter<TimeSpan[]>("delays", delays));
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(NotifyCommand());

        var ids = new long[count];
        var read = 0;
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids[read++] = reader.GetInt64(0);
            }
        }

        // Ids were drawn from the sequence in entry order, so ascending ids are the entries' ids in order.
        Array.Sort(ids);
        return ids;
    }

    private NpgsqlBatchCommand NotifyCommand()
    {
        var notify = new NpgsqlBatchCommand(_sql.Notify);
        notify.Parameters.Add(new NpgsqlParameter<string>("channel", _sql.Channel));
        return notify;
    }

    private void AddNow(NpgsqlParameterCollection parameters) =>
        parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz)
        {
            Value = _timeProvider is null ? DBNull.Value : _timeProvider.GetUtcNow().UtcDateTime,
        });

    private static string BuildFilter(PostbackOutboxFilter filter, NpgsqlParameterCollection parameters)
    {
        var where = new StringBuilder("true");
        if (filter.Id is { } id)
        {
            where.Append(" AND id = @f_id");
            parameters.Add(new NpgsqlParameter<long>("f_id", id));
        }

        if (filter.EndpointName is { } endpoint)
        {
            where.Append(" AND endpoint_name = @f_endpoint");
            parameters.Add(new NpgsqlParameter<string>("f_endpoint", endpoint));
        }

        if (filter.State is { } state)
        {
            where.Append(" AND state = @f_state");
            parameters.Add(new NpgsqlParameter<short>("f_state", (short)state));
        }

        if (filter.OrderNumber is { } orderNumber)
        {
            where.Append(" AND order_number = @f_order");
            parameters.Add(new NpgsqlParameter<string>("f_order", orderNumber));
        }

        if (filter.Since is { } since)
        {
            where.Append(" AND enqueued_at >= @f_since");
            parameters.Add(new NpgsqlParameter<DateTime>("f_since", since.UtcDateTime));
        }

        if (filter.Until is { } until)
        {
            where.Append(" AND enqueued_at < @f_until");
            parameters.Add(new NpgsqlParameter<DateTime>("f_until", until.UtcDateTime));
        }

        return where.ToString();
    }

    private static PostbackOutboxDelivery ReadDelivery(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        EndpointName = reader.GetString(1),
        IdempotencyKey = reader.GetString(2),
        HostKey = reader.GetString(3),
        OrderNumber = reader.IsDBNull(4) ? null : reader.GetString(4),
        State = (PostbackDeliveryState)reader.GetInt16(5),
        Attempts = reader.GetInt32(6),
        FailedAttempts = reader.GetInt32(7),
        EnqueuedAt = reader.GetFieldValue<DateTimeOffset>(8),
        NextAttemptAt = reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
        LeaseExpiresAt = reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
        CompletedAt = reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
        ParkReason = reader.IsDBNull(12) ? null : reader.GetString(12),
        LastStatusCode = reader.IsDBNull(13) ? null : reader.GetInt32(13),
        LastErrorType = reader.IsDBNull(14) ? null : reader.GetString(14),
    };
}
