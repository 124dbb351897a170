using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Postback.Internal;

/// <summary>
/// Tells the queue's observers each postback's final result, or that it was abandoned. Nothing here throws, and an
/// observer is waited for no longer than its token: the shutdown's time, then at most one more drain timeout.
/// </summary>
internal sealed class QueueObserverReports(IPostbackDeliveryObserver[] observers, ILogger logger) : IDisposable
{
    // The observers' token: cancelled when the shutdown's time is up (the drain timeout, or the host stops waiting).
    private readonly CancellationTokenSource _observing = new();

    // The token of the reports made after that (abandoned postbacks): the host's stop token, and at most one more DrainTimeout.
    private CancellationTokenSource? _reporting;

    /// <summary>Cancels the observers' token as soon as <paramref name="hostStopping"/> is cancelled.</summary>
    public CancellationTokenRegistration StopObservingWhen(CancellationToken hostStopping) =>
        hostStopping.Register(static state => Quietly.Cancel((CancellationTokenSource)state!), _observing);

    /// <summary>The shutdown's time is up: observers' tokens are cancelled, and later reports get <paramref name="reporting"/>.</summary>
    public void StopObserving(CancellationTokenSource reporting)
    {
        Interlocked.Exchange(ref _reporting, reporting)?.Dispose();
        Quietly.Cancel(_observing);
    }

    /// <summary>Tells every observer a final result.</summary>
    public async ValueTask CompleteAsync(PostbackTransaction transaction, PostbackResult result)
    {
        var token = _observing.Token;
        foreach (var observer in observers)
        {
            try
            {
                await Bounded(observer.OnCompletedAsync(transaction, result, token), token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                ObserverFailed(observer, ex);
            }
        }
    }

    /// <summary>Logs a postback that failed outside the sender's results and tells the observers it failed.</summary>
    public ValueTask FailedAsync(PostbackTransaction transaction, string endpointName, Exception ex)
    {
        Quietly.Log(logger, static (logger, state) => Log.QueuedDeliveryFailed(logger, state.endpointName, state.ex), (endpointName, ex));
        return CompleteAsync(transaction, new PostbackResult
        {
            EndpointName = endpointName,
            Outcome = PostbackOutcome.Failed,
            ErrorType = PostbackErrorTypes.Unexpected,
            ErrorMessage = ExceptionText.Describe(ex),
        });
    }

    /// <summary>Tells every observer a postback (or a whole transaction) was abandoned.</summary>
    public async ValueTask AbandonAsync(PostbackTransaction transaction, string? endpointName, string reason)
    {
        var token = Volatile.Read(ref _reporting)?.Token ?? _observing.Token;
        Quietly.Log(logger, static (logger, state) => Log.Abandoned(logger, state.Item1, state.reason), (endpointName ?? "(not dispatched)", reason));

        foreach (var observer in observers)
        {
            try
            {
                await Bounded(observer.OnAbandonedAsync(transaction, endpointName, reason, token), token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                ObserverFailed(observer, ex);
            }
        }
    }

    public void Dispose()
    {
        _observing.Dispose();
        _reporting?.Dispose();
    }

    private static ValueTask Bounded(ValueTask pending, CancellationToken token) =>
        pending.IsCompleted || !token.CanBeCanceled ? pending : new ValueTask(pending.AsTask().WaitAsync(token));

    private void ObserverFailed(IPostbackDeliveryObserver observer, Exception ex) =>
        Quietly.Log(logger, static (logger, state) => Log.ObserverFailed(logger, state.Item1, state.ex), (observer.GetType().Name, ex));
}
