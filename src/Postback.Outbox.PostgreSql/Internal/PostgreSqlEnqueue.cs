using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace Postback.Internal;

/// <summary>
/// Writes new deliveries: in a transaction of their own, or inside a caller's transaction. Either way the rows and the
/// <c>NOTIFY</c> go in one batch, so idle nodes are woken exactly when the rows become visible.
/// </summary>
internal sealed class PostgreSqlEnqueue(PostgreSqlConnections db)
{
    public async ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return [];
        }

        // Two statements in one batch run in one implicit transaction: the rows and the NOTIFY commit together.
        using var batch = db.DataSource.CreateBatch();
        return await InsertAsync(batch, entries, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(transaction);
        var connection = transaction.Connection ?? throw new ArgumentException("The transaction has already been committed or rolled back.", nameof(transaction));
        if (entries.Count == 0)
        {
            return [];
        }

        using var batch = new NpgsqlBatch(connection, transaction);
        return await InsertAsync(batch, entries, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, DbTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction is NpgsqlTransaction npgsqlTransaction
            ? EnqueueAsync(entries, npgsqlTransaction, cancellationToken)
            : throw new ArgumentException($"The transaction is a {transaction.GetType().Name}; the PostgreSQL outbox needs an NpgsqlTransaction.", nameof(transaction));
    }

    private async ValueTask<IReadOnlyList<long>> InsertAsync(NpgsqlBatch batch, IReadOnlyList<PostbackOutboxEntry> entries, CancellationToken cancellationToken)
    {
        // One row per entry as parallel arrays, so the whole list is one unnest INSERT however long it is.
        var count = entries.Count;
        var names = new string[count];
        var keys = new string[count];
        var hosts = new string[count];
        var payloads = new string[count];
        var orderNumbers = new string?[count];
        var delays = new TimeSpan[count];
        for (var i = 0; i < count; i++)
        {
            var entry = entries[i];
            ArgumentNullException.ThrowIfNull(entry, nameof(entries));
            names[i] = entry.EndpointName;
            keys[i] = entry.IdempotencyKey;
            hosts[i] = entry.HostKey;
            payloads[i] = entry.Payload;
            orderNumbers[i] = entry.OrderNumber;
            delays[i] = entry.Delay < TimeSpan.Zero ? TimeSpan.Zero : entry.Delay;
        }

        var insert = new NpgsqlBatchCommand(db.Sql.Enqueue);
        db.AddNow(insert.Parameters);
        insert.Parameters.Add(new NpgsqlParameter<string[]>("names", names));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("keys", keys));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("hosts", hosts));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("payloads", payloads));
        insert.Parameters.Add(new NpgsqlParameter("order_numbers", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = orderNumbers });
        insert.Parameters.Add(new NpgsqlParameter<TimeSpan[]>("delays", delays));
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(db.NotifyCommand());

        var ids = new long[count];
        var read = 0;
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids[read++] = reader.GetInt64(0);
            }
        }

        // Ids were drawn from the sequence in entry order, so ascending ids are the entries' ids in order.
        Array.Sort(ids);
        return ids;
    }
}
