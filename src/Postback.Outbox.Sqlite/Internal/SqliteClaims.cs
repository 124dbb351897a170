using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using static Postback.Internal.SqliteRows;

namespace Postback.Internal;

/// <summary>Finds due deliveries: the claim, which leases them in one statement, and the next due time the workers sleep until.</summary>
internal sealed class SqliteClaims(SqliteConnections db)
{
    // The claim ranks at most this many of the oldest due rows (per kind: pending, expired lease) for the per-host cap, so
    // its cost is bounded however large a backlog grows. Hosts at their limit are excluded before the window is taken.
    private const int ClaimWindow = 10_000;

    /// <summary>The columns a claim returns, in the order the reader maps them.</summary>
    private const string Returning = """
        RETURNING id, endpoint_name, idempotency_key, host_key, payload, attempt, failed_attempts,
                  COALESCE(replayed_at, enqueued_at), next_attempt_at
        """;

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
                var excluded = new List<string>(claim.ExcludedHosts ?? []);
                var lease = AddMilliseconds(now, claim.LeaseDuration);

                // Most claims need no ranking: when the oldest due rows already keep within the per-host cap, they are
                // exactly what the ranked claim would pick, and a plain index range finds them. Only when one host has
                // more than its share among them does the claim rank a window (the ranking's cost grows with the backlog).
                var oldest = await ReadOldestDueAsync(connection, transaction, claim, excluded, now, ct).ConfigureAwait(false);
                if (oldest.Count == 0)
                {
                    // Nothing due: no claim statement at all (an idle worker asks once per poll interval).
                    return (IReadOnlyList<PostbackOutboxLease>)[];
                }

                using var command = WithinEveryHostsShare(oldest, claim.MaxPerHost)
                    ? ClaimByIds(connection, transaction, oldest, now)
                    : RankedClaim(connection, transaction, claim, excluded, now);
                command.Parameters.AddWithValue("$owner", claim.Owner);
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

    /// <summary>Reads the oldest due rows along their indexes, at most the claim's count, with their hosts.</summary>
    private async Task<List<(long Id, string Host)>> ReadOldestDueAsync(
        SqliteConnection connection, SqliteTransaction transaction, PostbackOutboxClaim claim, List<string> excluded, long now, CancellationToken cancellationToken)
    {
        using var select = Command(connection, transaction, "");
        var notIn = ExcludedHosts(select, excluded);
        select.CommandText = $"""
            SELECT id, host_key FROM (
                SELECT * FROM (SELECT id, host_key, next_attempt_at FROM {db.Deliveries}
                               WHERE state = {StatePending} AND next_attempt_at <= $now{notIn}
                               ORDER BY next_attempt_at, id LIMIT $max)
                UNION ALL
                SELECT * FROM (SELECT id, host_key, next_attempt_at FROM {db.Deliveries}
                               WHERE state = {StateInFlight} AND lease_expires_at <= $now{notIn}
                               ORDER BY lease_expires_at LIMIT $max))
            ORDER BY next_attempt_at, id LIMIT $max
            """;
        select.Parameters.AddWithValue("$now", now);
        select.Parameters.AddWithValue("$max", claim.MaxCount);
        return await ReadAllAsync(select, static reader => (reader.GetInt64(0), reader.GetString(1)), cancellationToken, Math.Min(claim.MaxCount, 256)).ConfigureAwait(false);
    }

    /// <summary>Whether no host has more than its share among the rows: then they are exactly what the ranked claim picks.</summary>
    private static bool WithinEveryHostsShare(List<(long Id, string Host)> rows, int maxPerHost)
    {
        var perHost = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, host) in rows)
        {
            var count = perHost.TryGetValue(host, out var seen) ? seen + 1 : 1;
            if (count > maxPerHost)
            {
                return false;
            }

            perHost[host] = count;
        }

        return true;
    }

    /// <summary>The UPDATE that claims exactly these rows.</summary>
    private SqliteCommand ClaimByIds(SqliteConnection connection, SqliteTransaction transaction, List<(long Id, string Host)> rows, long now)
    {
        var ids = new StringBuilder();
        foreach (var (id, _) in rows)
        {
            ids.Append(ids.Length == 0 ? "" : ", ").Append(id.ToString(CultureInfo.InvariantCulture));
        }

        // The ids are integers read in this transaction, written as literals: no text from outside reaches the SQL. The
        // state is checked again, though nothing else writes inside this transaction, so the UPDATE never takes a row it
        // should not.
        var update = Command(connection, transaction, $"""
            UPDATE {db.Deliveries}
            SET state = {StateInFlight}, owner = $owner, lease_expires_at = $lease, attempt = attempt + 1
            WHERE id IN ({ids})
              AND ((state = {StatePending} AND next_attempt_at <= $now) OR (state = {StateInFlight} AND lease_expires_at <= $now))
            {Returning}
            """);
        update.Parameters.AddWithValue("$now", now);
        return update;
    }

    /// <summary>The ranked claim: the oldest due rows, at most the claim's share per host, from a bounded window.</summary>
    private SqliteCommand RankedClaim(
        SqliteConnection connection, SqliteTransaction transaction, PostbackOutboxClaim claim, List<string> excluded, long now)
    {
        var command = Command(connection, transaction, "");
        var notIn = ExcludedHosts(command, excluded);

        // Due = pending and due, or in flight with an expired lease; each branch reads its partial index in order and
        // stops after the window. The window function caps each host within the batch; the UPDATE claims and returns the
        // rows in the same statement, committed before ClaimAsync returns.
        command.CommandText = $"""
            WITH candidates AS (
                SELECT * FROM (SELECT id, host_key, next_attempt_at FROM {db.Deliveries}
                               WHERE state = {StatePending} AND next_attempt_at <= $now{notIn}
                               ORDER BY next_attempt_at, id LIMIT {ClaimWindow})
                UNION ALL
                SELECT * FROM (SELECT id, host_key, next_attempt_at FROM {db.Deliveries}
                               WHERE state = {StateInFlight} AND lease_expires_at <= $now{notIn}
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
            {Returning}
            """;
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$perHost", claim.MaxPerHost);
        command.Parameters.AddWithValue("$max", claim.MaxCount);
        return command;
    }

    /// <summary>Adds one parameter per excluded host and returns the SQL condition that leaves them out (empty when there are none).</summary>
    private static string ExcludedHosts(SqliteCommand command, List<string> hosts)
    {
        if (hosts.Count == 0)
        {
            return "";
        }

        var sql = new StringBuilder(" AND host_key NOT IN (");
        for (var i = 0; i < hosts.Count; i++)
        {
            var name = "$x" + i.ToString(CultureInfo.InvariantCulture);
            sql.Append(i == 0 ? "" : ", ").Append(name);
            command.Parameters.AddWithValue(name, hosts[i]);
        }

        return sql.Append(')').ToString();
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
