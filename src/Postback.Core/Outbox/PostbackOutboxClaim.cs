using System;
using System.Collections.Generic;

namespace Postback;

/// <summary>What a worker asks an outbox store for when it claims deliveries.</summary>
public sealed record PostbackOutboxClaim
{
    /// <summary>Gets the claiming worker's identity, unique per process (for example host name, process id and a random suffix).</summary>
    public required string Owner { get; init; }

    /// <summary>Gets the most deliveries to claim.</summary>
    public required int MaxCount { get; init; }

    /// <summary>Gets the most deliveries to claim for any one partner host in this batch.</summary>
    public int MaxPerHost { get; init; } = int.MaxValue;

    /// <summary>Gets the partner hosts to claim nothing for, because this worker already has as many in flight as it may.</summary>
    public IReadOnlyCollection<string> ExcludedHosts { get; init; } = [];

    /// <summary>Gets how long the claim holds each delivery; an attempt not completed by then may be claimed again by any worker.</summary>
    public required TimeSpan LeaseDuration { get; init; }
}
