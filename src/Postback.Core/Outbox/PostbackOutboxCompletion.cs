using System;

namespace Postback;

/// <summary>The end of one claimed attempt, as a worker reports it to the store.</summary>
public sealed record PostbackOutboxCompletion
{
    /// <summary>Gets the delivery's id.</summary>
    public required long Id { get; init; }

    /// <summary>Gets the worker that claimed it; the completion counts only if this owner still holds the lease.</summary>
    public required string Owner { get; init; }

    /// <summary>Gets the attempt number from the lease; the completion counts only if it is still the delivery's current attempt.</summary>
    public required int Attempt { get; init; }

    /// <summary>
    /// Gets the delivery's next state: a final state, <see cref="PostbackDeliveryState.Pending"/> for a retry after
    /// <see cref="RetryDelay"/>, or <see cref="PostbackDeliveryState.Parked"/> with a <see cref="ParkReason"/>.
    /// </summary>
    public required PostbackDeliveryState State { get; init; }

    /// <summary>Gets how long until the next attempt, when <see cref="State"/> is <see cref="PostbackDeliveryState.Pending"/>.</summary>
    public TimeSpan RetryDelay { get; init; }

    /// <summary>Gets why the delivery is parked, one of <see cref="PostbackParkReasons"/>, when <see cref="State"/> is <see cref="PostbackDeliveryState.Parked"/>.</summary>
    public string? ParkReason { get; init; }

    /// <summary>Gets the attempt's record for the delivery log, or <see langword="null"/> when no attempt was made (the delivery was only parked).</summary>
    public PostbackOutboxAttempt? Record { get; init; }

    /// <summary>Gets what the attempt says about the endpoint's health.</summary>
    public PostbackEndpointSignal Signal { get; init; }
}
