using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using static Postback.Internal.PostgreSqlRows;

namespace Postback.Internal;

/// <summary>Finds due deliveries: the claim, which leases them in one statement, and the next due time the workers sleep until.</summary>
internal sealed class PostgreSqlClaims(PostgreSqlConnections db)
{
    public async ValueTask<IReadOnlyList<PostbackOutboxLease>> ClaimAsync(PostbackOutboxClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        if (claim.MaxCount <= 0 || claim.MaxPerHost <= 0)
        {
            return [];
        }

        // The plain claim walks one index in due order; only a per-host cap or excluded hosts need the per-host walk.
        var byHost = claim.MaxPerHost < claim.MaxCount || claim.ExcludedHosts.Count > 0;
        using var command = db.DataSource.CreateCommand(byHost ? db.Sql.ClaimByHost : db.Sql.Claim);
        db.AddNow(command.Parameters);
        command.Parameters.Add(new NpgsqlParameter<string>("owner", claim.Owner));
        command.Parameters.Add(new NpgsqlParameter<int>("max", claim.MaxCount));
        command.Parameters.Add(new NpgsqlParameter<TimeSpan>("lease", claim.LeaseDuration));
        if (byHost)
        {
            command.Parameters.Add(new NpgsqlParameter<int>("per_host", Math.Min(claim.MaxPerHost, claim.MaxCount)));
            command.Parameters.Add(new NpgsqlParameter<string[]>("excluded", [.. claim.ExcludedHosts]));
        }

        var claimed = await ReadAllAsync(command, ReadClaimed, cancellationToken, Math.Min(claim.MaxCount, 1024)).ConfigureAwait(false);

        // RETURNING has no order: hand them back oldest due first, as claimed.
        claimed.Sort(static (a, b) => a.DueAt != b.DueAt ? a.DueAt.CompareTo(b.DueAt) : a.Lease.Id.CompareTo(b.Lease.Id));
        return claimed.ConvertAll(static c => c.Lease);
    }

    public async ValueTask<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken)
    {
        using var command = db.DataSource.CreateCommand(db.Sql.NextDue);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DateTime time ? new DateTimeOffset(time.Ticks, TimeSpan.Zero) : null;
    }
}
