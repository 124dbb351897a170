using System;
using System.Collections.Generic;

namespace Postback.Internal;

/// <summary>
/// Each partner host's share of the queue: at most <c>perHost</c> postbacks admitted (waiting for a global slot or in
/// flight), and behind them, in order, the host's backlog, parked. A parked postback holds no global budget, so a
/// slow partner with a backlog holds only its own share, and the postbacks of other hosts pass it by.
/// </summary>
/// <remarks>
/// A host is tracked only while it has a postback admitted: a postback is parked only behind admitted ones, and a
/// host's last admitted postback hands its slot to the next parked one. The number of entries is therefore bounded by
/// <see cref="PostbackQueueOptions.MaxPendingDeliveries"/>, however many hosts (attacker-chosen ones included) pass through.
/// </remarks>
internal sealed class HostSlots(int perHost)
{
    private readonly Dictionary<string, Host> _hosts = new(StringComparer.OrdinalIgnoreCase);

    public int Count
    {
        get
        {
            lock (_hosts)
            {
                return _hosts.Count;
            }
        }
    }

    /// <summary>Parks the postback when its host is at its share or already has a backlog; otherwise leaves it to <see cref="TryAdmit"/>.</summary>
    public bool TryPark(string key, QueuedPostback postback)
    {
        lock (_hosts)
        {
            if (_hosts.TryGetValue(key, out var host) && (host.Admitted >= perHost || host.Parked.Count > 0))
            {
                host.Parked.Enqueue(postback);
                return true;
            }

            return false;
        }
    }

    /// <summary>Admits the postback when its host has room (the caller holds a global pending slot for it); otherwise parks it.</summary>
    public bool TryAdmit(string key, QueuedPostback postback, out Host host)
    {
        lock (_hosts)
        {
            if (!_hosts.TryGetValue(key, out host!))
            {
                host = new Host(key);
                _hosts.Add(key, host);
            }

            if (host.Admitted < perHost && host.Parked.Count == 0)
            {
                host.Admitted++;
                return true;
            }

            host.Parked.Enqueue(postback);
            return false;
        }
    }

    /// <summary>After a delivery: the host's next parked postback takes over the slot (and its pending budget); else the slot is freed.</summary>
    public bool TryHandOver(Host host, out QueuedPostback? next)
    {
        lock (_hosts)
        {
            if (host.Parked.TryDequeue(out next))
            {
                return true;
            }

            Free(host);
            return false;
        }
    }

    /// <summary>Frees a slot without handing it over (shutdown): the host's backlog stays for <see cref="DrainParked"/>.</summary>
    public void Release(Host host)
    {
        lock (_hosts)
        {
            Free(host);
        }
    }

    /// <summary>Takes every parked postback, for shutdown to report.</summary>
    public List<QueuedPostback> DrainParked()
    {
        var parked = new List<QueuedPostback>();
        lock (_hosts)
        {
            var idle = new List<string>();
            foreach (var (key, host) in _hosts)
            {
                while (host.Parked.TryDequeue(out var postback))
                {
                    parked.Add(postback);
                }

                if (host.Admitted == 0)
                {
                    idle.Add(key);
                }
            }

            foreach (var key in idle)
            {
                _hosts.Remove(key);
            }
        }

        return parked;
    }

    private void Free(Host host)
    {
        if (--host.Admitted == 0 && host.Parked.Count == 0)
        {
            _hosts.Remove(host.Key);
        }
    }

    internal sealed class Host(string key)
    {
        public string Key { get; } = key;

        /// <summary>Postbacks admitted for the host; guarded by the dictionary's lock.</summary>
        public int Admitted { get; set; }

        /// <summary>The host's backlog, in order; guarded by the dictionary's lock.</summary>
        public Queue<QueuedPostback> Parked { get; } = new();
    }
}
