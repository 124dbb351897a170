using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Telemetry;

namespace Postback.Internal;

/// <summary>
/// The resilience pipeline of each partner authority (scheme, host and port), each with its own circuit breaker, kept
/// in a bounded least-recently-used set: one partner's failures never open another's circuit, and memory stays bounded
/// however many hosts a host macro produces (<see cref="PostbackCircuitBreakerOptions.MaxHosts"/>).
/// </summary>
/// <remarks>
/// A send finds its partner without a lock (a concurrent dictionary) and stamps it with a use count; the recency list is
/// brought up to date from those stamps only when a new partner needs room, under the lock. The bound holds because
/// partners are only added under the lock, after making room.
/// Eviction never closes an open circuit early. It takes the least recently used partner whose circuit is not open;
/// when the oldest ones are all open, it takes the oldest and remembers until when its circuit is open (in a set of
/// four times the bound, where an expired entry, else the one whose break ends soonest, makes room), and a pipeline built again for that authority refuses until then.
/// </remarks>
internal sealed class PartnerPipelines
{
    /// <summary>The pipeline name in Polly's telemetry (as <c>AddResilienceHandler("postback")</c> named it on this client).</summary>
    public const string PipelineName = PostbackHttpPipeline.HttpClientName + "-postback";

    // How far from the least recently used end eviction looks for a partner whose circuit is closed.
    private const int EvictionScan = 32;

    // Evicted open circuits remembered per live pipeline: a name and a time, a few dozen bytes against kilobytes.
    private const int RememberedPerHost = 4;

    private readonly LastValidPostbackOptions _options;
    private readonly TimeProvider _time;
    private readonly PostbackTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly ResilienceCustomization[] _customizations;
    private readonly TelemetryOptions _telemetryOptions;
    private readonly Lock _gate = new();
    // Read without the lock; written only under it.
    private readonly ConcurrentDictionary<string, PartnerPipeline> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LinkedListNode<PartnerPipeline>> _nodes = new(StringComparer.Ordinal);
    private readonly LinkedList<PartnerPipeline> _recency = new(); // most recently placed first
    private long _useClock;
    private readonly Dictionary<string, DateTimeOffset> _openEvicted = new(StringComparer.Ordinal);

    public PartnerPipelines(
        LastValidPostbackOptions options,
        TimeProvider time,
        PostbackTelemetry telemetry,
        ILoggerFactory loggers,
        IEnumerable<ResilienceCustomization> customizations,
        IOptions<TelemetryOptions> telemetryOptions)
    {
        _options = options;
        _time = time;
        _telemetry = telemetry;
        _logger = loggers.CreateLogger<DefaultPostbackSender>();
        _customizations = [.. customizations];
        _telemetryOptions = telemetryOptions.Value;
    }

