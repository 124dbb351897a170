using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Postback.Tests.Support;

namespace Postback.Tests.Outbox;

/// <summary>
/// The outbox engine as a user runs it, driven by a fake clock: a host with <c>AddOutbox().UseSqlite(...)</c> on a real
/// database file, and a real Kestrel receiver on 127.0.0.1. Time only moves when a test moves it; the engine's loops run
/// for real, so tests wait for conditions (generous timeouts that only matter when something is broken), never for time.
/// </summary>
internal sealed class OutboxApp : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _folder;

    private OutboxApp(IHost host, FakeTimeProvider time, KestrelReceiver receiver, string folder)
    {
        Host = host;
        Time = time;
        Receiver = receiver;
        _folder = folder;
        Outbox = host.Services.GetRequiredService<IPostbackOutbox>();
        Store = Outbox.Store;
        Observer = (RecordingObserver)host.Services.GetServices<IPostbackDeliveryObserver>().Single(o => o is RecordingObserver);
        Health = (RecordingHealthObserver)host.Services.GetRequiredService<IPostbackEndpointHealthObserver>();
    }

    public IHost Host { get; }

    public FakeTimeProvider Time { get; }

    public KestrelReceiver Receiver { get; }

    public IPostbackOutbox Outbox { get; }

    public IPostbackOutboxStore Store { get; }

    public RecordingObserver Observer { get; }

    public RecordingHealthObserver Health { get; }

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Gets the log, for tests that check an event and for a failing test's story.</summary>
    public Microsoft.Extensions.Logging.Testing.FakeLogCollector Logs => Host.Services.GetRequiredService<Microsoft.Extensions.Logging.Testing.FakeLogCollector>();

    /// <summary>Starts a receiver (answering 200 unless told otherwise) and the host, unless <paramref name="start"/> is false.</summary>
    public static async Task<OutboxApp> StartAsync(
        Action<PostbackOutboxOptions>? outbox = null,
        Action<PostbackOptions>? postbacks = null,
        Action<IServiceCollection>? services = null,
        bool start = true,
        bool configuredEndpoint = true)
    {
        var receiver = await KestrelReceiver.StartAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        var folder = Path.Combine(Path.GetTempPath(), "postback-outbox-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Services.AddFakeLogging();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton<IPostbackDeliveryObserver, RecordingObserver>();
        builder.Services.AddSingleton<IPostbackEndpointHealthObserver, RecordingHealthObserver>();
        builder.Services.AddPostbacksForTests()
            .AddOutbox(o =>
            {
                o.Jitter = 0.2;
                outbox?.Invoke(o);
            })
            .UseSqlite(new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, "outbox.db") }.ToString());
        builder.Services.Configure<PostbackOptions>(o =>
        {
            // Each scheduled attempt must be exactly one request, so the breaker (which may refuse one) is off.
            o.CircuitBreaker.Enabled = false;
            if (configuredEndpoint)
            {
                o.AddEndpoint("acme", e => e.Url = receiver.BaseUrl + "/pb?o=#on#&sa=#sa#");
            }

            postbacks?.Invoke(o);
        });
        services?.Invoke(builder.Services);
        var host = builder.Build();
        var app = new OutboxApp(host, time, receiver, folder);
        if (start)
        {
            await host.StartAsync();
        }

        return app;
    }

    public static PostbackTransaction Transaction(string orderNumber) => new() { OrderNumber = orderNumber, SaleAmount = 10.50m };

    /// <summary>Waits until nothing is due by the fake clock and nothing is in flight: the engine has done all it can now.</summary>
    public Task SettleAsync() => WaitUntilAsync(async () =>
    {
        // In this order: a delivery claimed between the two reads shows as in flight; read the other way round it
        // could slip between them (not due any more, not yet seen in flight).
        var due = await Store.GetNextDueAsync();
        var stats = await Store.GetStatsAsync();
        return stats[PostbackDeliveryState.InFlight] == 0 && (due is null || due > Now);
    });

    /// <summary>
    /// Moves the clock and nudges the workers. The nudge stands in for the passing of real time: a worker that read the
    /// clock just before the jump would otherwise sleep its poll interval from the new time, which a fake clock never reaches.
    /// </summary>
    public void Advance(TimeSpan delta)
    {
        Time.Advance(delta);
        Outbox.Wake();
    }

    /// <summary>Moves the clock to the next due delivery (if it is in the future, and not past <paramref name="limit"/>), then settles.</summary>
    /// <returns><see langword="false"/> when nothing is pending (or the next is past the limit).</returns>
    public async Task<bool> AdvanceToNextDueAsync(DateTimeOffset? limit = null)
    {
        await SettleAsync();
        if (await Store.GetNextDueAsync() is not { } due || (limit is { } l && due > l))
        {
            return false;
        }

        if (due > Now)
        {
            Time.SetUtcNow(due);
            Outbox.Wake();
        }

        await SettleAsync();
        return true;
    }

    public async Task<IReadOnlyList<PostbackOutboxDelivery>> DeliveriesAsync() =>
        (await Store.QueryAsync(new PostbackOutboxFilter(), null, 1000)).Items;

    public async Task<PostbackOutboxDelivery> SingleAsync() => (await DeliveriesAsync()).Should().ContainSingle().Subject;

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? Patience);
        while (!await condition())
        {
            await Task.Delay(10, deadline.Token);
        }
    }

    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null) => WaitUntilAsync(() => Task.FromResult(condition()), timeout);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.StopAsync();
        }
        finally
        {
            Host.Dispose();
            await Receiver.DisposeAsync();
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

internal sealed class RecordingObserver : IPostbackDeliveryObserver
{
    public ConcurrentQueue<(PostbackTransaction Transaction, PostbackResult Result)> Completed { get; } = new();

    public ConcurrentQueue<(PostbackTransaction Transaction, string? EndpointName, string Reason)> Abandoned { get; } = new();

    public ValueTask OnCompletedAsync(PostbackTransaction transaction, PostbackResult result, CancellationToken cancellationToken)
    {
        Completed.Enqueue((transaction, result));
        return default;
    }

    public ValueTask OnAbandonedAsync(PostbackTransaction transaction, string? endpointName, string reason, CancellationToken cancellationToken)
    {
        Abandoned.Enqueue((transaction, endpointName, reason));
        return default;
    }
}

internal sealed class RecordingHealthObserver : IPostbackEndpointHealthObserver
{
    public ConcurrentQueue<PostbackOutboxEndpoint> Disabled { get; } = new();

    public ConcurrentQueue<string> Enabled { get; } = new();

    public ValueTask OnEndpointDisabledAsync(PostbackOutboxEndpoint endpoint, CancellationToken cancellationToken)
    {
        Disabled.Enqueue(endpoint);
        return default;
    }

    public ValueTask OnEndpointEnabledAsync(string endpointName, CancellationToken cancellationToken)
    {
        Enabled.Enqueue(endpointName);
        return default;
    }
}
