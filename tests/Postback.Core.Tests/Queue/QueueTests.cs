using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Postback.Tests.Queue;

/// <summary>
/// The background queue with a <see cref="FakePostbackSender"/>: no network at all. Waits are bounded by generous
/// timeouts that only matter when something is broken; no assertion is about time.
/// </summary>
public sealed class QueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Every_enqueued_transaction_reaches_the_observer_once_per_endpoint()
    {
        await using var app = await QueueApp.StartAsync(endpoints: ["a", "b", "c"]);

        for (var i = 0; i < 200; i++)
        {
            await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "o" + i });
        }

        await app.Observer.WaitForAsync(600, Patience);
        app.Observer.Completed.Should().HaveCount(600).And.OnlyContain(r => r.Result.Outcome == PostbackOutcome.Delivered);
        app.Observer.Completed.GroupBy(r => (r.Transaction.OrderNumber, r.Result.EndpointName)).Should().OnlyContain(g => g.Count() == 1);
        app.Sender.Sent.Should().HaveCount(600);
    }

    [Fact]
    public async Task A_queued_copy_is_not_changed_by_its_caller()
    {
        await using var app = await QueueApp.StartAsync(endpoints: ["a"]);
        var transaction = new PostbackTransaction { OrderNumber = "before" };
        transaction.Extra["k"] = "v1";

        await app.Queue.EnqueueAsync(transaction);
        transaction.OrderNumber = "after";
        transaction.Extra["k"] = "v2";

        await app.Observer.WaitForAsync(1, Patience);
        app.Sender.Sent.Single().Url.Should().Contain("o=before");
        app.Observer.Completed.Single().Transaction.Extra["k"].Should().Be("v1");
    }

    [Fact]
    public async Task When_full_TryEnqueue_says_so_and_EnqueueAsync_waits_until_cancelled()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await QueueApp.StartAsync(
            endpoints: ["a"],
            configure: q => { q.Capacity = 2; q.MaxPendingDeliveries = 1; q.MaxConcurrency = 1; q.MaxConcurrencyPerHost = 1; },
            respond: async (sent, ct) => { await gate.Task.WaitAsync(ct); return FakePostbackSender.Result(sent, PostbackOutcome.Delivered); });

        // One in flight (blocked), then the queue fills: the reader is held by MaxPendingDeliveries.
        await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "1" });
        await app.Sender.WaitForSentAsync(1, Patience);
        // Fill the queue. The reader may still take one more item (then it waits for a pending slot), so a
        // successful EnqueueAsync sends us round again; within a few rounds the queue is full for good.
        var accepted = 1;
        var waitedUntilCancelled = false;
        for (var round = 0; round < 5 && !waitedUntilCancelled; round++)
        {
            while (app.Queue.TryEnqueue(new PostbackTransaction { OrderNumber = "x" + accepted }))
            {
                accepted++;
                accepted.Should().BeLessThan(20, "a bounded queue must fill up");
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            try
            {
                await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "x" + accepted }, cts.Token);
                accepted++;
            }
            catch (OperationCanceledException)
            {
                waitedUntilCancelled = true;
            }
        }

        waitedUntilCancelled.Should().BeTrue("EnqueueAsync waits while the queue is full, until cancelled");
        accepted.Should().BeLessThanOrEqualTo(5, "capacity 2, one in flight, one held by the reader");

        gate.SetResult();
        await app.Observer.WaitForAsync(accepted, Patience);
        app.Observer.Completed.Should().HaveCount(accepted);
    }

    [Fact]
    public async Task A_partner_that_never_answers_holds_only_its_own_slots()
    {
        var inFlightAtSlow = 0;
        var maxInFlightAtSlow = 0;
        await using var app = await QueueApp.StartAsync(
            endpoints: ["slow", "fast1", "fast2"],
            configure: q => { q.MaxConcurrency = 8; q.MaxConcurrencyPerHost = 2; },
            respond: async (sent, ct) =>
            {
                if (sent.EndpointName == "slow")
                {
                    var now = Interlocked.Increment(ref inFlightAtSlow);
                    InterlockedMax(ref maxInFlightAtSlow, now);
                    try
                    {
                        await Task.Delay(Timeout.Infinite, ct);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref inFlightAtSlow);
                    }
                }

                return FakePostbackSender.Result(sent, PostbackOutcome.Delivered);
            });

        for (var i = 0; i < 50; i++)
        {
            await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "o" + i });
        }

        // Both healthy partners get every postback although the slow one never answers.
        await app.Observer.WaitForAsync(100, Patience);
        app.Observer.Completed.Select(r => r.Result.EndpointName).Should().OnlyContain(n => n == "fast1" || n == "fast2");
        Volatile.Read(ref maxInFlightAtSlow).Should().BeLessThanOrEqualTo(2);

        // Shutdown abandons the slow partner's postbacks, each reported, none lost.
        await app.StopAsync(drainTimeout: TimeSpan.FromMilliseconds(200));
        app.Observer.Abandoned.Where(a => a.EndpointName == "slow").Should().HaveCount(50);
        (app.Observer.Completed.Count + app.Observer.Abandoned.Count).Should().Be(150);
    }

    [Fact]
    public async Task Shutdown_drains_what_it_can_then_abandons_the_rest_and_stops_accepting()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await QueueApp.StartAsync(
            endpoints: ["a"],
            configure: q => { q.MaxConcurrency = 1; q.MaxConcurrencyPerHost = 1; q.MaxPendingDeliveries = 1; },
            respond: async (sent, ct) => { await release.Task.WaitAsync(ct); return FakePostbackSender.Result(sent, PostbackOutcome.Delivered); });

        for (var i = 0; i < 5; i++)
        {
            await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "o" + i });
        }

        await app.Sender.WaitForSentAsync(1, Patience);
        await app.StopAsync(drainTimeout: TimeSpan.FromMilliseconds(300));

        app.Observer.Completed.Should().BeEmpty();
        app.Observer.Abandoned.Should().HaveCount(5, "one in flight and four waiting behind it (parked or never dispatched), all reported");
        app.Observer.Abandoned.Should().OnlyContain(a => a.EndpointName == null || a.EndpointName == "a");
        app.Queue.TryEnqueue(new PostbackTransaction()).Should().BeFalse();
        await FluentActions.Awaiting(() => app.Queue.EnqueueAsync(new PostbackTransaction()).AsTask())
            .Should().ThrowAsync<InvalidOperationException>().WithMessage("*stopped*");
    }

    [Fact]
    public async Task Shutdown_with_time_to_spare_delivers_everything()
    {
        await using var app = await QueueApp.StartAsync(
            endpoints: ["a", "b"],
            respond: async (sent, ct) => { await Task.Delay(5, ct); return FakePostbackSender.Result(sent, PostbackOutcome.Delivered); });

        for (var i = 0; i < 100; i++)
        {
            await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "o" + i });
        }

        await app.StopAsync(drainTimeout: Patience);

        app.Observer.Completed.Should().HaveCount(200);
        app.Observer.Abandoned.Should().BeEmpty();
    }

    [Fact]
    public async Task Per_host_state_stays_bounded_with_thousands_of_hosts()
    {
        var maxTracked = 0;
        QueueApp? appRef = null;
        await using var app = await QueueApp.StartAsync(
            endpoints: [],
            openHostEndpoint: true,
            configure: q => { q.MaxPendingDeliveries = 50; q.MaxConcurrency = 8; },
            respond: async (sent, ct) =>
            {
                InterlockedMax(ref maxTracked, appRef!.TrackedHosts);
                await Task.Yield();
                return FakePostbackSender.Result(sent, PostbackOutcome.Delivered);
            });
        appRef = app;

        for (var i = 0; i < 3000; i++)
        {
            var tx = new PostbackTransaction();
            tx.Extra["h"] = $"h{i}.partner.test";
            await app.Queue.EnqueueAsync(tx);
        }

        await app.Observer.WaitForAsync(3000, Patience);
        Volatile.Read(ref maxTracked).Should().BeInRange(1, 50);
        await app.StopAsync(Patience);
        app.TrackedHosts.Should().Be(0, "a host's state goes when its last postback does");
    }

    [Fact]
    public async Task Endpoint_problems_and_observer_failures_are_reported_not_thrown()
    {
        await using var app = await QueueApp.StartAsync(endpoints: ["a"], throwingObserver: true);

        await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "1" });

        await app.Observer.WaitForAsync(1, Patience);
        app.Observer.Completed.Should().ContainSingle();
    }

    [Fact]
    public async Task Invalid_queue_options_stop_the_host_naming_the_option()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPostbacks().AddQueue(q => q.MaxConcurrencyPerHost = 100).UseSender(new FakePostbackSender());
        using var host = builder.Build();

        await FluentActions.Awaiting(() => host.StartAsync()).Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()
            .WithMessage("*MaxConcurrencyPerHost*");
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private sealed class RecordingObserver(bool throwAfterRecording) : IPostbackDeliveryObserver, IDisposable
    {
        private readonly ConcurrentQueue<(PostbackTransaction Transaction, PostbackResult Result)> _completed = new();
        private readonly ConcurrentQueue<(PostbackTransaction Transaction, string? EndpointName, string Reason)> _abandoned = new();
        private readonly SemaphoreSlim _signal = new(0);

        public IReadOnlyList<(PostbackTransaction Transaction, PostbackResult Result)> Completed => [.. _completed];

        public IReadOnlyList<(PostbackTransaction Transaction, string? EndpointName, string Reason)> Abandoned => [.. _abandoned];

        public ValueTask OnCompletedAsync(PostbackTransaction transaction, PostbackResult result, CancellationToken cancellationToken)
        {
            _completed.Enqueue((transaction, result));
            _signal.Release();
            return throwAfterRecording ? throw new InvalidOperationException("observer failure") : default;
        }

        public ValueTask OnAbandonedAsync(PostbackTransaction transaction, string? endpointName, string reason, CancellationToken cancellationToken)
        {
            _abandoned.Enqueue((transaction, endpointName, reason));
            return default;
        }

        public void Dispose() => _signal.Dispose();

        public async Task WaitForAsync(int count, TimeSpan patience)
        {
            using var cts = new CancellationTokenSource(patience);
            while (_completed.Count < count)
            {
                await _signal.WaitAsync(cts.Token);
            }
        }
    }

    private sealed class QueueApp : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;
        private readonly IHostedService[] _services;
        private bool _stopped;

        private QueueApp(ServiceProvider provider, FakePostbackSender sender, RecordingObserver observer)
        {
            _provider = provider;
            Sender = sender;
            Observer = observer;
            Queue = provider.GetRequiredService<IPostbackQueue>();
            _services = [.. provider.GetServices<IHostedService>()];
        }

        public IPostbackQueue Queue { get; }

        public FakePostbackSender Sender { get; }

        public RecordingObserver Observer { get; }

        public int TrackedHosts => _services.OfType<Postback.Internal.PostbackDeliveryService>().Single().TrackedHosts;

        public static async Task<QueueApp> StartAsync(
            string[] endpoints,
            Action<PostbackQueueOptions>? configure = null,
            Func<SentPostback, CancellationToken, ValueTask<PostbackResult>>? respond = null,
            bool openHostEndpoint = false,
            bool throwingObserver = false)
        {
            var sender = new FakePostbackSender();
            if (respond is not null)
            {
                sender.RespondWith(respond);
            }

            var observer = new RecordingObserver(throwingObserver);
            var services = new ServiceCollection();
            services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
            services.AddSingleton<IPostbackDeliveryObserver>(observer);
            services.AddPostbacks(o =>
                {
                    foreach (var name in endpoints)
                    {
                        // Each endpoint is its own partner host; nothing is sent, the fake sender only records.
                        o.AddEndpoint(name, e => e.Url = $"https://{name}.partner.test/pb?o=#on#");
                    }

                    if (openHostEndpoint)
                    {
                        o.AddEndpoint("many-hosts", e => { e.Url = "https://{h}/pb"; e.Syntax = "braces"; e.Catalog = "open"; });
                    }
                })
                .AddQueue(q =>
                {
                    q.DrainTimeout = Patience;
                    configure?.Invoke(q);
                })
                .UseSender(sender);
            var provider = services.BuildServiceProvider(validateScopes: true);
            var app = new QueueApp(provider, sender, observer);
            foreach (var service in app._services)
            {
                await service.StartAsync(CancellationToken.None);
            }

            return app;
        }

        public async Task StopAsync(TimeSpan drainTimeout)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            _provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<PostbackQueueOptions>>().Value.DrainTimeout = drainTimeout;
            foreach (var service in _services)
            {
                await service.StopAsync(CancellationToken.None);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync(TimeSpan.FromMilliseconds(100));
            await _provider.DisposeAsync();
            Observer.Dispose();
        }
    }
}

internal static class FakeSenderExtensions
{
    public static async Task WaitForSentAsync(this FakePostbackSender sender, int count, TimeSpan patience)
    {
        using var cts = new CancellationTokenSource(patience);
        while (sender.Sent.Count < count)
        {
            await Task.Delay(10, cts.Token);
        }
    }
}
