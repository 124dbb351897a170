using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Postback.Tests.Support;

namespace Postback.Tests.Queue;

/// <summary>
/// The queue under a real host, with what a careful review threw at it: an invalid options reload, components that
/// throw what nobody expects, a slow partner with a backlog, observers and providers that wait on (or ignore) their
/// token. Waits are bounded by generous timeouts that only matter when something is broken; no assertion is about time.
/// </summary>
public sealed class QueueHardeningTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_invalid_reload_keeps_delivering_with_the_last_valid_options_and_is_logged()
    {
        await using var app = await QueueHost.StartAsync(new()
        {
            ["Postbacks:Endpoints:a:Url"] = "https://a.partner.test/pb?o=#on#",
            ["Postbacks:Endpoints:b:Url"] = "https://b.partner.test/pb?o=#on#",
        });

        for (var i = 0; i < 10; i++)
        {
            await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "before" + i });
        }

        await app.Observer.WaitForCompletedAsync(20, Patience);

        // 1. A reload turns one endpoint's URL into an unknown macro. Options may rethrow to whoever calls Reload().
        app.Configuration["Postbacks:Endpoints:a:Url"] = "https://a.partner.test/pb?o=#onn#";
        try
        {
            app.Configuration.Reload();
        }
        catch (Exception ex) when (ex is AggregateException or Microsoft.Extensions.Options.OptionsValidationException)
        {
        }

        // 2. Whatever is enqueued afterwards is delivered with the last valid options.
        for (var i = 0; i < 10; i++)
        {
            await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "after" + i });
        }

        await app.Observer.WaitForCompletedAsync(40, Patience);
        app.Observer.Completed.Should().HaveCount(40).And.OnlyContain(c => c.Result.Outcome == PostbackOutcome.Delivered);
        app.Sender.Sent.Where(s => s.EndpointName == "a").Should().HaveCount(20).And.OnlyContain(s => s.Url.StartsWith("https://a.partner.test/pb?o=", StringComparison.Ordinal));
        app.Lifetime.ApplicationStopping.IsCancellationRequested.Should().BeFalse("an invalid reload must not stop the host");

        // 3. The rejected reload is logged with the endpoint, the position and the reason.
        app.Logs.GetSnapshot().Should().Contain(r =>
            r.Message.Contains("Endpoints:a:Url", StringComparison.Ordinal) && r.Message.Contains("#onn#", StringComparison.Ordinal) && r.Message.Contains("position", StringComparison.Ordinal));

        // 4. A valid reload after that is taken.
        app.Configuration["Postbacks:Endpoints:a:Url"] = "https://a.partner.test/pb?v=2&o=#on#";
        app.Configuration.Reload();
        await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "later" });
        await app.Observer.WaitForCompletedAsync(42, Patience);
        app.Sender.Sent.Should().Contain(s => s.Url == "https://a.partner.test/pb?v=2&o=later");

        await app.StopAsync().WaitAsync(Patience);
        app.Observer.Abandoned.Should().BeEmpty();
    }

    [Fact]
    public async Task The_delivery_loop_survives_providers_senders_and_observers_that_throw_the_unexpected()
    {
        await using var app = await QueueHost.StartAsync(
            new() { ["Postbacks:Endpoints:a:Url"] = "https://a.partner.test/pb?o=#on#" },
            services: s => s.AddSingleton<IPostbackEndpointProvider>(new ThrowingProvider()),
            respond: (sent, _) => sent.Url.Contains("o=s", StringComparison.Ordinal)
                ? throw new NastyException()
                : ValueTask.FromResult(FakePostbackSender.Result(sent, PostbackOutcome.Delivered)),
            throwingObserver: true);

        // Providers that throw for "p" transactions, a sender that throws for "s" ones, an observer that always throws,
        // each with an exception whose Message itself throws.
        for (var i = 0; i < 5; i++)
        {
            await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "p" + i });
            await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "s" + i });
            await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "ok" + i });
        }

        // Every transaction reaches endpoint "a" (a result each), and each failed provider call is a result too.
        await app.Observer.WaitForCompletedAsync(20, Patience);
        var completed = app.Observer.Completed;
        completed.Where(c => c.Result.EndpointName == "a").Should().HaveCount(15);
        completed.Where(c => c.Result.EndpointName == "a" && c.Transaction.OrderNumber!.StartsWith('s')).Should().OnlyContain(c => c.Result.Outcome == PostbackOutcome.Failed);
        completed.Where(c => c.Result.EndpointName == nameof(ThrowingProvider)).Should().HaveCount(5);
        app.Lifetime.ApplicationStopping.IsCancellationRequested.Should().BeFalse();

        await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "ok-after" });
        await app.Observer.WaitForCompletedAsync(21, Patience);
        await app.StopAsync().WaitAsync(Patience);
    }

    [Fact]
    public async Task A_slow_partner_with_a_backlog_does_not_hold_back_a_fast_one()
    {
        var slowGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await QueueHost.StartAsync(
            new()
            {
                ["Postbacks:Endpoints:slow:Url"] = "https://slow.partner.test/pb?o=#on#",
                ["Postbacks:Endpoints:slow:TrafficSources:0"] = "s",
                ["Postbacks:Endpoints:fast:Url"] = "https://fast.partner.test/pb?o=#on#",
                ["Postbacks:Endpoints:fast:TrafficSources:0"] = "f",
            },
            configure: q => { q.MaxPendingDeliveries = 8; q.MaxConcurrencyPerHost = 1; q.MaxConcurrency = 8; },
            respond: async (sent, ct) =>
            {
                if (sent.EndpointName == "slow")
                {
                    // The slow partner answers nothing until the test lets it.
                    await slowGate.Task.WaitAsync(ct);
                }

                return FakePostbackSender.Result(sent, PostbackOutcome.Delivered);
            });

        // A backlog for the slow partner first, then the fast partner's postbacks behind it in the queue.
        for (var i = 0; i < 20; i++)
        {
            await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "s" + i, TrafficSource = "s" });
        }

        for (var i = 0; i < 20; i++)
        {
            await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "f" + i, TrafficSource = "f" });
        }

        // Every fast postback completes while the slow partner still has its whole backlog.
        await app.Observer.WaitForCompletedAsync(20, Patience);
        app.Observer.Completed.Should().HaveCount(20).And.OnlyContain(c => c.Result.EndpointName == "fast");
        app.Sender.Sent.Count(s => s.EndpointName == "slow").Should().Be(1, "the slow partner has one slot, and its backlog waits for it");

        // Then the slow partner drains its backlog, in order, one at a time.
        slowGate.SetResult();
        await app.Observer.WaitForCompletedAsync(40, Patience);
        var order = app.Observer.Completed.Select(c => c.Result.EndpointName).ToList();
        order.Take(20).Should().OnlyContain(n => n == "fast", "all 20 fast postbacks completed before the first slow one");
        app.Observer.Completed.Where(c => c.Result.EndpointName == "slow").Select(c => c.Transaction.OrderNumber)
            .Should().Equal(Enumerable.Range(0, 20).Select(i => "s" + i));
        await app.StopAsync().WaitAsync(Patience);
    }

    [Fact]
    public async Task A_backlog_parked_behind_its_partner_still_counts_against_the_queue_capacity()
    {
        await using var app = await QueueHost.StartAsync(
            new() { ["Postbacks:Endpoints:slow:Url"] = "https://slow.partner.test/pb?o=#on#" },
            configure: q => { q.Capacity = 5; q.MaxPendingDeliveries = 8; q.MaxConcurrencyPerHost = 1; q.MaxConcurrency = 8; },
            respond: async (sent, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return FakePostbackSender.Result(sent, PostbackOutcome.Delivered);
            });

        await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "first" });
        await app.Sender.WaitForSentAsync(1, Patience);

        // Memory stays bounded: what waits for the partner (queued or parked) is limited by Capacity.
        var accepted = 1;
        for (var round = 0; round < 20; round++)
        {
            while (app.Queue.TryEnqueue(new PostbackTransaction { OrderNumber = "x" + accepted }))
            {
                accepted++;
                accepted.Should().BeLessThan(50, "a bounded queue must fill up");
            }

            await Task.Delay(20);
        }

        accepted.Should().BeLessThanOrEqualTo(1 + 5, "one in flight, and the queue's capacity for everything that waits");

        await app.StopAsync(drainTimeout: TimeSpan.FromMilliseconds(200)).WaitAsync(Patience);
        app.Observer.Abandoned.Should().HaveCount(accepted, "everything undelivered is reported");
    }

    [Fact]
    public async Task Observers_get_a_token_that_is_cancelled_when_the_drain_time_is_up()
    {
        var observerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await QueueHost.StartAsync(
            new() { ["Postbacks:Endpoints:a:Url"] = "https://a.partner.test/pb?o=#on#" },
            observe: async (_, ct) =>
            {
                try
                {
                    // A postback log that waits for its store, and honours the token.
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                    observerCancelled.TrySetResult();
                    throw;
                }
            });

        await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "1" });
        await app.Sender.WaitForSentAsync(1, Patience);

        await app.StopAsync(drainTimeout: TimeSpan.FromMilliseconds(300)).WaitAsync(Patience);
        // StopAsync stops waiting for the observer when its token is cancelled; the observer sees the cancellation too.
        await observerCancelled.Task.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_provider_that_ignores_cancellation_cannot_hang_shutdown()
    {
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var provider = new StuckProvider(called);
        await using var app = await QueueHost.StartAsync(
            new() { ["Postbacks:Endpoints:a:Url"] = "https://a.partner.test/pb?o=#on#" },
            services: s => s.AddSingleton<IPostbackEndpointProvider>(provider));

        await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "stuck" });
        await app.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = "behind" });
        await called.Task.WaitAsync(Patience);

        await app.StopAsync(drainTimeout: TimeSpan.FromMilliseconds(200)).WaitAsync(Patience);
        app.Observer.Abandoned.Select(a => a.Transaction.OrderNumber).Should().BeEquivalentTo(["stuck", "behind"], "both transactions are reported undelivered");
        provider.Release();
    }

    private sealed class NastyException : Exception
    {
        public override string Message => throw new InvalidOperationException("This exception cannot describe itself.");
    }

    private sealed class ThrowingProvider : IPostbackEndpointProvider
    {
        public ValueTask<IEnumerable<PostbackEndpointOptions>> GetEndpointsAsync(PostbackTransaction transaction, CancellationToken cancellationToken) =>
            transaction.OrderNumber!.StartsWith('p') ? throw new NastyException() : ValueTask.FromResult(Enumerable.Empty<PostbackEndpointOptions>());
    }

    private sealed class StuckProvider(TaskCompletionSource called) : IPostbackEndpointProvider
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<IEnumerable<PostbackEndpointOptions>> GetEndpointsAsync(PostbackTransaction transaction, CancellationToken cancellationToken)
        {
            called.TrySetResult();

            // Ignores the token.
            await _release.Task;
            return [];
        }

        public void Release() => _release.TrySetResult();
    }

    internal sealed class RecordingObserver(Func<PostbackResult, CancellationToken, Task>? observe, bool throwAfterRecording) : IPostbackDeliveryObserver
    {
        private readonly ConcurrentQueue<(PostbackTransaction Transaction, PostbackResult Result)> _completed = new();
        private readonly ConcurrentQueue<(PostbackTransaction Transaction, string? EndpointName, string Reason)> _abandoned = new();

        public IReadOnlyList<(PostbackTransaction Transaction, PostbackResult Result)> Completed => [.. _completed];

        public IReadOnlyList<(PostbackTransaction Transaction, string? EndpointName, string Reason)> Abandoned => [.. _abandoned];

        public async ValueTask OnCompletedAsync(PostbackTransaction transaction, PostbackResult result, CancellationToken cancellationToken)
        {
            if (observe is not null)
            {
                await observe(result, cancellationToken);
            }

            _completed.Enqueue((transaction, result));
            if (throwAfterRecording)
            {
                throw new NastyException();
            }
        }

        public ValueTask OnAbandonedAsync(PostbackTransaction transaction, string? endpointName, string reason, CancellationToken cancellationToken)
        {
            _abandoned.Enqueue((transaction, endpointName, reason));
            return default;
        }

        public async Task WaitForCompletedAsync(int count, TimeSpan patience)
        {
            using var cts = new CancellationTokenSource(patience);
            while (_completed.Count < count)
            {
                await Task.Delay(10, cts.Token);
            }
        }
    }

    private sealed class QueueHost : IAsyncDisposable
    {
        private readonly IHost _host;
        private readonly PostbackQueueOptions _queueOptions;
        private bool _stopped;

        private QueueHost(IHost host, IConfigurationRoot configuration, FakePostbackSender sender, RecordingObserver observer)
        {
            _host = host;
            Configuration = configuration;
            Sender = sender;
            Observer = observer;
            Queue = host.Services.GetRequiredService<IPostbackQueue>();
            Lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            Logs = host.Services.GetRequiredService<FakeLogCollector>();
            _queueOptions = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PostbackQueueOptions>>().Value;
        }

        public IConfigurationRoot Configuration { get; }

        public IPostbackQueue Queue { get; }

        public FakePostbackSender Sender { get; }

        public RecordingObserver Observer { get; }

        public IHostApplicationLifetime Lifetime { get; }

        public FakeLogCollector Logs { get; }

        public static async Task<QueueHost> StartAsync(
            Dictionary<string, string?> configuration,
            Action<PostbackQueueOptions>? configure = null,
            Func<SentPostback, CancellationToken, ValueTask<PostbackResult>>? respond = null,
            Action<IServiceCollection>? services = null,
            Func<PostbackResult, CancellationToken, Task>? observe = null,
            bool throwingObserver = false)
        {
            var sender = new FakePostbackSender();
            if (respond is not null)
            {
                sender.RespondWith(respond);
            }

            var observer = new RecordingObserver(observe, throwingObserver);
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Services.AddFakeLogging(o => o.CollectRecordsForDisabledLogLevels = false);
            builder.Logging.SetMinimumLevel(LogLevel.Information);
            builder.Services.AddSingleton<IPostbackDeliveryObserver>(observer);
            services?.Invoke(builder.Services);
            builder.Services.AddPostbacksForTests(builder.Configuration.GetSection(PostbackOptions.DefaultSectionName))
                .AddQueue(q =>
                {
                    q.DrainTimeout = Patience;
                    configure?.Invoke(q);
                })
                .UseSender(sender);
            var host = builder.Build();
            await host.StartAsync();
            return new QueueHost(host, builder.Configuration, sender, observer);
        }

        public async Task StopAsync(TimeSpan? drainTimeout = null)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            _queueOptions.DrainTimeout = drainTimeout ?? Patience;
            await _host.StopAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(Patience);
            _host.Dispose();
        }
    }
}
