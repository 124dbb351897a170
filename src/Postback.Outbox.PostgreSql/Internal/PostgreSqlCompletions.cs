using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Postback.Internal;

/// <summary>
/// Completes claimed deliveries: the fence that turns away stale completions, the delivery's next state (a final one
/// moves to history), the attempt's record, and the endpoint's health, all in one transaction per batch.
/// </summary>
internal sealed class PostgreSqlCompletions(PostgreSqlConnections db)
{
    public async ValueTask<PostbackOutboxCompletionResult> CompleteAsync(IReadOnlyList<PostbackOutboxCompletion> completions, PostbackEndpointHealthPolicy policy, CancellationToken cancellationToken)
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
        var connection = await db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
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
                    var lockRows = new NpgsqlBatchCommand(db.Sql.LockForCompletion);
                    db.AddNow(lockRows.Parameters);
                    lockRows.Parameters.Add(new NpgsqlParameter<long[]>("ids", ids));
                    var lockEndpoints = new NpgsqlBatchCommand(db.Sql.LockEndpointsForCompletion);
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
                        batch.BatchCommands.Add(attempts.ToCommand(db.Sql.InsertAttempts));
                    }

                    if (live.Count > 0)
                    {
                        batch.BatchCommands.Add(live.ToLiveCommand(db.Sql.UpdateLive, now));
                    }

                    if (final.Count > 0)
                    {
                        batch.BatchCommands.Add(final.ToFinalCommand(db.Sql.MoveFinal, now));
                    }

                    if (changed.Count > 0)
                    {
                        batch.BatchCommands.Add(EndpointHealth.ToUpsertCommand(db.Sql.UpsertEndpoints, changed.Select(n => endpoints[n])));
                    }

                    if (disabled.Count > 0)
                    {
                        var names = disabled.ToArray();
                        var lockForDisable = new NpgsqlBatchCommand(db.Sql.LockEndpointsForDisable);
                        lockForDisable.Parameters.Add(new NpgsqlParameter<string[]>("names", names));
                        var park = new NpgsqlBatchCommand(db.Sql.ParkPending);
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
}
