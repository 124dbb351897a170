using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Postback.Benchmarks;

/// <summary>
/// What the in-memory queue itself costs per postback: the real <c>AddQueue()</c> delivery service (channel, endpoint
/// lookup, per-host admission, budgets, the observer call) with a sender that answers at once, so nothing else is
/// measured. Each operation enqueues 1,000 transactions and waits until the observer has all 1,000 results; the
/// baseline makes the same 1,000 calls to the same sender directly, 32 at a time, as the queue does.
/// </summary>
[MemoryDiagnoser]
public class QueueOverheadBenchmarks : IDisposable
{
    private const int Postbacks = 1000;
    private const int Concurrency = 32;

    private readonly PostbackTransaction[] _transactions = Enumerable.Range(0, Postbacks)
        .Select(static i => new PostbackTransaction { OrderNumber = "ORD-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        .ToArray();

    private ServiceProvider _services = null!;
    private IHostedService[] _hosted = [];
    private IPostbackQueue _queue = null!;
    private CountingObserver _observer = null!;
    private InstantSender _sender = null!;
    private PostbackEndpoint _endpoint = null!;

    [GlobalSetup]
    public void Setup()
    {
        _observer = new CountingObserver();
        _sender = new InstantSender();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IPostbackDeliveryObserver>(_observer);
        services.AddPostbacks(static o => o.AddEndpoint("partner", static e => e.Url = "http://127.0.0.1:9/pb?on=#on#"))
            .AddQueue(static q =>
            {
                q.MaxConcurrency = Concurrency;
                q.MaxConcurrencyPerHost = Concurrency;
                q.Capacity = Postbacks;
            });

        // Registered last, so the delivery service gets it: nothing is sent anywhere.
        services.AddSingleton<IPostbackSender>(_sender);
        _services = services.BuildServiceProvider();
        _queue = _services.GetRequiredService<IPostbackQueue>();
        _hosted = [.. _services.GetServices<IHostedService>()];
        foreach (var service in _hosted)
        {
            service.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        _endpoint = new PostbackEndpoint("partner", PostbackTemplate.Parse("http://127.0.0.1:9/pb?on=#on#"));

        // The queue really delivers through the replacement sender.
        Queue().GetAwaiter().GetResult();
        if (_sender.Calls != Postbacks)
        {
            throw new InvalidOperationException($"The queue made {_sender.Calls} sends for {Postbacks} transactions.");
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        foreach (var service in _hosted)
        {
            service.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        _services?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Postbacks, Description = "Sender called directly, 32 at a time")]
    public async Task Direct()
    {
        using var slots = new SemaphoreSlim(Concurrency, Concurrency);
        var running = new Task[Postbacks];
        for (var i = 0; i < Postbacks; i++)
        {
            await slots.WaitAsync();
            running[i] = SendOneAsync(_transactions[i], slots);
        }

        await Task.WhenAll(running);
    }

    [Benchmark(OperationsPerInvoke = Postbacks, Description = "IPostbackQueue: enqueue, deliver, observe")]
    public Task Queue()
    {
        var done = _observer.Expect(Postbacks);
        foreach (var transaction in _transactions)
        {
            if (!_queue.TryEnqueue(transaction))
            {
                throw new InvalidOperationException("The queue is full.");
            }
        }

        return done;
    }

    private async Task SendOneAsync(PostbackTransaction transaction, SemaphoreSlim slots)
    {
        try
        {
            // The queue runs each delivery off its reader, so the direct loop hops to the thread pool too.
            await Task.Yield();
            await _sender.SendAsync(_endpoint, transaction);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Delivers at once: nothing leaves the process.</summary>
    private sealed class InstantSender : IPostbackSender
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public ValueTask<PostbackResult> SendAsync(PostbackEndpoint endpoint, PostbackTransaction transaction, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return ValueTask.FromResult(new PostbackResult { EndpointName = endpoint.Name, Outcome = PostbackOutcome.Delivered, StatusCode = 200, Attempts = 1 });
        }

        public ValueTask<PostbackResult> SendAsync(PostbackRequest request, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new PostbackResult { EndpointName = request.EndpointName, Outcome = PostbackOutcome.Delivered, StatusCode = 200, Attempts = 1 });
    }

    /// <summary>Completes a task when the expected number of results has arrived.</summary>
    private sealed class CountingObserver : IPostbackDeliveryObserver
    {
        private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _left;

        public Task Expect(int count)
        {
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _left, count);
            return _done.Task;
        }

        public ValueTask OnCompletedAsync(PostbackTransaction transaction, PostbackResult result, CancellationToken cancellationToken)
        {
            if (result.Outcome != PostbackOutcome.Delivered)
            {
                _done.TrySetException(new InvalidOperationException("Not delivered: " + result));
            }
            else if (Interlocked.Decrement(ref _left) == 0)
            {
                _done.TrySetResult();
            }

            return default;
        }

        public ValueTask OnAbandonedAsync(PostbackTransaction transaction, string? endpointName, string reason, CancellationToken cancellationToken)
        {
            _done.TrySetException(new InvalidOperationException("Abandoned: " + reason));
            return default;
        }
    }
}
