using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Postback.Internal;

/// <summary>
/// The queue's budgets and each partner host's backlog. A postback is admitted only when its host has a free slot
/// (<see cref="PostbackQueueOptions.MaxConcurrencyPerHost"/>), and then takes a pending slot
/// (<see cref="PostbackQueueOptions.MaxPendingDeliveries"/>) and, to send, a global one
/// (<see cref="PostbackQueueOptions.MaxConcurrency"/>); otherwise it is parked, in order, behind that host's backlog,
/// holding no global budget. The task that holds a host's slot delivers its backlog one by one.
/// </summary>
internal sealed class QueueHostAdmission : IDisposable
{
    private readonly IPostbackSender _sender;
    private readonly QueueObserverReports _reports;
    private readonly TimeSpan _drainTimeout;
    private readonly SemaphoreSlim _global;
    private readonly SemaphoreSlim _pending;
    private readonly HostSlots _hosts;
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();

    public QueueHostAdmission(IPostbackSender sender, QueueObserverReports reports, PostbackQueueOptions options)
    {
        _sender = sender;
        _reports = reports;
        _drainTimeout = options.DrainTimeout;
        _global = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
        _pending = new SemaphoreSlim(options.MaxPendingDeliveries, options.MaxPendingDeliveries);
        _hosts = new HostSlots(Math.Min(options.MaxConcurrencyPerHost, options.MaxPendingDeliveries));
    }

    /// <summary>Gets the number of partner hosts with pending postbacks; bounded by MaxPendingDeliveries.</summary>
    public int TrackedHosts => _hosts.Count;

    /// <summary>Gets the number of delivery tasks running (each with its host's backlog behind it).</summary>
    public int InFlight => _inFlight.Count;

    /// <summary>Parks the postback behind its host's backlog, or takes a pending slot and starts it.</summary>
    public async Task AdmitAsync(QueuedPostback postback, CancellationToken abort)
    {
        var key = PartnerAuthority.For(postback.Endpoint, postback.Transaction);

        // A host at its share waits for its own slot without holding any of the global budget.
        if (_hosts.TryPark(key, postback))
        {
            return;
        }

        // Bounded: when this many postbacks are pending, the queue stops being read and fills up instead.
        await _pending.WaitAsync(abort).ConfigureAwait(false);
        if (!_hosts.TryAdmit(key, postback, out var host))
        {
            // The host filled up meanwhile: parked after all.
            _pending.Release();
            return;
        }

        postback.LeaveQueue();
        var delivery = DeliverAsync(postback, host, abort);
        _inFlight.TryAdd(delivery, 0);
        _ = delivery.ContinueWith(static (task, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(task, out _), _inFlight, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public async Task WaitForDeliveriesAsync(CancellationToken cancellationToken)
    {
        // A host's backlog is delivered by the task that holds its slot, so no delivery starts without the set seeing it.
        while (!_inFlight.IsEmpty)
        {
            try
            {
                await Task.WhenAll(_inFlight.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
            {
                // Deliveries never fault; if one did, it is already reported.
            }
        }
    }

    /// <summary>Takes every parked postback, for shutdown to report.</summary>
    public List<QueuedPostback> DrainParked() => _hosts.DrainParked();

    public void Dispose()
    {
        _global.Dispose();
        _pending.Dispose();
    }

    /// <summary>Delivers a postback, then the host's backlog one by one in the same slot. Never throws.</summary>
    private async Task DeliverAsync(QueuedPostback postback, HostSlots.Host host, CancellationToken abort)
    {
        // Run the rest off the reader's loop.
        await Task.Yield();
        var current = postback;
        while (true)
        {
            await DeliverOneAsync(current, abort).ConfigureAwait(false);
            if (abort.IsCancellationRequested)
            {
                // Shutdown after the drain time: the backlog is reported by StopAsync.
                _hosts.Release(host);
                _pending.Release();
                return;
            }

            if (!_hosts.TryHandOver(host, out var next))
            {
                _pending.Release();
                return;
            }

            next!.LeaveQueue();
            current = next;
        }
    }

    private async Task DeliverOneAsync(QueuedPostback postback, CancellationToken abort)
    {
        var endpoint = postback.Endpoint;
        var transaction = postback.Transaction;
        try
        {
            await _global.WaitAsync(abort).ConfigureAwait(false);
            try
            {
                var result = await _sender.SendAsync(endpoint, transaction, abort).ConfigureAwait(false);
                await _reports.CompleteAsync(transaction, result).ConfigureAwait(false);
            }
            finally
            {
                _global.Release();
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            await _reports.AbandonAsync(transaction, endpoint.Name, $"The host stopped before the postback was delivered (drain timeout {_drainTimeout}).").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The sender turns failures into results; this is a safety net, so a postback is never lost without a word.
            await _reports.FailedAsync(transaction, endpoint.Name, ex).ConfigureAwait(false);
        }
    }
}
