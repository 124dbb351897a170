using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using static Postback.Internal.SqliteRows;

namespace Postback.Internal;

/// <summary>
/// Completes claimed deliveries: the fence that turns away stale completions, the delivery's next state, the attempt's
/// record, and the endpoint's health, all in one write transaction per batch.
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
                foreach (var completion in completions)
                {
                    // The fence: the same owner still holds the same attempt, and the delivery is still in flight.
                    string? endpoint;
                    using (var fence = Command(connection, transaction, $"SELECT endpoint_name FROM {db.Deliveries} WHERE id = $id AND owner = $owner AND attempt = $attempt AND state = {StateInFlight}"))
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

                    var enabled = await endpoints.UpdateHealthAsync(connection, transaction, endpoint, completion.Signal, policy, now, disabled, ct).ConfigureAwait(false);
                    await FinishAsync(connection, transaction, completion, enabled, now, ct).ConfigureAwait(false);
                }

                return new PostbackOutboxCompletionResult { Stale = stale, Disabled = disabled };
            },
            cancellationToken).ConfigureAwait(false);
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
            UPDATE {db.Deliveries} SET state = $state, next_attempt_at = $next, owner = NULL, lease_expires_at = NULL,
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
            update.Parameters.AddWithValue("$park", OrNull(parkReason));
            update.Parameters.AddWithValue("$failed", failed ? 1 : 0);
            update.Parameters.AddWithValue("$record", record is not null);
            update.Parameters.AddWithValue("$status", OrNull(record?.StatusCode));
            update.Parameters.AddWithValue("$error", OrNull(record?.ErrorType));
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (record is null)
        {
            return;
        }

        using var insert = Command(connection, transaction, $"""
            INSERT INTO {db.Attempts} (delivery_id, number, started_at, duration_ticks, outcome, status_code, error_type, error_message, response_body, redacted_url)
            VALUES ($id, $number, $started, $duration, $outcome, $status, $error, $message, $body, $url)
            """);
        insert.Parameters.AddWithValue("$id", completion.Id);
        insert.Parameters.AddWithValue("$number", completion.Attempt);
        insert.Parameters.AddWithValue("$started", record.StartedAt.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$duration", record.Duration.Ticks);
        insert.Parameters.AddWithValue("$outcome", (int)record.Outcome);
        insert.Parameters.AddWithValue("$status", OrNull(record.StatusCode));
        insert.Parameters.AddWithValue("$error", OrNull(record.ErrorType));
        insert.Parameters.AddWithValue("$message", OrNull(record.ErrorMessage));
        insert.Parameters.AddWithValue("$body", OrNull(record.ResponseBody));
        insert.Parameters.AddWithValue("$url", OrNull(record.RedactedUrl));
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
