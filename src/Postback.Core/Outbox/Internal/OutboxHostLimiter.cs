using System;
using System.Collections.Generic;
using System.Threading;

namespace Postback.Internal;

/// <summary>
/// This node's per-host state for the outbox: how many deliveries of each partner host are claimed, and a semaphore
/// that lets at most <see cref="PostbackOutboxOptions.MaxConcurrencyPerHost"/> of them send at once. A host whose claims
/// reach the limit is excluded from the next claims, so a slow partner never holds more than its share of this node's
/// <see cref="PostbackOutboxOptions.MaxConcurrency"/>, and the other partners go on at their own pace. Entries exist only
/// while a host has claimed deliveries, so the map is bounded by MaxConcurrency.
/// </summary>
internal sealed class OutboxHostLimiter(int perHost)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);

    public int PerHost => perHost;

    public Entry Claim(string host)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(host, out var entry))
            {
                entry = new Entry(host, new SemaphoreSlim(perHost, perHost));
                _entries.Add(host, entry);
            }

            entry.Claimed++;
            return entry;
        }
    }

    public void Release(Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Claimed == 0)
            {
                _entries.Remove(entry.Host);
                entry.Sending.Dispose();
            }
        }
    }

    /// <summary>
    /// What the next claim may take without any host going over its limit here: the hosts that already have as many
    /// claimed deliveries as they may (excluded), and the most the claim may take for any one host. The store applies one
    /// per-host bound to every host, so it is the smallest room left among the hosts that have some claimed: a host with
    /// 3 of 4 claimed gets at most 1 more, never 4 (which would hold 7 of this node's slots, 3 of them only waiting to
    /// send while their leases run). Hosts with nothing claimed here are then bounded the same way for one round; the
    /// next claim, after the next finished attempt, gives them the rest.
    /// </summary>
    /// <returns>The hosts to exclude, and the per-host bound for the claim.</returns>
    public (List<string> Excluded, int MaxPerHost) Limits()
    {
        var excluded = new List<string>();
        var maxPerHost = perHost;
        lock (_entries)
        {
            foreach (var entry in _entries.Values)
            {
                var room = perHost - entry.Claimed;
                if (room <= 0)
                {
                    excluded.Add(entry.Host);
                }
                else if (room < maxPerHost)
                {
                    maxPerHost = room;
                }
            }
        }

        return (excluded, maxPerHost);
    }

    internal sealed class Entry(string host, SemaphoreSlim sending)
    {
        public string Host { get; } = host;

        public SemaphoreSlim Sending { get; } = sending;

        /// <summary>Claimed deliveries of the host; guarded by the dictionary's lock.</summary>
        public int Claimed { get; set; }
    }
}
