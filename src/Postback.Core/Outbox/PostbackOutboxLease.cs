using System;

namespace Postback;

/// <summary>A delivery a worker has claimed: what it needs to make one attempt and complete it.</summary>
public sealed record PostbackOutboxLease
{
    /// <summary>Gets the delivery's id in the store.</summary>
    public required long Id { get; init; }

    /// <summary>Gets the endpoint's name.</summary>
    public required string EndpointName { get; init; }

    /// <summary>Gets the idempotency key.</summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>Gets the partner host key.</summary>
    public required string HostKey { get; init; }

    /// <summary>Gets the serialized transaction.</summary>
    public required string Payload { get; init; }

    /// <summary>
    /// Gets the number of this attempt, counted over the delivery's whole life (replays included), starting at 1. A
    /// completion must present it: it is the fence that stops a worker whose lease expired from overwriting a newer attempt.
    /// </summary>
    public required int Attempt { get; init; }

    /// <summary>Gets how many attempts have failed since the delivery was enqueued or last replayed; it picks the next step of the retry schedule.</summary>
    public required int FailedAttempts { get; init; }

    /// <summary>Gets when the delivery was enqueued (or last replayed).</summary>
    public required DateTimeOffset EnqueuedAt { get; init; }

    /// <summary>Gets when the lease ends, by the store's clock.</summary>
    public required DateTimeOffset LeaseExpiresAt { get; init; }
}
