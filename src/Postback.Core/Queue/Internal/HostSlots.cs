using System;
using System.Collections.Generic;
using System.Threading;

namespace Postback.Internal;

/// <summary>
/// One semaphore per partner host, kept only while that host has postbacks pending. The number of entries is
/// therefore bounded by <see cref="PostbackQueueOptions.MaxPendingDeliveries"/>, however many hosts (attacker-chosen
/// ones included) pass through.
/// </summary>
internal sealed class HostSlots(int perHost)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);

    public int Count
    {
        get
        {
            lock (_entries)
            {
                return _entries.Count;
            }
        }
    }

    public Entry Acquire(string host)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(host, out var entry))
            {
                entry = new Entry(host, new SemaphoreSlim(perHost, perHost));
                _entries.Add(host, entry);
            }

            entry.Users++;
            return entry;
        }
    }

    public void Release(Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(entry.Host);
                entry.Semaphore.Dispose();
            }
        }
    }

    internal sealed class Entry(string host, SemaphoreSlim semaphore)
    {
        public string Host { get; } = host;

        public SemaphoreSlim Semaphore { get; } = semaphore;

        /// <summary>Pending postbacks for the host; guarded by the dictionary's lock.</summary>
        public int Users { get; set; }
    }
}
