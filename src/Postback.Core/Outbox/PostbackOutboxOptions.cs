using System;
using System.Collections.Generic;
using System.ComponentModel.DataAnnotations;

namespace Postback;

/// <summary>
/// Options for the durable outbox (<c>AddPostbacks().AddOutbox()</c>): the retry schedule, leases, limits, endpoint health,
/// retention and the health check. Bound from <c>Postbacks:Outbox</c> by <c>AddOutbox(IConfigurationSection)</c>.
/// </summary>
public sealed class PostbackOutboxOptions
{
    /// <summary>The configuration section the options are usually bound from: <c>Postbacks:Outbox</c>.</summary>
    public const string DefaultSectionName = "Postbacks:Outbox";

    /// <summary>
    /// Gets or sets the retry schedule: the delay before each attempt, counted from the previous one (the first from the
    /// enqueue). Its length is the number of attempts; when every attempt has failed the delivery is dead. Left empty, it
    /// is the default: the Standard Webhooks schedule, 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h
    /// (10 attempts over about 3 days; see <see cref="DefaultSchedule"/>).
    /// </summary>
    /// <remarks>
    /// The list starts empty and is filled with the default after configuration, because configuration binding adds to
    /// a list rather than replacing it: <c>"Schedule": ["00:00:00", "00:00:05", "00:05:00"]</c> is then the whole schedule.
    /// </remarks>
    public IList<TimeSpan> Schedule { get; set; } = new List<TimeSpan>();

    /// <summary>
    /// Gets or sets the random spread of each retry delay, as a share of it: 0.2 makes a 5-minute delay anything from 4 to
    /// 6 minutes, so deliveries that failed together do not all come back at once. From 0 to 1. The default is 0.2.
    /// </summary>
    [Range(0.0, 1.0)]
    public double Jitter { get; set; } = 0.2;

    /// <summary>
    /// Gets or sets the longest <c>Retry-After</c> a partner may ask for: its wait is honoured when it is longer than the
    /// schedule's next delay, up to this bound. The default is 24 hours.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Gets or sets how long a worker holds a claimed delivery. An attempt not completed by then may be claimed again by
    /// any worker (the late completion then does not count). It must exceed the longest attempt:
    /// <see cref="PostbackOptions.TotalTimeout"/> and <see cref="PostbackOptions.AttemptTimeout"/>, plus 5 seconds to
    /// complete it. The default is 2 minutes.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Gets or sets the most deliveries one claim takes from the store. The default is 100.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// Gets or sets how often an idle worker looks for due deliveries that no <see cref="IPostbackOutbox.Wake"/> announced
    /// (those enqueued by another node, or whose retry came due). The default is 1 second.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how many deliveries this node attempts at once, over all partners. The default is 64.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>
    /// Gets or sets how many deliveries this node attempts at once for one partner host (scheme, host and port). A partner
    /// that stops answering holds at most these, and no more of its deliveries are claimed meanwhile. The default is 4.
    /// </summary>
    [Range(1, 1_000)]
    public int MaxConcurrencyPerHost { get; set; } = 4;

    /// <summary>
    /// Gets or sets how many transactions may wait to be written to the store (group commit): concurrent enqueues are
    /// written together, in one store call. When full, <see cref="IPostbackQueue.EnqueueAsync"/> waits and
    /// <see cref="IPostbackQueue.TryEnqueue"/> returns <see langword="false"/>. The default is 10 000.
    /// </summary>
    [Range(1, 10_000_000)]
    public int EnqueueBufferCapacity { get; set; } = 10_000;

    /// <summary>Gets or sets when an endpoint is disabled automatically. The default is 10 failed attempts in a row over at least 72 hours; a 410 Gone disables it at once.</summary>
    public PostbackOutboxEndpointHealthOptions EndpointHealth { get; set; } = new();

    /// <summary>Gets or sets how long finished and dead deliveries are kept, and how often they are purged.</summary>
    public PostbackOutboxRetentionOptions Retention { get; set; } = new();

    /// <summary>
    /// Gets or sets how long shutdown waits for the attempts in flight to finish and be recorded. What is not finished then
    /// stays in the store, claimed until its lease ends, and is attempted again after it; nothing is abandoned. Keep it
    /// below the host's shutdown timeout (30 s by default). The default is 20 seconds.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Gets or sets how often the gauges' counts (pending, in flight, parked, dead, oldest pending) are read from the store. The default is 15 seconds.</summary>
    public TimeSpan StatsInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets the age of the oldest pending delivery from which the health check reports Degraded. The default is 15 minutes.</summary>
    public TimeSpan OldestPendingDegradedAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Gets or sets a value indicating whether the health check reports Degraded when dead deliveries grew since its last run. The default is <see langword="true"/>.</summary>
    public bool DegradedWhenDeadGrows { get; set; } = true;

    /// <summary>Returns the default schedule (Standard Webhooks): 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.</summary>
    /// <returns>A new list.</returns>
    public static IList<TimeSpan> DefaultSchedule() =>
    [
        TimeSpan.Zero,
        TimeSpan.FromSeconds(5),
        TimeSpan.FromMinutes(5),
        TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(2),
        TimeSpan.FromHours(5),
        TimeSpan.FromHours(10),
        TimeSpan.FromHours(14),
        TimeSpan.FromHours(20),
        TimeSpan.FromHours(24),
    ];
}
