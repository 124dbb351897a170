using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Postback;

/// <summary>
/// The durable outbox (<c>AddPostbacks().AddOutbox(...)</c>): an <see cref="IPostbackQueue"/> whose deliveries live in an
/// <see cref="IPostbackOutboxStore"/>, so they survive crashes, deploys and partners that are down for days. Each
/// transaction becomes one delivery per endpoint, attempted on a durable schedule with one idempotency key.
/// </summary>
/// <remarks>
/// <see cref="IPostbackQueue.EnqueueAsync"/> completes once the deliveries are committed to the store. Every final
/// result still reaches <see cref="IPostbackDeliveryObserver.OnCompletedAsync"/>; nothing is abandoned at shutdown, since
/// what is not finished stays in the store.
/// <see cref="IPostbackQueue.TryEnqueue"/> never reports success for something not yet durable: on the outbox it blocks
/// the calling thread until the write has committed, and returns <see langword="false"/> (without throwing) when the
/// enqueue buffer is full, the outbox is stopped, or the write failed. Prefer <see cref="IPostbackQueue.EnqueueAsync"/>,
/// which waits for the same commit without blocking a thread.
/// </remarks>
public interface IPostbackOutbox : IPostbackQueue
{
    /// <summary>Gets the store the outbox delivers from: for queries, a delivery's attempts, and stats.</summary>
    IPostbackOutboxStore Store { get; }

    /// <summary>
    /// Resolves a transaction's endpoints and builds its deliveries without writing them, for a store's overload that
    /// enqueues inside the caller's own database transaction. Endpoint problems (a provider that failed, an endpoint that
    /// does not compile) are reported to the observers here, as they are on enqueue.
    /// </summary>
    /// <param name="transaction">The transaction.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The deliveries to write; empty when no endpoint applies.</returns>
    ValueTask<IReadOnlyList<PostbackOutboxEntry>> PrepareAsync(PostbackTransaction transaction, CancellationToken cancellationToken = default);

    /// <summary>Tells this node's workers that new deliveries may be due (for example after the caller's transaction committed).</summary>
    void Wake();

    /// <summary>Replays matching deliveries with their idempotency keys (see <see cref="IPostbackOutboxStore.ReplayAsync"/>) and wakes the workers.</summary>
    /// <param name="filter">Which deliveries.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many were replayed.</returns>
    ValueTask<int> ReplayAsync(PostbackOutboxFilter filter, CancellationToken cancellationToken = default);

    /// <summary>Enables an endpoint, resuming its parked deliveries; reported to observers, the log and the metrics.</summary>
    /// <param name="endpointName">The endpoint.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when it was disabled.</returns>
    ValueTask<bool> EnableEndpointAsync(string endpointName, CancellationToken cancellationToken = default);

    /// <summary>Disables an endpoint, parking its pending deliveries; reported to observers, the log and the metrics.</summary>
    /// <param name="endpointName">The endpoint.</param>
    /// <param name="reason">Why.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when it was enabled.</returns>
    ValueTask<bool> DisableEndpointAsync(string endpointName, string reason, CancellationToken cancellationToken = default);

    /// <summary>Deletes finished and dead deliveries older than the configured retention; the outbox also does this on its own schedule.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many deliveries were deleted.</returns>
    ValueTask<long> PurgeAsync(CancellationToken cancellationToken = default);
}
