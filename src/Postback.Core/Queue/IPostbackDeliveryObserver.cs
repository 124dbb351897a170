using System.Threading;
using System.Threading.Tasks;

namespace Postback;

/// <summary>
/// Told what happened to every queued postback: each final result (delivered, rejected, failed, blocked, invalid),
/// and each one abandoned at shutdown. The hook for a postback log or persistence of your own. Register
/// implementations with <c>services.AddSingleton&lt;IPostbackDeliveryObserver, T&gt;()</c>.
/// </summary>
/// <remarks>Calls may come concurrently from several deliveries. An exception from an observer is logged and ignored: it never stops delivery.</remarks>
public interface IPostbackDeliveryObserver
{
    /// <summary>Called with the final result of one postback.</summary>
    /// <param name="transaction">The transaction.</param>
    /// <param name="result">The result.</param>
    /// <param name="cancellationToken">
    /// Cancelled when the shutdown's time is up (the queue's <c>DrainTimeout</c> has passed, or the host stops waiting). Honour it
    /// so that shutdown finishes on time; the call is no longer waited for once it is cancelled.
    /// </param>
    /// <returns>A task.</returns>
    ValueTask OnCompletedAsync(PostbackTransaction transaction, PostbackResult result, CancellationToken cancellationToken);

    /// <summary>Called for a postback, or a whole transaction, that was not delivered before shutdown ended.</summary>
    /// <param name="transaction">The transaction.</param>
    /// <param name="endpointName">The endpoint, or <see langword="null"/> when the transaction never got as far as its endpoints.</param>
    /// <param name="reason">Why it was abandoned.</param>
    /// <param name="cancellationToken">The host's stop token, bounded by one more <c>DrainTimeout</c>; the call is no longer waited for once it is cancelled.</param>
    /// <returns>A task.</returns>
    ValueTask OnAbandonedAsync(PostbackTransaction transaction, string? endpointName, string reason, CancellationToken cancellationToken);
}
