using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Postback.Tests.Load;

/// <summary>The three ways the harness delivers: the in-memory queue (baseline), the SQLite outbox, the PostgreSQL outbox.</summary>
internal enum LoadSide
{
    Queue,
    Sqlite,
    PostgreSql,
}

/// <summary>How one node is set up.</summary>
internal sealed record LoadNodeSettings(LoadSide Side, string ReceiverUrl)
{
    public string? SqlitePath { get; init; }

    public string? PostgreSqlConnection { get; init; }

    public string? Schema { get; init; }

    public bool Listen { get; init; } = true;

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets the concurrency, overall and per host: the receiver is one host, so both are the same.</summary>
    public int Concurrency { get; init; } = 64;
}

/// <summary>
/// One node as an application runs it: a generic host with <c>AddPostbacks()</c> and the queue or the outbox on its
/// store, one endpoint (the receiver, <c>?o=#on#</c>), circuit breaker off so that each scheduled attempt is exactly one
/// request. The outbox's store is wrapped in a <see cref="TimedStore"/>. A node that is never started is a producer only:
/// its engine enqueues, and it has no workers.
/// </summary>
internal sealed class LoadNode : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _started;

    private LoadNode(IHost host, LoadNodeSettings settings)
    {
        _host = host;
        Settings = settings;
        Queue = host.Services.GetRequiredService<IPostbackQueue>();
        Outbox = host.Services.GetService<IPostbackOutbox>();
        Store = Outbox?.Store as TimedStore;
        Observer = host.Services.GetServices<IPostbackDeliveryObserver>().OfType<CountingObserver>().Single();
    }

    public LoadNodeSettings Settings { get; }

    public IPostbackQueue Queue { get; }

    public IPostbackOutbox? Outbox { get; }

    public TimedStore? Store { get; }

    public CountingObserver Observer { get; }

    public IServiceProvider Services => _host.Services;

    public static PostbackTransaction Transaction(int seq) => new()
    {
        OrderNumber = seq.ToString(CultureInfo.InvariantCulture),
        SaleAmount = 10.50m,
    };

    public static LoadNode Create(LoadNodeSettings settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddLogging();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddSingleton<IPostbackDeliveryObserver, CountingObserver>();
        var postbacks = builder.Services.AddPostbacks();
        builder.Services.Configure<PostbackOptions>(o =>
        {
            o.Security.AllowedNetworks.Add("127.0.0.1/32");
            o.CircuitBreaker.Enabled = false;
            o.AddEndpoint("load", e => e.Url = settings.ReceiverUrl + "/pb?o=#on#&sa=#sa#");
        });

        switch (settings.Side)
        {
            case LoadSide.Queue:
                postbacks.AddQueue(q =>
                {
                    q.MaxConcurrency = settings.Concurrency;
                    q.MaxConcurrencyPerHost = settings.Concurrency;
                });
                break;
            case LoadSide.Sqlite:
                postbacks.AddOutbox(o => Tune(o, settings)).UseSqlite($"Data Source={settings.SqlitePath}");
                builder.Services.Replace(ServiceDescriptor.Singleton<IPostbackOutboxStore>(static sp => new TimedStore(sp.GetRequiredService<SqlitePostbackOutboxStore>())));
                break;
            case LoadSide.PostgreSql:
                postbacks.AddOutbox(o => Tune(o, settings)).UsePostgreSql(settings.PostgreSqlConnection!, p =>
                {
                    p.Schema = settings.Schema!;
                    p.ListenForNotifications = settings.Listen;
                });
                builder.Services.Replace(ServiceDescriptor.Singleton<IPostbackOutboxStore>(static sp => new TimedStore(sp.GetRequiredService<PostgreSqlPostbackOutboxStore>())));
                break;
        }

        return new LoadNode(builder.Build(), settings);
    }

    public async Task StartAsync()
    {
        _started = true;
        await _host.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _host.StopAsync(stop.Token);
        }

        if (_host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }
    }

    private static void Tune(PostbackOutboxOptions o, LoadNodeSettings settings)
    {
        o.MaxConcurrency = settings.Concurrency;
        o.MaxConcurrencyPerHost = settings.Concurrency;
        o.PollInterval = settings.PollInterval;

        // The harness purges explicitly (zero retention) after measuring the size; the housekeeping loop must not.
        o.Retention.PurgeInterval = TimeSpan.FromDays(1);
        o.Retention.Finished = TimeSpan.FromDays(30);
    }
}

/// <summary>Counts the final results a node reports (every one, whatever the outcome).</summary>
internal sealed class CountingObserver : IPostbackDeliveryObserver
{
    private int _delivered;
    private int _other;
    private int _abandoned;

    public int Delivered => Volatile.Read(ref _delivered);

    public int Other => Volatile.Read(ref _other);

    public int Abandoned => Volatile.Read(ref _abandoned);

    public int Reported => Delivered + Other + Abandoned;

    public ValueTask OnCompletedAsync(PostbackTransaction transaction, PostbackResult result, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref result.Outcome == PostbackOutcome.Delivered ? ref _delivered : ref _other);
        return default;
    }

    public ValueTask OnAbandonedAsync(PostbackTransaction transaction, string? endpointName, string reason, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _abandoned);
        return default;
    }
}
