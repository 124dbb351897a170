namespace Postback;

/// <summary>The names of the outbox's instruments, on the <c>Postback.Core</c> meter (<see cref="PostbackTelemetryNames.SourceName"/>).</summary>
public static class PostbackOutboxTelemetryNames
{
    /// <summary>The gauge of pending deliveries: <c>postback.outbox.pending</c>.</summary>
    public const string Pending = "postback.outbox.pending";

    /// <summary>The gauge of deliveries in flight (claimed by a worker of any node): <c>postback.outbox.in_flight</c>.</summary>
    public const string InFlight = "postback.outbox.in_flight";

    /// <summary>The gauge of parked deliveries: <c>postback.outbox.parked</c>.</summary>
    public const string Parked = "postback.outbox.parked";

    /// <summary>The gauge of dead deliveries: <c>postback.outbox.dead</c>.</summary>
    public const string Dead = "postback.outbox.dead";

    /// <summary>The gauge of the oldest pending delivery's age, in seconds: <c>postback.outbox.oldest_pending.age</c>.</summary>
    public const string OldestPendingAge = "postback.outbox.oldest_pending.age";

    /// <summary>The histogram of the time from enqueue (or replay) to a final state, in seconds: <c>postback.outbox.delivery.latency</c>.</summary>
    public const string DeliveryLatency = "postback.outbox.delivery.latency";

    /// <summary>The counter of endpoints disabled (automatically or by an operator): <c>postback.outbox.endpoint.disabled</c>.</summary>
    public const string EndpointDisabled = "postback.outbox.endpoint.disabled";

    /// <summary>The counter of endpoints enabled again: <c>postback.outbox.endpoint.enabled</c>.</summary>
    public const string EndpointEnabled = "postback.outbox.endpoint.enabled";

    /// <summary>The tag holding a delivery's final state in lower case (<c>delivered</c>, <c>dead</c>, ...), on the latency histogram.</summary>
    public const string StateTag = "postback.outbox.state";
}
