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

/// <summary>
/// Told what happened to every queued postback: each final result (delivered, rejected, failed, blocked, invalid),
/// and each one abandoned at shutdown. The hook for a postback log or persistence of your own. Register
/// implementations with <c>services.AddSingleton&lt;IPostbackDeliveryObserver, T&gt;()</c>.
/// </summary>
/// <remarks>Calls may come concurrently from several deliveries. An exception from an observer is logged and ignored.</remarks>
public interface IPostbackDeliveryObserver
{
    /// <summary>Called with the final result of one postback.</summary>
    /// <param name="transaction">The transaction.</param>
    /// <param name="result">The result.</param>
    /// <param name="cancellationToken">Signalled when the host stops waiting.</param>
    /// <returns>A task.</returns>
    ValueTask OnCompletedAsync(PostbackTransaction transaction, PostbackResult result, CancellationToken cancellationToken);

    /// <summary>Called for a postback, or a whole transaction, that was not delivered before shutdown ended.</summary>
    /// <param name="transaction">The transaction.</param>
    /// <param name="endpointName">The endpoint, or <see langword="null"/> when the transaction never got as far as its endpoints.</param>
    /// <param name="reason">Why it was abandoned.</param>
    /// <param name="cancellationToken">Signalled when the host stops waiting.</param>
    /// <returns>A task.</returns>
    ValueTask OnAbandonedAsync(PostbackTransaction transaction, string? endpointName, string reason, CancellationToken cancellationToken);
}
