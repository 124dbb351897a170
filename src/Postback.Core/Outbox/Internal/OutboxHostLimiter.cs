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

    /// <summary>The hosts with as many claimed deliveries as they may have.</summary>
    public List<string> Full()
    {
        var full = new List<string>();
        lock (_entries)
        {
            foreach (var entry in _entries.Values)
            {
                if (entry.Claimed >= perHost)
                {
                    full.Add(entry.Host);
                }
            }
        }

        return full;
    }

    internal sealed class Entry(string host, SemaphoreSlim sending)
    {
        public string Host { get; } = host;

        public SemaphoreSlim Sending { get; } = sending;

        /// <summary>Claimed deliveries of the host; guarded by the dictionary's lock.</summary>
        public int Claimed { get; set; }
    }
}
