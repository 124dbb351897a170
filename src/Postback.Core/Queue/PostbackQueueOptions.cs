using System;
using System.ComponentModel.DataAnnotations;

namespace Postback;

/// <summary>Options for background delivery (<c>AddPostbacks().AddQueue()</c>). Bound from <c>Postbacks:Queue</c> by <c>AddQueue(IConfigurationSection)</c>.</summary>
public sealed class PostbackQueueOptions
{
    /// <summary>
    /// Gets or sets how many transactions may wait in the queue, including those with a postback parked behind its partner's backlog.
    /// When full, <see cref="IPostbackQueue.EnqueueAsync"/> waits and <see cref="IPostbackQueue.TryEnqueue"/> returns false. The default is 10 000.
    /// </summary>
    [Range(1, 10_000_000)]
    public int Capacity { get; set; } = 10_000;

    /// <summary>Gets or sets how many postbacks are sent at once, over all partners. The default is 64.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>
    /// Gets or sets how many postbacks are admitted at once for one partner host (scheme, host and port): its share of the pending
    /// budget. A partner that stops answering, or has a backlog, holds at most these; the rest of its postbacks wait in order, parked,
    /// holding no global budget, while other partners' postbacks pass them by. The default is 4.
    /// </summary>
    [Range(1, 1_000)]
    public int MaxConcurrencyPerHost { get; set; } = 4;

    /// <summary>
    /// Gets or sets how many postbacks may be admitted: waiting for a global slot or in flight. It bounds the per-host state,
    /// whatever the number of hosts; a host holds at most <see cref="MaxConcurrencyPerHost"/> of it. When reached, the queue stops
    /// being read and fills up. The default is 10 000.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxPendingDeliveries { get; set; } = 10_000;

    /// <summary>
    /// Gets or sets how long shutdown waits for queued and in-flight postbacks before it abandons the rest (each reported to
    /// <see cref="IPostbackDeliveryObserver.OnAbandonedAsync"/>). Keep it below the host's shutdown timeout (30 s by default).
    /// The default is 20 seconds.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(20);
}
