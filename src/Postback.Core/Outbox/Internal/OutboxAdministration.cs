using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Postback.Internal;

/// <summary>
/// The outbox's operations on deliveries and endpoints (<see cref="IPostbackOutbox.ReplayAsync"/>,
/// <see cref="IPostbackOutbox.EnableEndpointAsync"/>, <see cref="IPostbackOutbox.DisableEndpointAsync"/>,
/// <see cref="IPostbackOutbox.PurgeAsync"/>): each is one store call, followed by the observers and a wake when it
/// changed something the workers or observers care about.
/// </summary>
internal sealed class OutboxAdministration(
    IPostbackOutboxStore store,
    OutboxObserverNotifier notifier,
    PostbackOutboxOptions options,
    ILogger logger,
    Action wake)
{
    public async ValueTask<int> ReplayAsync(PostbackOutboxFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var count = await store.ReplayAsync(filter, cancellationToken).ConfigureAwait(false);
        wake();
        return count;
    }

    public async ValueTask<bool> EnableEndpointAsync(string endpointName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpointName);
        var changed = await store.SetEndpointEnabledAsync(endpointName, true, null, cancellationToken).ConfigureAwait(false);
        if (changed)
        {
            await notifier.EnabledAsync(endpointName).ConfigureAwait(false);
            wake();
        }

        return changed;
    }

    public async ValueTask<bool> DisableEndpointAsync(string endpointName, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpointName);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var changed = await store.SetEndpointEnabledAsync(endpointName, false, reason, cancellationToken).ConfigureAwait(false);
        if (changed)
        {
            PostbackOutboxEndpoint? record = null;
            foreach (var endpoint in await store.GetEndpointsAsync(cancellationToken).ConfigureAwait(false))
            {
                if (string.Equals(endpoint.Name, endpointName, StringComparison.Ordinal))
                {
                    record = endpoint;
                }
            }

            await notifier.DisabledAsync(record ?? new PostbackOutboxEndpoint { Name = endpointName, Enabled = false, DisabledReason = reason }).ConfigureAwait(false);
        }

        return changed;
    }

    public async ValueTask<long> PurgeAsync(CancellationToken cancellationToken)
    {
        var count = await store.PurgeAsync(options.Retention.Finished, options.Retention.Dead, cancellationToken).ConfigureAwait(false);
        if (count > 0)
        {
            OutboxLog.Purged(logger, count);
        }

        return count;
    }
}
