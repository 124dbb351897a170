using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Postback.Internal;

/// <summary>
/// The mapping of the rows the PostgreSQL store reads back, and the loop that reads them; the column order of each reader
/// is the order of the matching SELECT or RETURNING list in <see cref="PostgreSqlOutboxSql"/>.
/// </summary>
internal static class PostgreSqlRows
{
    /// <summary>Runs a command and maps every row it returns.</summary>
    public static async Task<List<T>> ReadAllAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken, int capacity = 0)
    {
        var list = new List<T>(capacity);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(read(reader));
            }
        }

        return list;
    }

    /// <summary>A row the claim returns, with the due time it was claimed by (for putting the leases back in order).</summary>
    public static (DateTime DueAt, PostbackOutboxLease Lease) ReadClaimed(NpgsqlDataReader reader) => (reader.GetDateTime(9), new PostbackOutboxLease
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
    });

    public static PostbackOutboxDelivery ReadDelivery(NpgsqlDataReader reader) => new()
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

    public static PostbackOutboxAttempt ReadAttempt(NpgsqlDataReader reader) => new()
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
    };
}
