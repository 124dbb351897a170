using System.Diagnostics;

namespace Postback.Tests.Load;

/// <summary>
/// Wraps the engine's store to count calls, rows and time per operation: the harness's in-process breakdown of where an
/// end-to-end run spends its time in the database (dotnet-trace is not available on the load machine).
/// </summary>
internal sealed class TimedStore(IPostbackOutboxStore inner) : IPostbackOutboxStore
{
    private readonly Op _enqueue = new();
    private readonly Op _claim = new();
    private readonly Op _complete = new();
    private readonly Op _nextDue = new();

    public IPostbackOutboxStore Inner => inner;

    public string Breakdown(double seconds) =>
        $"enqueue {_enqueue.Describe(seconds)}; claim {_claim.Describe(seconds)}; complete {_complete.Describe(seconds)}; next-due {_nextDue.Describe(seconds)}";

    public void Reset()
    {
        _enqueue.Reset();
        _claim.Reset();
        _complete.Reset();
        _nextDue.Reset();
    }

    public ValueTask InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public async ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, CancellationToken cancellationToken = default)
    {
        var start = Stopwatch.GetTimestamp();
        var ids = await inner.EnqueueAsync(entries, cancellationToken);
        _enqueue.Add(start, entries.Count);
        return ids;
    }

    public async ValueTask<IReadOnlyList<PostbackOutboxLease>> ClaimAsync(PostbackOutboxClaim claim, CancellationToken cancellationToken = default)
    {
        var start = Stopwatch.GetTimestamp();
        var leases = await inner.ClaimAsync(claim, cancellationToken);
        _claim.Add(start, leases.Count);
        return leases;
    }

    public async ValueTask<PostbackOutboxCompletionResult> CompleteAsync(IReadOnlyList<PostbackOutboxCompletion> completions, PostbackEndpointHealthPolicy policy, CancellationToken cancellationToken = default)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await inner.CompleteAsync(completions, policy, cancellationToken);
        _complete.Add(start, completions.Count);
        return result;
    }

    public async ValueTask<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken = default)
    {
        var start = Stopwatch.GetTimestamp();
        var due = await inner.GetNextDueAsync(cancellationToken);
        _nextDue.Add(start, 0);
        return due;
    }

    public ValueTask<IReadOnlyList<PostbackOutboxEndpoint>> GetEndpointsAsync(CancellationToken cancellationToken = default) => inner.GetEndpointsAsync(cancellationToken);

    public ValueTask<bool> SetEndpointEnabledAsync(string endpointName, bool enabled, string? reason, CancellationToken cancellationToken = default) =>
        inner.SetEndpointEnabledAsync(endpointName, enabled, reason, cancellationToken);

    public ValueTask<PostbackOutboxPage> QueryAsync(PostbackOutboxFilter filter, long? beforeId, int limit, CancellationToken cancellationToken = default) =>
        inner.QueryAsync(filter, beforeId, limit, cancellationToken);

    public ValueTask<PostbackOutboxDelivery?> GetAsync(long id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

    public ValueTask<IReadOnlyList<PostbackOutboxAttempt>> GetAttemptsAsync(long id, CancellationToken cancellationToken = default) => inner.GetAttemptsAsync(id, cancellationToken);

    public ValueTask<int> ReplayAsync(PostbackOutboxFilter filter, CancellationToken cancellationToken = default) => inner.ReplayAsync(filter, cancellationToken);

    public ValueTask<long> PurgeAsync(TimeSpan finishedAge, TimeSpan deadAge, CancellationToken cancellationToken = default) => inner.PurgeAsync(finishedAge, deadAge, cancellationToken);

    public ValueTask<PostbackOutboxStats> GetStatsAsync(CancellationToken cancellationToken = default) => inner.GetStatsAsync(cancellationToken);

    private sealed class Op
    {
        private long _calls;
        private long _rows;
        private long _ticks;

        public void Add(long start, int rows)
        {
            Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - start);
            Interlocked.Increment(ref _calls);
            Interlocked.Add(ref _rows, rows);
        }

        public void Reset()
        {
            Interlocked.Exchange(ref _calls, 0);
            Interlocked.Exchange(ref _rows, 0);
            Interlocked.Exchange(ref _ticks, 0);
        }

        public string Describe(double seconds)
        {
            var calls = Interlocked.Read(ref _calls);
            var ms = Interlocked.Read(ref _ticks) * 1000.0 / Stopwatch.Frequency;
            return calls == 0
                ? "0 calls"
                : $"{calls:N0} calls, {Interlocked.Read(ref _rows) / (double)calls:F1} rows/call, {ms / calls:F2} ms/call, busy {ms / 10.0 / seconds:F0}% of the run";
        }
    }
}
