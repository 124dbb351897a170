using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using static Postback.Internal.PostgreSqlRows;

namespace Postback.Internal;

/// <summary>What operators read: the deliveries of both tables (filtered, paged newest first), one delivery, its attempts, and the counts by state.</summary>
internal sealed class PostgreSqlDeliveryLog(PostgreSqlConnections db)
{
    private const int MaxPageSize = 1000;

    public async ValueTask<PostbackOutboxPage> QueryAsync(PostbackOutboxFilter filter, long? beforeId, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);

        using var command = db.DataSource.CreateCommand();
        var where = PostgreSqlFilter.Where(command.Parameters, filter);
        if (beforeId is { } before)
        {
            where += " AND id < @before";
            command.Parameters.Add(new NpgsqlParameter<long>("before", before));
        }

        command.CommandText = db.Sql.QueryTemplate.Replace("{filter}", where, StringComparison.Ordinal);
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit + 1));
        var items = await ReadAllAsync(command, ReadDelivery, cancellationToken, Math.Min(limit + 1, 64)).ConfigureAwait(false);

        // One row more than asked for tells whether there is a next page, without a COUNT.
        long? next = null;
        if (items.Count > limit)
        {
            items.RemoveAt(items.Count - 1);
            next = items[^1].Id;
        }

        return new PostbackOutboxPage { Items = items, NextBeforeId = next };
    }

    public async ValueTask<PostbackOutboxDelivery?> GetAsync(long id, CancellationToken cancellationToken)
    {
        var page = await QueryAsync(new PostbackOutboxFilter { Id = id }, null, 1, cancellationToken).ConfigureAwait(false);
        return page.Items.Count > 0 ? page.Items[0] : null;
    }

    public async ValueTask<IReadOnlyList<PostbackOutboxAttempt>> GetAttemptsAsync(long id, CancellationToken cancellationToken)
    {
        using var command = db.DataSource.CreateCommand(db.Sql.Attempts);
        command.Parameters.Add(new NpgsqlParameter<long>("id", id));
        return await ReadAllAsync(command, ReadAttempt, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<PostbackOutboxStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        using var command = db.DataSource.CreateCommand(db.Sql.Stats);
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
}
