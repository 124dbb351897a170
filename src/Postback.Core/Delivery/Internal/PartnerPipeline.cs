using System;
using System.Net.Http;
using System.Threading;
using Polly;
using Polly.CircuitBreaker;

namespace Postback.Internal;

/// <summary>One partner authority's resilience pipeline, and until when its circuit is open.</summary>
internal sealed class PartnerPipeline(string authority, PostbackOptions options, TimeProvider time)
{
    private long _openUntilTicks;
    private long _refuseUntilTicks;
    private long _lastUsed;

    /// <summary>Gets or sets the use stamp (<see cref="PartnerPipelines"/>' use clock) at which this pipeline was last placed in the recency order.</summary>
    public long PlacedAt { get; set; }

    /// <summary>Gets the use stamp of the last send through this pipeline; racy by design, it only orders eviction.</summary>
    public long LastUsed => Volatile.Read(ref _lastUsed);

    /// <summary>Stamps a use; a plain write, so the send path takes no lock and contends on nothing.</summary>
    public void Used(long stamp) => Volatile.Write(ref _lastUsed, stamp);

    public string Authority { get; } = authority;

    /// <summary>Gets the options the pipeline was built with; a reload builds a new one.</summary>
    public PostbackOptions Options { get; } = options;

    public ResiliencePipeline<HttpResponseMessage> Pipeline { get; set; } = ResiliencePipeline<HttpResponseMessage>.Empty;

    /// <summary>Gets until when the circuit is open (or was, when this pipeline replaced an evicted one); in the past when it is closed.</summary>
    public DateTimeOffset OpenUntil
    {
        get
        {
            var ticks = Math.Max(Interlocked.Read(ref _openUntilTicks), Interlocked.Read(ref _refuseUntilTicks));
            return new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Called by the breaker when it opens.</summary>
    public void Opened(TimeSpan breakDuration) =>
        Interlocked.Exchange(ref _openUntilTicks, Until(breakDuration));

    /// <summary>Called by the breaker when it closes.</summary>
    public void Closed() => Interlocked.Exchange(ref _openUntilTicks, 0);

    /// <summary>Refuses every send until then: the circuit of the evicted pipeline this one replaces was open.</summary>
    public void RefuseUntil(DateTimeOffset until) => Interlocked.Exchange(ref _refuseUntilTicks, until.UtcTicks);

    /// <summary>Throws what an open breaker throws while this pipeline inherits an open circuit.</summary>
    public void ThrowIfRefused()
    {
        var until = Interlocked.Read(ref _refuseUntilTicks);
        if (until != 0 && time.GetUtcNow().UtcTicks < until)
        {
            throw new BrokenCircuitException("The circuit is open.");
        }
    }

    private long Until(TimeSpan breakDuration)
    {
        var now = time.GetUtcNow();
        return breakDuration >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue.UtcTicks : (now + breakDuration).UtcTicks;
    }
}
