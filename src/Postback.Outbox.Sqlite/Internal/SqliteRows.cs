using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Postback.Internal;

/// <summary>
/// What every part of the SQLite store shares: the states it writes into SQL, the command helper, the conversion of times
/// to and from the INTEGER unix milliseconds the schema keeps, and the mapping of the rows more than one query returns.
/// </summary>
internal static class SqliteRows
{
    // Spliced into SQL as literals, not parameters, so each statement matches its partial index (WHERE state = 1 / 2).
    public const int StatePending = (int)PostbackDeliveryState.Pending;
    public const int StateInFlight = (int)PostbackDeliveryState.InFlight;
    public const int StateParked = (int)PostbackDeliveryState.Parked;

    /// <summary>The columns <see cref="ReadDelivery"/> reads, in its order.</summary>
    public const string DeliveryColumns = """
        id, endpoint_name, idempotency_key, host_key, order_number, state, attempt, failed_attempts, enqueued_at,
        next_attempt_at, lease_expires_at, completed_at, park_reason, last_status_code, last_error_type
        """;

    /// <summary>The columns <see cref="ReadEndpoint"/> reads, in its order.</summary>
    public const string EndpointColumns = "name, enabled, consecutive_failures, failing_since, last_success_at, disabled_at, disabled_reason";

    /// <summary>The columns <see cref="ReadAttempt"/> reads, in its order.</summary>
    public const string AttemptColumns = "number, started_at, duration_ticks, outcome, status_code, error_type, error_message, response_body, redacted_url";

    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>A parameter value for a column that may be NULL: ADO.NET wants <see cref="DBNull"/>, not <see langword="null"/>.</summary>
    public static object OrNull(object? value) => value ?? DBNull.Value;

    /// <summary>Runs a command and maps every row it returns.</summary>
    public static async Task<List<T>> ReadAllAsync<T>(SqliteCommand command, Func<SqliteDataReader, T> read, CancellationToken cancellationToken, int capacity = 0)
    {
        var list = new List<T>(capacity);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(read(reader));
        }

        return list;
    }

    public static DateTimeOffset FromUnix(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    /// <summary>
    /// <paramref name="now"/> plus a span, rounded up to the next millisecond (a delay never ends early), and clamped so a
    /// huge span stays a far-off (or long-past) time instead of overflowing.
    /// </summary>
    public static long AddMilliseconds(long now, TimeSpan span)
    {
        var ms = span.TotalMilliseconds;
        return ms >= long.MaxValue / 2 ? long.MaxValue / 2 : ms <= long.MinValue / 2 ? long.MinValue / 2 : now + (long)Math.Ceiling(ms);
    }

    public static PostbackOutboxDelivery ReadDelivery(SqliteDataReader reader)
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

            // next_attempt_at still holds the due time while a delivery is in flight (the claim orders by it); the log
            // shows each time only in the state it belongs to.
            NextAttemptAt = state == PostbackDeliveryState.Pending && !reader.IsDBNull(9) ? FromUnix(reader.GetInt64(9)) : null,
            LeaseExpiresAt = state == PostbackDeliveryState.InFlight && !reader.IsDBNull(10) ? FromUnix(reader.GetInt64(10)) : null,
            CompletedAt = reader.IsDBNull(11) ? null : FromUnix(reader.GetInt64(11)),
            ParkReason = reader.IsDBNull(12) ? null : reader.GetString(12),
            LastStatusCode = reader.IsDBNull(13) ? null : reader.GetInt32(13),
            LastErrorType = reader.IsDBNull(14) ? null : reader.GetString(14),
        };
    }

    public static PostbackOutboxEndpoint ReadEndpoint(SqliteDataReader reader) => new()
    {
        Name = reader.GetString(0),
        Enabled = reader.GetInt64(1) != 0,
        ConsecutiveFailures = reader.GetInt32(2),
        FailingSince = reader.IsDBNull(3) ? null : FromUnix(reader.GetInt64(3)),
        LastSuccessAt = reader.IsDBNull(4) ? null : FromUnix(reader.GetInt64(4)),
        DisabledAt = reader.IsDBNull(5) ? null : FromUnix(reader.GetInt64(5)),
        DisabledReason = reader.IsDBNull(6) ? null : reader.GetString(6),
    };

    public static PostbackOutboxAttempt ReadAttempt(SqliteDataReader reader) => new()
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
    };
}
