using System;
using System.Collections.Generic;

namespace Postback;

/// <summary>An outbox's counts, for gauges, the health check and the CLI.</summary>
public sealed record PostbackOutboxStats
{
    /// <summary>Gets the number of deliveries in each state (states with none may be missing).</summary>
    public required IReadOnlyDictionary<PostbackDeliveryState, long> Counts { get; init; }

    /// <summary>Gets when the oldest pending delivery was enqueued, or <see langword="null"/> when none is pending.</summary>
    public DateTimeOffset? OldestPendingEnqueuedAt { get; init; }

    /// <summary>Gets the number in a state, 0 when absent.</summary>
    /// <param name="state">The state.</param>
    /// <returns>The count.</returns>
    public long this[PostbackDeliveryState state] => Counts.TryGetValue(state, out var count) ? count : 0;
}
