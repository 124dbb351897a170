using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Postback.Internal;

/// <summary>
/// Tells the outbox's observers what happened: a delivery's final result, an endpoint disabled or enabled. An observer
/// that throws is logged and the others are still told; nothing here throws.
/// </summary>
internal sealed class OutboxObserverNotifier(
    IPostbackDeliveryObserver[] observers,
    IPostbackEndpointHealthObserver[] healthObservers,
    OutboxTelemetry telemetry,
    ILogger logger)
{
    public IPostbackDeliveryObserver[] Observers => observers;

    public ValueTask CompletedAsync(PostbackTransaction transaction, PostbackResult result) =>
        EachAsync(observers, static (observer, state) => observer.OnCompletedAsync(state.transaction, state.result, CancellationToken.None), (transaction, result));

    public ValueTask DisabledAsync(PostbackOutboxEndpoint endpoint)
    {
        OutboxLog.EndpointDisabled(logger, endpoint.Name, endpoint.DisabledReason);
        telemetry.RecordDisabled(endpoint.Name);
        return EachAsync(healthObservers, static (observer, endpoint) => observer.OnEndpointDisabledAsync(endpoint, CancellationToken.None), endpoint);
    }

    public ValueTask EnabledAsync(string endpointName)
    {
        OutboxLog.EndpointEnabled(logger, endpointName);
        telemetry.RecordEnabled(endpointName);
        return EachAsync(healthObservers, static (observer, name) => observer.OnEndpointEnabledAsync(name, CancellationToken.None), endpointName);
    }

    private async ValueTask EachAsync<TObserver, TState>(TObserver[] targets, Func<TObserver, TState, ValueTask> notify, TState state)
        where TObserver : class
    {
        foreach (var observer in targets)
        {
            try
            {
                await notify(observer, state).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                OutboxLog.ObserverFailed(logger, observer.GetType().Name, ex);
            }
        }
    }
}
