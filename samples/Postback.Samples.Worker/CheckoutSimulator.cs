using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Postback.Samples.Worker;

/// <summary>
/// Stands for the part of an app where sales happen (a checkout, a message consumer): it puts each transaction in the
/// postback outbox and moves on, without waiting for any partner. Then, being a sample, it waits for every final result
/// and asks the host to stop.
/// </summary>
public sealed class CheckoutSimulator(
    IPostbackQueue queue,
    PostbackLog log,
    IOptions<PostbackOptions> options,
    IHostApplicationLifetime lifetime) : BackgroundService
{
    private static readonly string[] TrafficSources = ["email", "social", "coupon", "email", "social"];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Start producing once every hosted service has started, the outbox's delivery service included.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        // Twenty sales, one every 20 ms. EnqueueAsync returns as soon as the transaction's deliveries (one per endpoint
        // that applies) are committed to the outbox's SQLite file; it throws once the host is shutting down.
        const int Count = 20;
        for (var i = 1; i <= Count; i++)
        {
            var transaction = new PostbackTransaction
            {
                OrderNumber = $"ORD-{2000 + i}",
                TrafficSource = TrafficSources[i % TrafficSources.Length],
                SubId1 = $"pub-{7700 + i}",
                SaleAmount = 10m + i,
                CommissionAmount = 1m + (i / 10m),
                EventTime = DateTimeOffset.UtcNow,
            };
            log.Expect(transaction, PostbacksOwed(transaction));
            await queue.EnqueueAsync(transaction, stoppingToken);
            await Task.Delay(TimeSpan.FromMilliseconds(20), stoppingToken);
        }

        log.Note($"enqueued {Count} transactions ({log.Owed} postbacks); {log.Observed} observed so far");

        // A real worker runs until it is told to stop: Ctrl+C, or SIGTERM from the orchestrator. Stopping does not wait
        // for deliveries that are pending: they stay in the file and are delivered after the next start. The sample
        // wants every result in this run, so it waits for the retries of the 503s (due about 1 s later, by the
        // schedule in appsettings.json) before it stops.
        while (log.Observed < log.Owed)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), stoppingToken);
        }

        lifetime.StopApplication();
    }

    // A postback is owed to every enabled endpoint whose traffic sources include the transaction's (or that has none).
    private int PostbacksOwed(PostbackTransaction transaction) => options.Value.Endpoints.Values.Count(endpoint =>
        endpoint.Enabled
        && (endpoint.TrafficSources.Count == 0 || endpoint.TrafficSources.Contains(transaction.TrafficSource!, StringComparer.OrdinalIgnoreCase)));
}
