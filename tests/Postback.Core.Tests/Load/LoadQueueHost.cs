using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Postback.Tests.Support;

namespace Postback.Tests.Load;

/// <summary>
/// The real queue and sender (<c>AddPostbacks().AddQueue()</c>, loopback allowed through <see cref="PostbackTestHost"/>),
/// with the hosted delivery service started and stopped by hand, as a host would.
/// </summary>
internal sealed class LoadQueueHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly IHostedService[] _services;
    private bool _stopped;

    private LoadQueueHost(ServiceProvider provider, LoadObserver observer)
    {
        _provider = provider;
        Observer = observer;
        Queue = provider.GetRequiredService<IPostbackQueue>();
        _services = [.. provider.GetServices<IHostedService>()];
    }

    public IPostbackQueue Queue { get; }

    public LoadObserver Observer { get; }

    /// <summary>Gets the services, for the parts of the library the throughput diagnosis calls directly.</summary>
    public IServiceProvider Services => _provider;

    /// <summary>Starts the queue with one endpoint per (name, URL template), each partner on its own loopback port.</summary>
    public static async Task<LoadQueueHost> StartAsync(
        IReadOnlyList<(string Name, string Url)> endpoints,
        Action<PostbackOptions> configure,
        Action<PostbackQueueOptions> queue,
        bool recordResults)
    {
        var observer = new LoadObserver(recordResults);
        var services = new ServiceCollection();

        // No logging provider: the library's log calls cost only their IsEnabled check, as in a quiet production host.
        services.AddLogging();
        services.AddSingleton<IPostbackDeliveryObserver>(observer);
        services.AddPostbacksForTests().AddQueue(queue);
        services.Configure<PostbackOptions>(o =>
        {
            foreach (var (name, url) in endpoints)
            {
                o.AddEndpoint(name, e => e.Url = url);
            }

            configure(o);
        });

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var host = new LoadQueueHost(provider, observer);
        foreach (var service in host._services)
        {
            await service.StartAsync(CancellationToken.None);
        }

        return host;
    }

    /// <summary>Stops as a host would: stop accepting, drain within <paramref name="drainTimeout"/>, report the rest as abandoned.</summary>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;

        // The delivery service reads DrainTimeout from this instance when it stops.
        _provider.GetRequiredService<IOptions<PostbackQueueOptions>>().Value.DrainTimeout = drainTimeout;
        foreach (var service in _services)
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromMilliseconds(100));
        await _provider.DisposeAsync();
    }
}

/// <summary>One final result, with the order number of its transaction.</summary>
internal sealed record LoadCompletion(string? OrderNumber, PostbackResult Result);

/// <summary>One postback (or whole transaction, when <paramref name="EndpointName"/> is null) abandoned at shutdown.</summary>
internal sealed record LoadAbandonment(string? OrderNumber, string? EndpointName, string Reason);

/// <summary>
/// Counts every observer call per endpoint, lock-free; optionally keeps every result. A goal (a predicate and a count)
/// completes with the <see cref="Stopwatch"/> timestamp of the call that reached it, so a run's end is measured where
/// it happens rather than when a waiting test notices.
/// </summary>
internal sealed class LoadObserver(bool recordResults) : IPostbackDeliveryObserver
{
    private readonly ConcurrentQueue<LoadCompletion> _completed = new();
    private readonly ConcurrentQueue<LoadAbandonment> _abandoned = new();
    private readonly ConcurrentDictionary<string, EndpointTally> _tallies = new(StringComparer.Ordinal);
    private Goal? _goal;

    /// <summary>Gets the results kept so far (only when recording).</summary>
    public IReadOnlyList<LoadCompletion> Completed => [.. _completed];

    /// <summary>Gets every abandonment (always kept: they are few).</summary>
    public IReadOnlyList<LoadAbandonment> Abandoned => [.. _abandoned];

    /// <summary>Returns the counts of one endpoint (all zero if it has had no call).</summary>
    public EndpointTally Tally(string endpointName) => _tallies.GetOrAdd(endpointName, static _ => new EndpointTally());

    /// <summary>Sets the goal for the next run: completes when <paramref name="target"/> results matching <paramref name="counts"/> have arrived.</summary>
    /// <returns>A task with the timestamp of the result that reached the goal.</returns>
    public Task<long> Arm(Func<PostbackResult, bool> counts, int target)
    {
        var goal = new Goal(counts, target);
        Volatile.Write(ref _goal, goal);
        return goal.Reached.Task;
    }

    public ValueTask OnCompletedAsync(PostbackTransaction transaction, PostbackResult result, CancellationToken cancellationToken)
    {
        Tally(result.EndpointName).Count(result);
        if (recordResults)
        {
            _completed.Enqueue(new LoadCompletion(transaction.OrderNumber, result));
        }

        Volatile.Read(ref _goal)?.Offer(result);
        return default;
    }

    public ValueTask OnAbandonedAsync(PostbackTransaction transaction, string? endpointName, string reason, CancellationToken cancellationToken)
    {
        _abandoned.Enqueue(new LoadAbandonment(transaction.OrderNumber, endpointName, reason));
        if (endpointName is not null)
        {
            Tally(endpointName).CountAbandoned();
        }

        return default;
    }

    private sealed class Goal(Func<PostbackResult, bool> counts, int target)
    {
        private int _count;

        public TaskCompletionSource<long> Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Offer(PostbackResult result)
        {
            if (counts(result) && Interlocked.Increment(ref _count) == target)
            {
                Reached.TrySetResult(Stopwatch.GetTimestamp());
            }
        }
    }
}

/// <summary>The observer calls for one endpoint.</summary>
internal sealed class EndpointTally
{
    private int _delivered;
    private int _failed;
    private int _other;
    private int _answered;
    private int _abandoned;

    /// <summary>Gets the results that were <see cref="PostbackOutcome.Delivered"/>.</summary>
    public int Delivered => Volatile.Read(ref _delivered);

    /// <summary>Gets the results that were <see cref="PostbackOutcome.Failed"/>.</summary>
    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Gets the results with any other outcome.</summary>
    public int Other => Volatile.Read(ref _other);

    /// <summary>Gets the results that carry an HTTP status code: the partner answered at least once.</summary>
    public int Answered => Volatile.Read(ref _answered);

    /// <summary>Gets the postbacks abandoned at shutdown.</summary>
    public int Abandoned => Volatile.Read(ref _abandoned);

    /// <summary>Gets every observer call: results and abandonments.</summary>
    public int Reported => Delivered + Failed + Other + Abandoned;

    public void Count(PostbackResult result)
    {
        switch (result.Outcome)
        {
            case PostbackOutcome.Delivered:
                Interlocked.Increment(ref _delivered);
                break;
            case PostbackOutcome.Failed:
                Interlocked.Increment(ref _failed);
                break;
            default:
                Interlocked.Increment(ref _other);
                break;
        }

        if (result.StatusCode is not null)
        {
            Interlocked.Increment(ref _answered);
        }
    }

    public void CountAbandoned() => Interlocked.Increment(ref _abandoned);
}
