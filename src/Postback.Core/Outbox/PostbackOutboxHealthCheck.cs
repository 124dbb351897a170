using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Postback;

/// <summary>
/// The outbox's health: Healthy while deliveries flow, Degraded when the oldest pending delivery is older than
/// <see cref="PostbackOutboxOptions.OldestPendingDegradedAfter"/> or dead deliveries grew since the previous check
/// (<see cref="PostbackOutboxOptions.DegradedWhenDeadGrows"/>), and the registration's failure status when the store
/// cannot be read. Add it with <c>services.AddHealthChecks().AddPostbackOutbox()</c>.
/// </summary>
/// <remarks>Each check reads the store's stats once. The data carry the counts by state and the oldest pending age in seconds.</remarks>
public sealed class PostbackOutboxHealthCheck : IHealthCheck
{
    private readonly IPostbackOutboxStore _store;
    private readonly PostbackOutboxOptions _options;
    private readonly TimeProvider _time;
    private long _lastDead = -1;

    /// <summary>Initializes a new instance of the <see cref="PostbackOutboxHealthCheck"/> class.</summary>
    /// <param name="store">The outbox's store.</param>
    /// <param name="options">The outbox's options.</param>
    /// <param name="time">The clock.</param>
    public PostbackOutboxHealthCheck(IPostbackOutboxStore store, IOptions<PostbackOutboxOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _store = store;
        _options = options.Value;
        _time = time;
    }

    /// <inheritdoc/>
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        PostbackOutboxStats stats;
        try
        {
            stats = await _store.GetStatsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The postback outbox store cannot be read.", ex);
        }

        var age = stats.OldestPendingEnqueuedAt is { } oldest ? _time.GetUtcNow() - oldest : TimeSpan.Zero;
        var dead = stats[PostbackDeliveryState.Dead];
        var previousDead = Interlocked.Exchange(ref _lastDead, dead);
        var data = new Dictionary<string, object>
        {
            ["pending"] = stats[PostbackDeliveryState.Pending],
            ["in_flight"] = stats[PostbackDeliveryState.InFlight],
            ["parked"] = stats[PostbackDeliveryState.Parked],
            ["dead"] = dead,
            ["oldest_pending_age_s"] = Math.Max(0, age.TotalSeconds),
        };

        if (age > _options.OldestPendingDegradedAfter)
        {
            return HealthCheckResult.Degraded($"The oldest pending postback was enqueued {age} ago, more than {_options.OldestPendingDegradedAfter} (OldestPendingDegradedAfter).", data: data);
        }

        if (_options.DegradedWhenDeadGrows && previousDead >= 0 && dead > previousDead)
        {
            return HealthCheckResult.Degraded($"Dead postbacks grew from {previousDead} to {dead} since the last check.", data: data);
        }

        return HealthCheckResult.Healthy("The postback outbox is delivering.", data);
    }
}
