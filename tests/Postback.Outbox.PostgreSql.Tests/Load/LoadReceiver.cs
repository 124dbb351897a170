using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Postback.Tests.Load;

/// <summary>
/// A do-nothing partner for the outbox load harness: Kestrel on 127.0.0.1, answering 200 with no body. Each request's
/// <c>o</c> query value is the postback's sequence number in the current <see cref="LoadRun"/>, which records the first
/// arrival of each (for the enqueue-to-first-attempt latency) and counts repeats.
/// </summary>
internal sealed class LoadReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private LoadRun? _run;
    private long _stray;

    private LoadReceiver(WebApplication app) => _app = app;

    /// <summary>Gets the base URL, <c>http://127.0.0.1:port</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Gets the requests that belonged to no run (wrong or missing sequence number).</summary>
    public long Stray => Interlocked.Read(ref _stray);

    public static async Task<LoadReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new LoadReceiver(app);
        app.Run(receiver.Handle);
        await app.StartAsync();
        var url = new Uri(app.Urls.First());
        url.Host.Should().Be("127.0.0.1", "load traffic stays on loopback");
        receiver.BaseUrl = $"http://127.0.0.1:{url.Port}";
        return receiver;
    }

    /// <summary>Starts recording a run of <paramref name="count"/> postbacks numbered 0 to count - 1.</summary>
    public LoadRun Begin(int count)
    {
        var run = new LoadRun(count);
        Volatile.Write(ref _run, run);
        return run;
    }

    public async ValueTask DisposeAsync()
    {
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await _app.StopAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await _app.DisposeAsync();
    }

    private Task Handle(HttpContext context)
    {
        var now = Stopwatch.GetTimestamp();
        var run = Volatile.Read(ref _run);
        if (run is null || !int.TryParse(context.Request.Query["o"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) || !run.Hit(seq, now))
        {
            Interlocked.Increment(ref _stray);
        }

        context.Response.StatusCode = 200;
        return Task.CompletedTask;
    }
}

/// <summary>One measured run: enqueue and first-arrival timestamps per postback, and the repeats.</summary>
internal sealed class LoadRun
{
    private readonly long[] _enqueuedAt;
    private readonly long[] _firstHitAt;
    private readonly int[] _hits;
    private readonly TaskCompletionSource<long> _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _distinct;
    private int _repeats;

    public LoadRun(int count)
    {
        Count = count;
        _enqueuedAt = new long[count];
        _firstHitAt = new long[count];
        _hits = new int[count];
        Started = Stopwatch.GetTimestamp();
    }

    public int Count { get; }

    /// <summary>Gets or sets the timestamp the run's clock starts at (its first enqueue).</summary>
    public long Started { get; set; }

    /// <summary>Gets the postbacks that arrived at least once.</summary>
    public int Distinct => Volatile.Read(ref _distinct);

    /// <summary>Gets the requests beyond the first for the same postback.</summary>
    public int Repeats => Volatile.Read(ref _repeats);

    public void MarkEnqueued(int seq) => _enqueuedAt[seq] = Stopwatch.GetTimestamp();

    public bool Hit(int seq, long now)
    {
        if ((uint)seq >= (uint)Count)
        {
            return false;
        }

        if (Interlocked.Increment(ref _hits[seq]) == 1)
        {
            _firstHitAt[seq] = now;
            if (Interlocked.Increment(ref _distinct) == Count)
            {
                _all.TrySetResult(now);
            }
        }
        else
        {
            Interlocked.Increment(ref _repeats);
        }

        return true;
    }

    /// <summary>Waits (bounded) until every postback arrived; returns the elapsed seconds from <see cref="Started"/> to the last first arrival.</summary>
    public async Task<double> WaitAllAsync(TimeSpan patience)
    {
        try
        {
            var last = await _all.Task.WaitAsync(patience);
            return Stopwatch.GetElapsedTime(Started, last).TotalSeconds;
        }
        catch (TimeoutException)
        {
            return double.NaN;
        }
    }

    /// <summary>Gets the postbacks that arrived exactly once.</summary>
    public int ExactlyOnce => _hits.Count(h => h == 1);

    /// <summary>Enqueue-to-first-arrival latency in milliseconds: p50, p99 and max, over the postbacks that arrived (the first <paramref name="first"/> only, when given).</summary>
    public (double P50, double P99, double Max) Latency(int? first = null)
    {
        var samples = new List<double>(Count);
        for (var i = 0; i < (first ?? Count); i++)
        {
            if (_firstHitAt[i] != 0 && _enqueuedAt[i] != 0)
            {
                samples.Add(Stopwatch.GetElapsedTime(_enqueuedAt[i], _firstHitAt[i]).TotalMilliseconds);
            }
        }

        if (samples.Count == 0)
        {
            return (double.NaN, double.NaN, double.NaN);
        }

        samples.Sort();
        return (Percentile(samples, 0.50), Percentile(samples, 0.99), samples[^1]);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
