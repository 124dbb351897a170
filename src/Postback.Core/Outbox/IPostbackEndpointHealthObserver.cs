using System.Threading;
using System.Threading.Tasks;

namespace Postback;

/// <summary>
/// Told when the outbox disables or enables an endpoint: automatically (failures over the
/// <see cref="PostbackOutboxOptions.EndpointHealth"/> policy, or a 410 Gone) or through <see cref="IPostbackOutbox"/>.
/// The hook to notify a network's operators, as affiliate platforms do. Register implementations with
/// <c>services.AddSingleton&lt;IPostbackEndpointHealthObserver, T&gt;()</c>.
/// </summary>
/// <remarks>
/// A separate interface rather than new members of <see cref="IPostbackDeliveryObserver"/>: only the outbox keeps
/// endpoint health, and an observer of final results need not know about it. Each automatic disable is reported once,
/// by the node whose completion caused it. An exception from an observer is logged and ignored.
/// </remarks>
public interface IPostbackEndpointHealthObserver
{
    /// <summary>Called when an endpoint was disabled; its pending deliveries are parked.</summary>
    /// <param name="endpoint">The endpoint's health record, with when and why it was disabled.</param>
    /// <param name="cancellationToken">Signalled when the host stops waiting.</param>
    /// <returns>A task.</returns>
    ValueTask OnEndpointDisabledAsync(PostbackOutboxEndpoint endpoint, CancellationToken cancellationToken);

    /// <summary>Called when an endpoint was enabled again; its parked deliveries are pending.</summary>
    /// <param name="endpointName">The endpoint's name.</param>
    /// <param name="cancellationToken">Signalled when the host stops waiting.</param>
    /// <returns>A task.</returns>
    ValueTask OnEndpointEnabledAsync(string endpointName, CancellationToken cancellationToken);
}
