using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using static Postback.Internal.SqliteRows;

namespace Postback.Internal;

/// <summary>Finds due deliveries: the claim, which leases them in one statement, and the next due time the workers sleep until.</summary>
internal sealed class SqliteClaims(SqliteConnections db)
{
    // The claim ranks at most this many of the oldest due rows (per kind: pending, expired lease) for the per-host cap, so
    // its cost is bounded however large a backlog grows. Hosts at their limit are excluded before the window is taken.
    private const int ClaimWindow = 10_000;

    public async ValueTask<IReadOnlyList<PostbackOutboxLease>> ClaimAsync(PostbackOutboxClaim claim, CancellationToken cancellationToken)
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

        return await db.WriteAsync(
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
                        SELECT * FROM (SELECT id, host_key, next_attempt_at FROM {db.Deliveries}
                                       WHERE state = {StatePending} AND next_attempt_at <= $now{excluded}
                                       ORDER BY next_attempt_at, id LIMIT {ClaimWindow})
                        UNION ALL
                        SELECT * FROM (SELECT id, host_key, next_attempt_at FROM {db.Deliveries}
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
                    UPDATE {db.Deliveries}
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

                var rows = await ReadAllAsync(
                    command,
                    reader => (Due: reader.GetInt64(8), Lease: new PostbackOutboxLease
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
                    }),
                    ct).ConfigureAwait(false);

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

    public async ValueTask<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken)
    {
        return await db.ReadAsync(
            async (connection, ct) =>
            {
                using var command = Command(connection, null, $"SELECT MIN(next_attempt_at) FROM {db.Deliveries} WHERE state = {StatePending}");
                var value = await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
                return value is long ms ? FromUnix(ms) : (DateTimeOffset?)null;
            },
            cancellationToken).ConfigureAwait(false);
    }
}
