using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Postback;

/// <summary>Enqueues postbacks inside the caller's own SQLite transaction, through an outbox on <see cref="SqlitePostbackOutboxStore"/>.</summary>
public static class SqlitePostbackOutboxExtensions
{
    /// <summary>
    /// Builds the transaction's deliveries (<see cref="IPostbackOutbox.PrepareAsync"/>) and writes them in the caller's SQLite
    /// transaction (<see cref="SqlitePostbackOutboxStore.EnqueueAsync(IReadOnlyList{PostbackOutboxEntry}, SqliteTransaction, CancellationToken)"/>),
    /// so recording a sale and its postbacks commit or roll back as one.
    /// </summary>
    /// <param name="outbox">The outbox; its store must be a <see cref="SqlitePostbackOutboxStore"/> on the same database file as <paramref name="dbTransaction"/>.</param>
    /// <param name="transaction">The postback transaction.</param>
    /// <param name="dbTransaction">The caller's open SQLite transaction.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new deliveries' ids (empty when no endpoint applies), valid once the caller commits.</returns>
    /// <remarks>
    /// Nothing is sent until the caller commits. After the commit, call <see cref="IPostbackOutbox.Wake"/> so this node's
    /// workers look at once; without it the deliveries are found at the next poll. After a rollback there is nothing to
    /// undo: the deliveries never existed.
    /// </remarks>
    /// <example>
    /// <code>
    /// using var tx = connection.BeginTransaction();
    /// // ... insert the sale with tx ...
    /// await outbox.EnqueueAsync(postbackTransaction, tx, ct);
    /// tx.Commit();
    /// outbox.Wake();
    /// </code>
    /// </example>
    /// <exception cref="InvalidOperationException">The outbox's store is not a <see cref="SqlitePostbackOutboxStore"/>.</exception>
    public static async ValueTask<IReadOnlyList<long>> EnqueueAsync(this IPostbackOutbox outbox, PostbackTransaction transaction, SqliteTransaction dbTransaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(dbTransaction);
        if (outbox.Store is not SqlitePostbackOutboxStore store)
        {
            throw new InvalidOperationException(
                $"The outbox's store is {outbox.Store.GetType().Name}, not {nameof(SqlitePostbackOutboxStore)}: enqueueing in a SQLite transaction needs the SQLite store (UseSqlite).");
        }

        var entries = await outbox.PrepareAsync(transaction, cancellationToken).ConfigureAwait(false);
        return await store.EnqueueAsync(entries, dbTransaction, cancellationToken).ConfigureAwait(false);
    }
}
