using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>
/// Reads the queue and delivers each transaction to its endpoints in the background. A postback is admitted only
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
    private readonly IPostbackSender _sender;
    private readonly IPostbackDeliveryObserver[] _observers;
    private readonly PostbackQueueOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PostbackDeliveryService> _logger;
    private readonly SemaphoreSlim _global;
    private readonly SemaphoreSlim _pending;
    private readonly HostSlots _hosts;
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private readonly CancellationTokenSource _abort = new();

    // The observers' token: cancelled when the shutdown's time is up (the drain timeout, or the host stops waiting).
    private readonly CancellationTokenSource _observing = new();

    // The token of the reports made after that (abandoned postbacks): the host's stop token, and at most one more DrainTimeout.
    private CancellationTokenSource? _reporting;

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
        _sender = sender;
        _observers = [.. observers];
        _options = options.Value;
        _time = time;
        _logger = logger;
        _global = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
        _pending = new SemaphoreSlim(_options.MaxPendingDeliveries, _options.MaxPendingDeliveries);
        _hosts = new HostSlots(Math.Min(_options.MaxConcurrencyPerHost, _options.MaxPendingDeliveries));
    }

    /// <summary>Gets the number of partner hosts with pending postbacks; bounded by MaxPendingDeliveries.</summary>
    internal int TrackedHosts => _hosts.Count;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host stops waiting: observers are told at once.
        using var hostGaveUp = cancellationToken.Register(static state => Cancel((CancellationTokenSource)state!), _observing);

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

                await WaitForDeliveriesAsync(drain.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Log.QueueDrainTimedOut(_logger, _options.DrainTimeout, _inFlight.Count);
            }
        }

        // 3. The time is up: observers' tokens are cancelled, in-flight sends are cancelled and report themselves, and
        //    every postback still queued or parked is reported here. The reports get the host's stop token, bounded by
        //    one more DrainTimeout, so StopAsync completes even when the host gives no deadline.
        var reporting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        reporting.CancelAfter(_options.DrainTimeout);
        Interlocked.Exchange(ref _reporting, reporting)?.Dispose();
        Cancel(_observing);
        Cancel(_abort);
        try
        {
            await base.StopAsync(reporting.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        try
        {
            await WaitForDeliveriesAsync(reporting.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        while (_queue.Reader.TryRead(out var transaction))
        {
            _queue.Release();
            await AbandonAsync(transaction, null, "The host stopped before the transaction was dispatched.").ConfigureAwait(false);
        }

        foreach (var parked in _hosts.DrainParked())
        {
            parked.LeaveQueue();
            await AbandonAsync(parked.Transaction, parked.Endpoint.Name, $"The host stopped while the postback waited behind its partner's backlog (drain timeout {_options.DrainTimeout}).").ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        _abort.Dispose();
        _observing.Dispose();
        _reporting?.Dispose();
        _global.Dispose();
        _pending.Dispose();
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
                Quietly(static (logger, ex) => Log.QueueDispatchFailed(logger, "Reading the queue failed.", ex), ex);
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

    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        catch (AggregateException)
        {
            // A callback registered on the token threw; the token is cancelled all the same.
        }
    }

    private async Task WaitForDeliveriesAsync(CancellationToken cancellationToken)
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
            await AbandonAsync(transaction, null, "The host stopped while the transaction's endpoints were being looked up.").ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _queue.Release();
            var reason = $"The transaction's endpoints could not be found: {ExceptionText.Describe(ex)}";
            Quietly(static (logger, state) => Log.QueueDispatchFailed(logger, state.reason, state.ex), (reason, ex));
            await AbandonAsync(transaction, null, reason).ConfigureAwait(false);
            return;
        }

        foreach (var problem in problems)
        {
            await CompleteAsync(transaction, problem).ConfigureAwait(false);
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
                await AdmitAsync(postback, abort).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
                postback.LeaveQueue();
                await AbandonAsync(transaction, endpoint.Name, "The host stopped before the postback was sent.").ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                postback.LeaveQueue();
                Quietly(static (logger, state) => Log.QueuedDeliveryFailed(logger, state.Name, state.ex), (endpoint.Name, ex));
                await CompleteAsync(transaction, Unexpected(endpoint.Name, ex)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Parks the postback behind its host's backlog, or takes a pending slot and starts it.</summary>
    private async Task AdmitAsync(QueuedPostback postback, CancellationToken abort)
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
                await CompleteAsync(transaction, result).ConfigureAwait(false);
            }
            finally
            {
                _global.Release();
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            await AbandonAsync(transaction, endpoint.Name, $"The host stopped before the postback was delivered (drain timeout {_options.DrainTimeout}).").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The sender turns failures into results; this is a safety net, so a postback is never lost without a word.
            Quietly(static (logger, state) => Log.QueuedDeliveryFailed(logger, state.Name, state.ex), (endpoint.Name, ex));
            await CompleteAsync(transaction, Unexpected(endpoint.Name, ex)).ConfigureAwait(false);
        }
    }

    private static PostbackResult Unexpected(string endpointName, Exception ex) => new()
    {
        EndpointName = endpointName,
        Outcome = PostbackOutcome.Failed,
        ErrorType = PostbackErrorTypes.Unexpected,
        ErrorMessage = ExceptionText.Describe(ex),
    };

    /// <summary>Tells every observer a final result. Never throws; an observer is waited for no longer than its token.</summary>
    private async ValueTask CompleteAsync(PostbackTransaction transaction, PostbackResult result)
    {
        var token = _observing.Token;
        foreach (var observer in _observers)
        {
            try
            {
                await Bounded(observer.OnCompletedAsync(transaction, result, token), token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                ObserverFailed(observer, ex);
            }
        }
    }

    /// <summary>Tells every observer a postback (or a whole transaction) was abandoned. Never throws.</summary>
    private async ValueTask AbandonAsync(PostbackTransaction transaction, string? endpointName, string reason)
    {
        var token = Volatile.Read(ref _reporting)?.Token ?? _observing.Token;
        Quietly(static (logger, state) => Log.Abandoned(logger, state.Item1, state.reason), (endpointName ?? "(not dispatched)", reason));

        foreach (var observer in _observers)
        {
            try
            {
                await Bounded(observer.OnAbandonedAsync(transaction, endpointName, reason, token), token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                ObserverFailed(observer, ex);
            }
        }
    }

    private static ValueTask Bounded(ValueTask pending, CancellationToken token) =>
        pending.IsCompleted || !token.CanBeCanceled ? pending : new ValueTask(pending.AsTask().WaitAsync(token));

    private void ObserverFailed(IPostbackDeliveryObserver observer, Exception ex) =>
        Quietly(static (logger, state) => Log.ObserverFailed(logger, state.Item1, state.ex), (observer.GetType().Name, ex));

    /// <summary>Logs on a path that must not throw: even a failing logging provider cannot stop delivery.</summary>
    private void Quietly<TState>(Action<ILogger, TState> log, TState state)
    {
        try
        {
            log(_logger, state);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
        }
    }
}
