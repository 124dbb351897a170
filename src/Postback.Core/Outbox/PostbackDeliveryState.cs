namespace Postback;

/// <summary>Where one durable delivery (one transaction to one endpoint) stands in an outbox.</summary>
/// <remarks>
/// <see cref="Pending"/>, <see cref="InFlight"/> and <see cref="Parked"/> are live: the delivery will still be attempted, or
/// waits for someone to act. The others are final; only a replay makes a final delivery live again.
/// </remarks>
public enum PostbackDeliveryState
{
    /// <summary>Waiting for its next attempt, which is due at <see cref="PostbackOutboxDelivery.NextAttemptAt"/>.</summary>
    Pending = 1,

    /// <summary>Claimed by a worker, whose lease ends at <see cref="PostbackOutboxDelivery.LeaseExpiresAt"/>; an expired lease makes it claimable again.</summary>
    InFlight = 2,

    /// <summary>Held back and not attempted: its endpoint is disabled, or no longer exists. See <see cref="PostbackOutboxDelivery.ParkReason"/>.</summary>
    Parked = 3,

    /// <summary>Final: the partner accepted it.</summary>
    Delivered = 4,

    /// <summary>Final: the partner answered and refused it (a final 4xx, or a failed success check).</summary>
    Rejected = 5,

    /// <summary>Final: the security guard refused the destination.</summary>
    Blocked = 6,

    /// <summary>Final: no valid request could be built from the transaction.</summary>
    Invalid = 7,

    /// <summary>Final: every scheduled attempt failed. Kept until replayed or purged.</summary>
    Dead = 8,
}