    /// <summary>Gets how many partners have a live pipeline.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _nodes.Count;
            }
        }
    }

    /// <summary>Gets how many evicted partners are remembered because their circuit was open.</summary>
    public int RememberedOpenCount
    {
        get
        {
            lock (_gate)
            {
                return _openEvicted.Count;
            }
        }
    }

    /// <summary>The key of a request's partner: scheme, host and port (never the user info, which a value could fill).</summary>
    public static string AuthorityOf(Uri uri) => AuthorityOf(uri, uri.IdnHost);

    /// <summary>The key of a request's partner, for a caller that already has the URL's <see cref="Uri.IdnHost"/>.</summary>
    public static string AuthorityOf(Uri uri, string idnHost) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{uri.Scheme}://{idnHost}:{uri.Port}");

    /// <summary>Returns the partner's pipeline, building it (for the current options) when it is not live.</summary>
    public PartnerPipeline Get(string authority) => Get(authority, _options.Current);

    /// <summary>Returns the partner's pipeline for these options (the ones the send read), building it when it is not live.</summary>
    public PartnerPipeline Get(string authority, PostbackOptions options)
    {
        if (_live.TryGetValue(authority, out var live) && ReferenceEquals(live.Options, options))
        {
            // Only a partner that is not already the most recent takes a new stamp: a hot partner writes nothing shared.
            var clock = Volatile.Read(ref _useClock);
            if (live.LastUsed != clock)
            {
                live.Used(Interlocked.Increment(ref _useClock));
            }

            return live;
        }

        return GetOrBuild(authority, options);
    }

    private PartnerPipeline GetOrBuild(string authority, PostbackOptions options)
    {
        // Built outside the lock: a pipeline takes microseconds, and other partners should not wait for it.
        var built = Build(authority, options);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_nodes.TryGetValue(authority, out var node))
            {
                if (ReferenceEquals(node.Value.Options, options))
                {
                    node.Value.Used(Interlocked.Increment(ref _useClock));
                    return node.Value; // another send built it first
                }

                // The options were reloaded: the new pipeline keeps an open circuit open.
                built.RefuseUntil(node.Value.OpenUntil);
                Remove(node);
            }

            if (_openEvicted.Remove(authority, out var until) && until > now)
            {
                built.RefuseUntil(until);
            }

            var bound = Math.Max(1, options.CircuitBreaker.MaxHosts);
            if (_nodes.Count >= bound)
            {
                Reorder();
            }

            while (_nodes.Count >= bound)
            {
                EvictOne(now, bound);
            }

            var stamp = Interlocked.Increment(ref _useClock);
            built.Used(stamp);
            built.PlacedAt = stamp;
            _nodes[authority] = _recency.AddFirst(built);
            _live[authority] = built;
            return built;
        }
    }

    /// <summary>
    /// Moves the partners used since they were placed to the front, in the order of their last use, so the old end of
    /// the list holds the least recently used ones again. It stops once eviction has enough unused partners to choose
    /// from; each use moves a partner at most once, so the work is paid per use, not per partner.
    /// </summary>
    private void Reorder()
    {
        List<LinkedListNode<PartnerPipeline>>? used = null;
        var unused = 0;
        for (var node = _recency.Last; node is not null && unused <= EvictionScan;)
        {
            var previous = node.Previous;
            if (node.Value.LastUsed != node.Value.PlacedAt)
            {
                _recency.Remove(node);
                (used ??= []).Add(node);
            }
            else
            {
                unused++;
            }

            node = previous;
        }

        if (used is null)
        {
            return;
        }

        used.Sort(static (a, b) => a.Value.LastUsed.CompareTo(b.Value.LastUsed));
        foreach (var node in used)
        {
            node.Value.PlacedAt = node.Value.LastUsed;
            _recency.AddFirst(node);
        }
    }

    private void EvictOne(DateTimeOffset now, int bound)
    {
        var candidate = _recency.Last!;
        var node = candidate;
        for (var scanned = 0; node is not null && scanned < EvictionScan; scanned++, node = node.Previous)
        {
            if (node.Value.OpenUntil <= now)
            {
                Remove(node);
                return;
            }
        }

        // The oldest partners all have an open circuit: evict the oldest, and remember until when it is open.
        Remove(candidate);
        if (_openEvicted.Count >= RememberedPerHost * bound)
        {
            ForgetOneRemembered(now);
        }

        _openEvicted[candidate.Value.Authority] = candidate.Value.OpenUntil;
    }

    private void Remove(LinkedListNode<PartnerPipeline> node)
    {
        _recency.Remove(node);
        _nodes.Remove(node.Value.Authority);
        _live.TryRemove(node.Value.Authority, out _);
    }

    private void ForgetOneRemembered(DateTimeOffset now)
    {
        // Expired ones first; when none has expired, the one whose break ends soonest.
        string? soonest = null;
        var soonestUntil = DateTimeOffset.MaxValue;
        List<string>? expired = null;
        foreach (var (authority, until) in _openEvicted)
        {
            if (until <= now)
            {
                (expired ??= []).Add(authority);
            }
            else if (until < soonestUntil)
            {
                (soonest, soonestUntil) = (authority, until);
            }
        }

        if (expired is not null)
        {
            foreach (var authority in expired)
            {
                _openEvicted.Remove(authority);
            }
        }
        else if (soonest is not null)
        {
            _openEvicted.Remove(soonest);
        }
    }

    private PartnerPipeline Build(string authority, PostbackOptions options)
    {
        var partner = new PartnerPipeline(authority, options, _time);
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { Name = PipelineName, TimeProvider = _time };
        PostbackHttpPipeline.ConfigurePipeline(builder, options, _time, _telemetry, _logger, partner);
        foreach (var extra in _customizations)
        {
            extra.Configure(builder);
        }

        builder.ConfigureTelemetry(_telemetryOptions);
        partner.Pipeline = builder.Build();
        return partner;
    }
}
