using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using static Postback.Internal.SqliteRows;

namespace Postback.Internal;

/// <summary>
/// What operators and the retention loop change in bulk: replays, purges in bounded batches, and the checkpoint that
/// gives the space a purge freed back to the file system.
/// </summary>
internal sealed class SqliteMaintenance(SqliteConnections db, SqlitePostbackOutboxOptions options)
{

    public async ValueTask<int> ReplayAsync(PostbackOutboxFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return await db.WriteAsync(
            async (connection, transaction, now, ct) =>
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                var where = SqliteFilter.Where(command, filter);

                // The attempt (the fence) and the idempotency key are kept; the retry schedule starts again. A delivery of
                // a disabled endpoint is parked again at once, as an enqueue would be.
                command.CommandText = $"""
                    UPDATE {db.Deliveries} SET
                        state = CASE WHEN endpoint_name IN (SELECT name FROM {db.Endpoints} WHERE enabled = 0) THEN {StateParked} ELSE {StatePending} END,
                        park_reason = CASE WHEN endpoint_name IN (SELECT name FROM {db.Endpoints} WHERE enabled = 0) THEN $parked ELSE NULL END,
                        next_attempt_at = $now, failed_attempts = 0, completed_at = NULL, replayed_at = $now,
                        owner = NULL, lease_expires_at = NULL
                    WHERE state <> {StateInFlight} AND {where}
                    """;
                command.Parameters.AddWithValue("$now", now);
                command.Parameters.AddWithValue("$parked", PostbackParkReasons.EndpointDisabled);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<long> PurgeAsync(TimeSpan finishedAge, TimeSpan deadAge, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(finishedAge, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(deadAge, TimeSpan.Zero);
        long total = 0;
        while (true)
        {
            // One bounded batch per transaction, releasing the writer in between, so claims and completions interleave
            // with a large purge. Each batch deletes deliveries with their attempts, all or nothing.
            var deleted = await db.WriteAsync(
                async (connection, transaction, now, ct) =>
                {
                    // States 4 to 7 (Delivered, Rejected, Blocked, Invalid) age out after finishedAge; 8 (Dead) has a
                    // retention of its own, so failures can be kept longer for investigation and replay.
                    List<long> ids;
                    using (var select = Command(connection, transaction, $"""
                        SELECT id FROM {db.Deliveries} WHERE state IN (4, 5, 6, 7) AND completed_at < $finished
                        UNION ALL
                        SELECT id FROM {db.Deliveries} WHERE state = 8 AND completed_at < $dead
                        LIMIT $batch
                        """))
                    {
                        select.Parameters.AddWithValue("$finished", AddMilliseconds(now, -finishedAge));
                        select.Parameters.AddWithValue("$dead", AddMilliseconds(now, -deadAge));
                        select.Parameters.AddWithValue("$batch", options.PurgeBatchSize);
                        ids = await ReadAllAsync(select, static reader => reader.GetInt64(0), ct, options.PurgeBatchSize).ConfigureAwait(false);
                    }

                    if (ids.Count == 0)
                    {
                        return 0;
                    }

                    // The ids are integers this transaction just read, so they are spliced in as a literal list.
                    var list = new StringBuilder(ids.Count * 8);
                    foreach (var id in ids)
                    {
                        list.Append(list.Length == 0 ? string.Empty : ",").Append(id.ToString(CultureInfo.InvariantCulture));
                    }

                    using (var attempts = Command(connection, transaction, $"DELETE FROM {db.Attempts} WHERE delivery_id IN ({list})"))
                    {
                        await attempts.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                    }

                    using var deliveries = Command(connection, transaction, $"DELETE FROM {db.Deliveries} WHERE id IN ({list})");
                    return await deliveries.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            total += deleted;
            if (deleted < options.PurgeBatchSize)
            {
                break;
            }
        }

        if (total > 0)
        {
            await CheckpointAsync(cancellationToken).ConfigureAwait(false);
        }

        return total;
    }

    public async ValueTask<bool> CheckpointAsync(CancellationToken cancellationToken)
    {
        return await db.OnWriterAsync(
            async (writer, ct) =>
            {
                using (var vacuum = Command(writer, null, "PRAGMA incremental_vacuum"))
                {
                    // incremental_vacuum returns a row per step; it runs to the end only when the rows are read.
                    using var reader = await vacuum.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                    }
                }

                using var checkpoint = Command(writer, null, "PRAGMA wal_checkpoint(TRUNCATE)");
                using var result = await checkpoint.ExecuteReaderAsync(ct).ConfigureAwait(false);

                // One row: busy (1 when it could not finish), pages in the log, pages checkpointed.
                return await result.ReadAsync(ct).ConfigureAwait(false) && result.GetInt32(0) == 0;
            },
            cancellationToken).ConfigureAwait(false);
    }
}
