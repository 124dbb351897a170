using System;

namespace Postback;

/// <summary>One delivery as the outbox's log shows it. It holds no value of the transaction but the order number.</summary>
public sealed record PostbackOutboxDelivery
{
    /// <summary>Gets the delivery's id.</summary>
    public required long Id { get; init; }

    /// <summary>Gets the endpoint's name.</summary>
    public required string EndpointName { get; init; }

    /// <summary>Gets the idempotency key.</summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>Gets the partner host key.</summary>
    public required string HostKey { get; init; }

    /// <summary>Gets the order number, if the transaction had one.</summary>
    public string? OrderNumber { get; init; }

    /// <summary>Gets the state.</summary>
    public required PostbackDeliveryState State { get; init; }

    /// <summary>Gets the attempts made over the delivery's whole life.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets the attempts that failed since it was enqueued or last replayed.</summary>
    public int FailedAttempts { get; init; }

    /// <summary>Gets when it was enqueued.</summary>
    public required DateTimeOffset EnqueuedAt { get; init; }

    /// <summary>Gets when the next attempt is due, while pending.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>Gets when the lease ends, while in flight.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>Gets when it reached a final state.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Gets why it is parked, one of <see cref="PostbackParkReasons"/>.</summary>
    public string? ParkReason { get; init; }

    /// <summary>Gets the last attempt's HTTP status, if any.</summary>
    public int? LastStatusCode { get; init; }

    /// <summary>Gets the last attempt's error type, if any.</summary>
    public string? LastErrorType { get; init; }
}
