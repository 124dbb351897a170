using System;

namespace Postback;

/// <summary>One delivery to write to an outbox store: one transaction for one endpoint.</summary>
/// <remarks>
/// The outbox stores the transaction's values and the endpoint's <em>name</em>, not a snapshot of the endpoint: every
/// attempt renders with the endpoint as it is configured then, so a corrected template or a rotated secret applies to
/// retries, and header secrets are never written to the store at all.
/// </remarks>
public sealed record PostbackOutboxEntry
{
    /// <summary>Gets the endpoint's name.</summary>
    public required string EndpointName { get; init; }

    /// <summary>Gets the idempotency key every attempt of this delivery carries, on every node and after every replay.</summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>Gets the partner host the delivery is limited by (scheme, host and port), used to spread claims across partners.</summary>
    public required string HostKey { get; init; }

    /// <summary>Gets the transaction's values, serialized by the outbox. Opaque to the store.</summary>
    public required string Payload { get; init; }

    /// <summary>Gets the transaction's order number, kept in a column of its own so deliveries can be found by it.</summary>
    public string? OrderNumber { get; init; }

    /// <summary>Gets how long after the enqueue the first attempt is due. The default is at once.</summary>
    public TimeSpan Delay { get; init; }
}
