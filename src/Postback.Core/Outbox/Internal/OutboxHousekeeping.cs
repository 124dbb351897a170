using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Postback.Internal;

/// <summary>
/// The outbox's periodic chores on this node: purge finished and dead deliveries on the retention schedule, and refresh
/// the store's stats that the gauges report. A failure is logged and tried again at the next interval.
/// </summary>
internal sealed class OutboxHousekeeping(PostbackOutboxEngine engine, OutboxTelemetry telemetry, PostbackOutboxOptions options, TimeProvider time, ILogger logger)
{
    public async Task RunAsync(CancellationToken stop)
    {
        var nextPurge = time.GetUtcNow();
        var nextStats = nextPurge;
        while (!stop.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            if (now >= nextStats)
            {
                try
                {
                    telemetry.SetStats(await engine.Store.GetStatsAsync(stop).ConfigureAwait(false));
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    OutboxLog.StoreFailed(logger, "stats", options.StatsInterval, ex);
                }

                nextStats = now + options.StatsInterval;
            }

            if (now >= nextPurge)
            {
                try
                {
                    await engine.PurgeAsync(stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    OutboxLog.StoreFailed(logger, "purge", options.Retention.PurgeInterval, ex);
                }

                nextPurge = now + options.Retention.PurgeInterval;
            }

            var next = nextStats < nextPurge ? nextStats : nextPurge;
            var wait = next - time.GetUtcNow();
            try
            {
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
