using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using static Postback.Internal.SqliteRows;

namespace Postback.Internal;

/// <summary>
/// Completes claimed deliveries: the fence that turns away stale completions, the delivery's next state, the attempt's
/// record, and the endpoint's health, all in one write transaction per batch (<see cref="SqliteCompletionCommands"/>).
/// </summary>
internal sealed class SqliteCompletions(SqliteConnections db, SqliteEndpoints endpoints)
{
    public async ValueTask<PostbackOutboxCompletionResult> CompleteAsync(IReadOnlyList<PostbackOutboxCompletion> completions, PostbackEndpointHealthPolicy policy, CancellationToken cancellationToken)
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

        return await db.WriteAsync(
            async (connection, transaction, now, ct) =>
            {
                var stale = new List<long>();
                var disabled = new List<PostbackOutboxEndpoint>();
                using var commands = new SqliteCompletionCommands(connection, transaction, db.Deliveries, db.Attempts);
                var health = new SqliteHealthBatch();
                foreach (var completion in completions)
                {
                    var fenced = completion.State is not PostbackDeliveryState.Pending;
                    var endpoint = fenced
                        ? await FinishFencedAsync(commands, completion, now, ct).ConfigureAwait(false)
                        : await FenceAsync(commands, completion, ct).ConfigureAwait(false);
                    if (endpoint is null)
                    {
                        stale.Add(completion.Id);
                        continue;
                    }

                    if (!health.IsKnown(endpoint, completion.Signal, out var enabled))
                    {
                        enabled = await endpoints.UpdateHealthAsync(connection, transaction, endpoint, completion.Signal, policy, now, disabled, ct).ConfigureAwait(false);
                        health.Applied(endpoint, completion.Signal, enabled);
                    }

                    if (!fenced)
                    {
                        await FinishAsync(commands.Finish, completion, enabled, now, ct).ConfigureAwait(false);
                    }

                    await RecordAsync(commands.Record, completion, ct).ConfigureAwait(false);
                }

                return new PostbackOutboxCompletionResult { Stale = stale, Disabled = disabled };
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The fence alone, for a retry whose next state depends on the endpoint's health: returns the endpoint, or null when stale.</summary>
    private static async Task<string?> FenceAsync(SqliteCompletionCommands commands, PostbackOutboxCompletion completion, CancellationToken cancellationToken)
    {
        var fence = commands.Fence;
        fence.Parameters["$id"].Value = completion.Id;
        fence.Parameters["$owner"].Value = completion.Owner;
        fence.Parameters["$attempt"].Value = completion.Attempt;
        return (string?)await fence.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The fence and the move together, for a state the endpoint's health does not change: returns the endpoint, or null when stale.</summary>
    private static async Task<string?> FinishFencedAsync(SqliteCompletionCommands commands, PostbackOutboxCompletion completion, long now, CancellationToken cancellationToken)
    {
        var command = commands.FinishFenced;
        Bind(command, completion, completion.State, ParkReasonOf(completion), now);
        command.Parameters["$owner"].Value = completion.Owner;
        command.Parameters["$attempt"].Value = completion.Attempt;
        return (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Moves a retry's delivery back to pending, or parks it when its endpoint is disabled.</summary>
    private static async Task FinishAsync(SqliteCommand command, PostbackOutboxCompletion completion, bool endpointEnabled, long now, CancellationToken cancellationToken)
    {
        var (state, parkReason) = endpointEnabled
            ? (completion.State, ParkReasonOf(completion))
            : (PostbackDeliveryState.Parked, PostbackParkReasons.EndpointDisabled);
        Bind(command, completion, state, parkReason, now);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string? ParkReasonOf(PostbackOutboxCompletion completion) =>
        completion.State == PostbackDeliveryState.Parked ? completion.ParkReason ?? PostbackParkReasons.EndpointMissing : null;

    /// <summary>Binds the move to <paramref name="state"/>: the next attempt's time for a retry, the completion time for a final state.</summary>
    private static void Bind(SqliteCommand command, PostbackOutboxCompletion completion, PostbackDeliveryState state, string? parkReason, long now)
    {
        var final = state is not (PostbackDeliveryState.Pending or PostbackDeliveryState.Parked);
        var failed = completion.State is PostbackDeliveryState.Pending or PostbackDeliveryState.Dead;
        var record = completion.Record;
        var parameters = command.Parameters;
        parameters["$id"].Value = completion.Id;
        parameters["$state"].Value = (int)state;
        parameters["$next"].Value = state == PostbackDeliveryState.Pending ? AddMilliseconds(now, completion.RetryDelay < TimeSpan.Zero ? TimeSpan.Zero : completion.RetryDelay) : DBNull.Value;
        parameters["$completed"].Value = final ? now : DBNull.Value;
        parameters["$park"].Value = OrNull(parkReason);
        parameters["$failed"].Value = failed ? 1 : 0;
        parameters["$record"].Value = record is not null;
        parameters["$status"].Value = OrNull(record?.StatusCode);
        parameters["$error"].Value = OrNull(record?.ErrorType);
    }

    /// <summary>Records the attempt, when the completion carries one.</summary>
    private static async Task RecordAsync(SqliteCommand insert, PostbackOutboxCompletion completion, CancellationToken cancellationToken)
    {
        if (completion.Record is not { } record)
        {
            return;
        }

        var parameters = insert.Parameters;
        parameters["$id"].Value = completion.Id;
        parameters["$number"].Value = completion.Attempt;
        parameters["$started"].Value = record.StartedAt.ToUnixTimeMilliseconds();
        parameters["$duration"].Value = record.Duration.Ticks;
        parameters["$outcome"].Value = (int)record.Outcome;
        parameters["$status"].Value = OrNull(record.StatusCode);
        parameters["$error"].Value = OrNull(record.ErrorType);
        parameters["$message"].Value = OrNull(record.ErrorMessage);
        parameters["$body"].Value = OrNull(record.ResponseBody);
        parameters["$url"].Value = OrNull(record.RedactedUrl);
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
