using System.Threading;
using System.Threading.Tasks;

namespace Postback;

/// <summary>
/// Hands transactions over for background delivery, so the caller can move on. Every enqueued transaction ends in
/// exactly one observer call per endpoint: a final result, or abandoned at shutdown. Nothing is dropped silently.
/// </summary>
/// <remarks>
/// The contract does not assume memory: "accepted" means the queue has taken responsibility for the transaction. The
/// built-in queue is a bounded in-memory channel; a durable outbox can implement the same interface.
/// </remarks>
public interface IPostbackQueue
{
    /// <summary>Enqueues a transaction, waiting while the queue is full.</summary>
    /// <param name="transaction">The transaction. A copy is queued, so changing it afterwards has no effect.</param>
    /// <param name="cancellationToken">Stops the wait; the transaction is then not enqueued.</param>
    /// <returns>A task that completes when the transaction is accepted.</returns>
    /// <exception cref="System.InvalidOperationException">The queue is stopped (the host is shutting down).</exception>
    /// <exception cref="System.OperationCanceledException">The wait was cancelled.</exception>
    ValueTask EnqueueAsync(PostbackTransaction transaction, CancellationToken cancellationToken = default);

    /// <summary>Enqueues a transaction if there is room now.</summary>
    /// <param name="transaction">The transaction. A copy is queued.</param>
    /// <returns><see langword="false"/> when the queue is full or stopped; the transaction is then not enqueued.</returns>
    bool TryEnqueue(PostbackTransaction transaction);
}
