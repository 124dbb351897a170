using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>
/// Reads the queue and delivers each transaction to its endpoints in the background (<see cref="QueueHostAdmission"/>
/// admits, parks and delivers, <see cref="QueueObserverReports"/> tells the observers). A postback is admitted only
/// when its partner host has a free slot (<see cref="PostbackQueueOptions.MaxConcurrencyPerHost"/>) and then takes a
/// pending slot (<see cref="PostbackQueueOptions.MaxPendingDeliveries"/>) and a global one; otherwise it is parked, in
/// order, behind that host's backlog, holding no global budget. So a slow partner holds only its own share, and the
/// others pass its backlog by. On shutdown it stops accepting, drains within <see cref="PostbackQueueOptions.DrainTimeout"/>,
/// and reports whatever is left as abandoned.
/// </summary>
/// <remarks>
/// The loop never faults: every component it calls (provider, sender, observer) is guarded, and anything unexpected
/// is logged and reported for the transaction, and the loop goes on.
/// </remarks>
internal sealed class PostbackDeliveryService : BackgroundService
{
    private readonly ChannelPostbackQueue _queue;
    private readonly EndpointResolver _resolver;
    private readonly PostbackQueueOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PostbackDeliveryService> _logger;
    private readonly QueueObserverReports _reports;
    private readonly QueueHostAdmission _admission;
    private readonly CancellationTokenSource _abort = new();

    public PostbackDeliveryService(
        ChannelPostbackQueue queue,
        EndpointResolver resolver,
        IPostbackSender sender,
        IEnumerable<IPostbackDeliveryObserver> observers,
        IOptions<PostbackQueueOptions> options,
        TimeProvider time,
        ILogger<PostbackDeliveryService> logger)
    {
        _queue = queue;
        _resolver = resolver;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _reports = new QueueObserverReports([.. observers], logger);
        _admission = new QueueHostAdmission(sender, _reports, _options);
    }

    /// <summary>Gets the number of partner hosts with pending postbacks; bounded by MaxPendingDeliveries.</summary>
    internal int TrackedHosts => _admission.TrackedHosts;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host stops waiting: observers are told at once.
        using var hostGaveUp = _reports.StopObservingWhen(cancellationToken);

        // 1. Stop accepting. What is queued stays readable.
        _queue.Complete();

        // 2. Drain: the reader runs to the end of the queue, then every delivery in flight (and each host's backlog
        //    behind it) finishes, within the timeout.
        using (var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            drain.CancelAfter(_options.DrainTimeout);
            try
            {
                if (ExecuteTask is { } reader)
                {
                    await reader.WaitAsync(drain.Token).ConfigureAwait(false);
                }

                await _admission.WaitForDeliveriesAsync(drain.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Log.QueueDrainTimedOut(_logger, _options.DrainTimeout, _admission.InFlight);
            }
        }

        // 3. The time is up: observers' tokens are cancelled, in-flight sends are cancelled and report themselves, and
        //    every postback still queued or parked is reported here. The reports get the host's stop token, bounded by
        //    one more DrainTimeout, so StopAsync completes even when the host gives no deadline.
        var reporting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        reporting.CancelAfter(_options.DrainTimeout);
        _reports.StopObserving(reporting);
        Quietly.Cancel(_abort);
        try
        {
            await base.StopAsync(reporting.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        try
        {
            await _admission.WaitForDeliveriesAsync(reporting.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        while (_queue.Reader.TryRead(out var transaction))
        {
            _queue.Release();
            await _reports.AbandonAsync(transaction, null, "The host stopped before the transaction was dispatched.").ConfigureAwait(false);
        }

        foreach (var parked in _admission.DrainParked())
        {
            parked.LeaveQueue();
            await _reports.AbandonAsync(parked.Transaction, parked.Endpoint.Name, $"The host stopped while the postback waited behind its partner's backlog (drain timeout {_options.DrainTimeout}).").ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        _abort.Dispose();
        _reports.Dispose();
        _admission.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The stopping token is not used: shutdown drains the queue first, and _abort ends the loop after the drain.
        var abort = _abort.Token;
        while (!abort.IsCancellationRequested)
        {
            try
            {
                if (!await _queue.Reader.WaitToReadAsync(abort).ConfigureAwait(false))
                {
                    return;
                }

                // After the drain timeout, stop taking transactions: StopAsync reports the unread ones as not dispatched.
                while (!abort.IsCancellationRequested && _queue.Reader.TryRead(out var transaction))
                {
                    await DispatchAsync(transaction, abort).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // DispatchAsync reports its own failures; this is the last safety net. The loop never faults.
                Quietly.Log(_logger, static (logger, ex) => Log.QueueDispatchFailed(logger, "Reading the queue failed.", ex), ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _time, abort).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    /// <summary>Looks up the transaction's endpoints and admits or parks each postback. Never throws.</summary>
    private async Task DispatchAsync(PostbackTransaction transaction, CancellationToken abort)
    {
        List<PostbackEndpoint> targets;
        List<PostbackResult> problems;
        try
        {
            // A provider that ignores cancellation is waited for no longer than the abort token (see EndpointResolver).
            (targets, problems) = await _resolver.ResolveAsync(transaction, abort).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            _queue.Release();
            await _reports.AbandonAsync(transaction, null, "The host stopped while the transaction's endpoints were being looked up.").ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _queue.Release();
            var reason = $"The transaction's endpoints could not be found: {ExceptionText.Describe(ex)}";
            Quietly.Log(_logger, static (logger, state) => Log.QueueDispatchFailed(logger, state.reason, state.ex), (reason, ex));
            await _reports.AbandonAsync(transaction, null, reason).ConfigureAwait(false);
            return;
        }

        foreach (var problem in problems)
        {
            await _reports.CompleteAsync(transaction, problem).ConfigureAwait(false);
        }

        if (targets.Count == 0)
        {
            _queue.Release();
            return;
        }

        var room = new QueuedPostback.Room(_queue, targets.Count);
        foreach (var endpoint in targets)
        {
            var postback = new QueuedPostback(endpoint, transaction, room);
            try
            {
                await _admission.AdmitAsync(postback, abort).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
                postback.LeaveQueue();
                await _reports.AbandonAsync(transaction, endpoint.Name, "The host stopped before the postback was sent.").ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                postback.LeaveQueue();
                await _reports.FailedAsync(transaction, endpoint.Name, ex).ConfigureAwait(false);
            }
        }
    }
}
