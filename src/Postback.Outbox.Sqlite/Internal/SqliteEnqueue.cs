using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using static Postback.Internal.SqliteRows;

namespace Postback.Internal;

/// <summary>Writes new deliveries: through the store's writer, or inside a caller's own transaction.</summary>
internal sealed class SqliteEnqueue(SqliteConnections db)
{

    public async ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        CheckEntries(entries);
        if (entries.Count == 0)
        {
            return [];
        }

        return await db.WriteAsync(
            (connection, transaction, now, ct) => InsertAsync(connection, transaction, entries, now, ct),
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(transaction);
        var connection = transaction.Connection
            ?? throw new ArgumentException("The transaction has completed: it has no connection.", nameof(transaction));
        CheckEntries(entries);
        var now = db.Now();
        var schema = db.Schema;
        if (!db.IsInitialized && await schema.ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false) != SqliteOutboxSchema.LatestVersion)
        {
            // Not through the store's writer: the caller's transaction may already hold the write lock, and the writer
            // would wait on it. The schema commits (or rolls back) with the caller's data; WAL mode and the rest of the
            // writer's settings follow when the store's writer first opens.
            await schema.MigrateInAsync(connection, transaction, now, cancellationToken).ConfigureAwait(false);
        }

        if (entries.Count == 0)
        {
            return [];
        }

        return await InsertAsync(connection, transaction, entries, now, cancellationToken).ConfigureAwait(false);
    }

    private static void CheckEntries(IReadOnlyList<PostbackOutboxEntry> entries)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i] ?? throw new ArgumentException($"Entry {i} is null.", nameof(entries));
            if (string.IsNullOrEmpty(entry.EndpointName) || string.IsNullOrEmpty(entry.IdempotencyKey) || entry.HostKey is null || entry.Payload is null)
            {
                throw new ArgumentException($"Entry {i} lacks its endpoint name, idempotency key, host key or payload.", nameof(entries));
            }
        }
    }

    private async Task<IReadOnlyList<long>> InsertAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<PostbackOutboxEntry> entries, long now, CancellationToken cancellationToken)
    {
        // One statement per delivery, prepared once. Whether the endpoint is disabled is read by the INSERT itself, under
        // the write lock the INSERT holds, so a concurrent disable cannot slip between the check and the write.
        using var command = Command(connection, transaction, $"""
            INSERT INTO {db.Deliveries} (endpoint_name, idempotency_key, host_key, payload, order_number, state, attempt, failed_attempts, enqueued_at, next_attempt_at, park_reason)
            SELECT $endpoint, $key, $host, $payload, $order,
                   CASE WHEN disabled THEN {StateParked} ELSE {StatePending} END, 0, 0, $now,
                   CASE WHEN disabled THEN NULL ELSE $next END,
                   CASE WHEN disabled THEN $parked ELSE NULL END
            FROM (SELECT EXISTS (SELECT 1 FROM {db.Endpoints} WHERE name = $endpoint AND enabled = 0) AS disabled)
            RETURNING id
            """);
        var endpoint = command.Parameters.Add("$endpoint", SqliteType.Text);
        var key = command.Parameters.Add("$key", SqliteType.Text);
        var host = command.Parameters.Add("$host", SqliteType.Text);
        var payload = command.Parameters.Add("$payload", SqliteType.Text);
        var order = command.Parameters.Add("$order", SqliteType.Text);
        var next = command.Parameters.Add("$next", SqliteType.Integer);
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$parked", PostbackParkReasons.EndpointDisabled);

        var ids = new long[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            endpoint.Value = entry.EndpointName;
            key.Value = entry.IdempotencyKey;
            host.Value = entry.HostKey;
            payload.Value = entry.Payload;
            order.Value = OrNull(entry.OrderNumber);
            next.Value = AddMilliseconds(now, entry.Delay < TimeSpan.Zero ? TimeSpan.Zero : entry.Delay);
            ids[i] = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        return ids;
    }
}
