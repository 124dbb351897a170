using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using static Postback.Internal.SqliteRows;

namespace Postback.Internal;

/// <summary>What operators read: the deliveries (filtered, paged newest first), one delivery, its attempts, and the counts by state.</summary>
internal sealed class SqliteDeliveryLog(SqliteConnections db)
{

    public async ValueTask<PostbackOutboxPage> QueryAsync(PostbackOutboxFilter filter, long? beforeId, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        return await db.ReadAsync(
            async (connection, ct) =>
            {
                using var command = connection.CreateCommand();
                var where = SqliteFilter.Where(command, filter);
                if (beforeId is { } before)
                {
                    where += " AND id < $before";
                    command.Parameters.AddWithValue("$before", before);
                }

                // One row more than asked for tells whether there is a next page, without a COUNT.
                command.CommandText = $"SELECT {DeliveryColumns} FROM {db.Deliveries} WHERE {where} ORDER BY id DESC LIMIT $limit";
                command.Parameters.AddWithValue("$limit", limit + 1);
                var items = await ReadAllAsync(command, ReadDelivery, ct, Math.Min(limit + 1, 64)).ConfigureAwait(false);

                long? next = null;
                if (items.Count > limit)
                {
                    items.RemoveAt(items.Count - 1);
                    next = items[^1].Id;
                }

                return new PostbackOutboxPage { Items = items, NextBeforeId = next };
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<PostbackOutboxDelivery?> GetAsync(long id, CancellationToken cancellationToken)
    {
        return await db.ReadAsync(
            async (connection, ct) =>
            {
                using var command = Command(connection, null, $"SELECT {DeliveryColumns} FROM {db.Deliveries} WHERE id = $id");
                command.Parameters.AddWithValue("$id", id);
                using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadDelivery(reader) : null;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<PostbackOutboxAttempt>> GetAttemptsAsync(long id, CancellationToken cancellationToken)
    {
        return await db.ReadAsync(
            async (connection, ct) =>
            {
                using var command = Command(connection, null, $"SELECT {AttemptColumns} FROM {db.Attempts} WHERE delivery_id = $id ORDER BY number");
                command.Parameters.AddWithValue("$id", id);
                return (IReadOnlyList<PostbackOutboxAttempt>)await ReadAllAsync(command, ReadAttempt, ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<PostbackOutboxStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        return await db.ReadAsync(
            async (connection, ct) =>
            {
                // One read transaction, so the counts and the oldest pending agree with each other.
                using var transaction = connection.BeginTransaction(deferred: true);
                var counts = new Dictionary<PostbackDeliveryState, long>();
                using (var command = Command(connection, transaction, $"SELECT state, COUNT(*) FROM {db.Deliveries} GROUP BY state"))
                {
                    using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        counts[(PostbackDeliveryState)reader.GetInt32(0)] = reader.GetInt64(1);
                    }
                }

                DateTimeOffset? oldest = null;
                using (var command = Command(connection, transaction, $"SELECT MIN(COALESCE(replayed_at, enqueued_at)) FROM {db.Deliveries} WHERE state = {StatePending}"))
                {
                    if (await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is long ms)
                    {
                        oldest = FromUnix(ms);
                    }
                }

                transaction.Commit();
                return new PostbackOutboxStats { Counts = counts, OldestPendingEnqueuedAt = oldest };
            },
            cancellationToken).ConfigureAwait(false);
    }
}
