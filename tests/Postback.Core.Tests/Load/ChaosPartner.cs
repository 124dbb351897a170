using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Postback.Tests.Support;

namespace Postback.Tests.Load;

/// <summary>
/// A misbehaving partner: a real Kestrel receiver on 127.0.0.1 that answers 503 to a share of requests, resets the
/// connection (<see cref="HttpContext.Abort"/>, instead of any response) for another share, and 200 otherwise. The
/// choice is seeded per request: a hash of (seed, idempotency key, how many requests with that key came before), so
/// a run is reproducible whatever order the concurrent requests arrive in. It records, per idempotency key, the
/// requests, the answers and every order number (the <c>on</c> query value) the key came with.
/// </summary>
internal sealed class ChaosPartner : IAsyncDisposable
{
    /// <summary>The header the sender puts the key in (the default <see cref="PostbackOptions.IdempotencyHeaderName"/>).</summary>
    public const string KeyHeader = "Idempotency-Key";

    private readonly ConcurrentDictionary<string, KeyRecord> _keys = new(StringComparer.Ordinal);
    private readonly int _seed;
    private readonly double _unavailableRate;
    private readonly double _resetRate;
    private int _requests;
    private int _ok;
    private int _unavailable;
    private int _resets;
    private int _missingKey;

    private ChaosPartner(int seed, double unavailableRate, double resetRate)
    {
        _seed = seed;
        _unavailableRate = unavailableRate;
        _resetRate = resetRate;
    }

    public KestrelReceiver Receiver { get; private set; } = null!;

    public int Requests => Volatile.Read(ref _requests);

    public int Ok => Volatile.Read(ref _ok);

    public int Unavailable => Volatile.Read(ref _unavailable);

    public int Resets => Volatile.Read(ref _resets);

    public int MissingKey => Volatile.Read(ref _missingKey);

    /// <summary>Gets what arrived per idempotency key.</summary>
    public IReadOnlyDictionary<string, KeyRecord> Keys => _keys;

    public static async Task<ChaosPartner> StartAsync(int seed, double unavailableRate, double resetRate)
    {
        var partner = new ChaosPartner(seed, unavailableRate, resetRate);

        // Counting mode: the partner keeps its own light per-key record instead of a copy of every request.
        partner.Receiver = await KestrelReceiver.StartAsync(partner.HandleAsync, recordRequests: false);
        return partner;
    }

    /// <summary>
    /// A number in [0, 1) from (seed, key, arrival): FNV-1a over the key, then the SplitMix64 finaliser. Stable across
    /// processes and machines (unlike <see cref="string.GetHashCode()"/>).
    /// </summary>
    public static double Roll(int seed, string key, int arrival)
    {
        var h = 14695981039346656037UL ^ (uint)seed;
        foreach (var c in key)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        h = (h ^ (uint)arrival) * 1099511628211UL;
        h ^= h >> 30;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 27;
        h *= 0x94D049BB133111EBUL;
        h ^= h >> 31;
        return (h >> 11) * (1.0 / (1UL << 53));
    }

    public ValueTask DisposeAsync() => Receiver.DisposeAsync();

    private Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var key = context.Request.Headers[KeyHeader].ToString();
        if (key.Length == 0)
        {
            Interlocked.Increment(ref _missingKey);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Task.CompletedTask;
        }

        var order = context.Request.Query["on"].ToString();
        var record = _keys.GetOrAdd(key, static (_, first) => new KeyRecord(first), order);
        var arrival = record.Arrive(order);
        var roll = Roll(_seed, key, arrival);
        if (roll < _unavailableRate)
        {
            record.CountUnavailable();
            Interlocked.Increment(ref _unavailable);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        }
        else if (roll < _unavailableRate + _resetRate)
        {
            // The request was read; the connection goes away instead of any response.
            record.CountReset();
            Interlocked.Increment(ref _resets);
            context.Abort();
        }
        else
        {
            record.CountOk();
            Interlocked.Increment(ref _ok);
            context.Response.StatusCode = StatusCodes.Status200OK;
        }

        return Task.CompletedTask;
    }

    /// <summary>What arrived with one idempotency key.</summary>
    internal sealed class KeyRecord(string firstOrder)
    {
        private readonly Lock _gate = new();
        private readonly HashSet<string> _otherOrders = new(StringComparer.Ordinal);
        private int _requests;
        private int _ok;
        private int _unavailable;
        private int _resets;

        /// <summary>Gets the order number of the first request with the key.</summary>
        public string FirstOrder { get; } = firstOrder;

        public int Requests => Volatile.Read(ref _requests);

        public int Ok => Volatile.Read(ref _ok);

        public int Unavailable => Volatile.Read(ref _unavailable);

        public int Resets => Volatile.Read(ref _resets);

        /// <summary>Gets every order number the key came with; more than one breaks key consistency.</summary>
        public IReadOnlyList<string> Orders
        {
            get
            {
                lock (_gate)
                {
                    return [FirstOrder, .. _otherOrders];
                }
            }
        }

        /// <summary>Counts a request and returns how many came with this key before it (0 for the first).</summary>
        public int Arrive(string order)
        {
            if (!string.Equals(order, FirstOrder, StringComparison.Ordinal))
            {
                lock (_gate)
                {
                    _otherOrders.Add(order);
                }
            }

            return Interlocked.Increment(ref _requests) - 1;
        }

        public void CountOk() => Interlocked.Increment(ref _ok);

        public void CountUnavailable() => Interlocked.Increment(ref _unavailable);

        public void CountReset() => Interlocked.Increment(ref _resets);
    }
}
