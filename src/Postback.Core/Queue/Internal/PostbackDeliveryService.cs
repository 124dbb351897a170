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
/// Reads the queue and delivers each transaction to its endpoints in the background. Every postback waits for a slot
/// of its own partner host, then a global slot, so a partner that stops answering holds only its own slots while the
/// others carry on. On shutdown it stops accepting, drains within <see cref="PostbackQueueOptions.DrainTimeout"/>, and
/// reports whatever is left as abandoned.
/// </summary>
internal sealed class PostbackDeliveryService : BackgroundService
{
    private readonly ChannelPostbackQueue _queue;
    private readonly EndpointResolver _resolver;
    private readonly IPostbackSender _sender;
    private readonly IPostbackDeliveryObserver[] _observers;
    private readonly PostbackQueueOptions _options;
    private readonly ILogger<PostbackDeliveryService> _logger;
    private readonly SemaphoreSlim _global;
    private readonly SemaphoreSlim _pending;
    private readonly HostSlots _hosts;
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private readonly CancellationTokenSource _abort = new();

    public PostbackDeliveryService(
        ChannelPostbackQueue queue,
        EndpointResolver resolver,
        IPostbackSender sender,
        IEnumerable<IPostbackDeliveryObserver> observers,
        IOptions<PostbackQueueOptions> options,
        ILogger<PostbackDeliveryService> logger)
    {
        _queue = queue;
        _resolver = resolver;
        _sender = sender;
        _observers = [.. observers];
        _options = options.Value;
        _logger = logger;
        _global = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
        _pending = new SemaphoreSlim(_options.MaxPendingDeliveries, _options.MaxPendingDeliveries);
        _hosts = new HostSlots(_options.MaxConcurrencyPerHost);
    }

    /// <summary>Gets the number of partner hosts with pending postbacks; bounded by MaxPendingDeliveries.</summary>
    internal int TrackedHosts => _hosts.Count;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // 1. Stop accepting. What is queued stays readable.
        _queue.Complete();

        // 2. Drain: the reader runs to the end of the queue, then every delivery in flight finishes, within the timeout.
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(_options.DrainTimeout);
        try
        {
            if (ExecuteTask is { } reader)
            {
                await reader.WaitAsync(drain.Token).ConfigureAwait(false);
            }

            await Task.WhenAll(_inFlight.Keys).WaitAsync(drain.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Log.QueueDrainTimedOut(_logger, _options.DrainTimeout, _inFlight.Count);
        }

        // 3. Abandon the rest: in-flight sends are cancelled and report themselves; unread transactions are reported here.
        await _abort.CancelAsync().ConfigureAwait(false);
        await base.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await Task.WhenAll(_inFlight.Keys).ConfigureAwait(false);
        while (_queue.Reader.TryRead(out var transaction))
        {
            await AbandonAsync(transaction, null, "The host stopped before the transaction was dispatched.").ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        _abort.Dispose();
        _global.Dispose();
        _pending.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The stopping token is not used: shutdown drains the queue first, and _abort ends the loop after the drain.
        var abort = _abort.Token;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(abort).ConfigureAwait(false))
            {
                // After the drain timeout, stop taking transactions: StopAsync reports the unread ones as not dispatched.
                while (!abort.IsCancellationRequested && _queue.Reader.TryRead(out var transaction))
                {
                    await DispatchAsync(transaction, abort).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
        }
    }

    private async Task DispatchAsync(PostbackTransaction transaction, CancellationToken abort)
    {
        List<PostbackEndpoint> targets;
        List<PostbackResult> problems;
        try
        {
            (targets, problems) = await _resolver.ResolveAsync(transaction, abort).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            await AbandonAsync(transaction, null, "The host stopped while the transaction's endpoints were being looked up.").ConfigureAwait(false);
            return;
        }

        foreach (var problem in problems)
        {
            await CompleteAsync(transaction, problem).ConfigureAwait(false);
        }

        for (var i = 0; i < targets.Count; i++)
        {
            var endpoint = targets[i];
            try
            {
                // Bounded: when this many postbacks are pending, the queue stops being read and fills up instead.
                await _pending.WaitAsync(abort).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                for (var j = i; j < targets.Count; j++)
                {
                    await AbandonAsync(transaction, targets[j].Name, "The host stopped before the postback was sent.").ConfigureAwait(false);
                }

                return;
            }

            var slots = _hosts.Acquire(PartnerAuthority.For(endpoint, transaction));
            var delivery = DeliverAsync(endpoint, transaction, slots, abort);
            _inFlight.TryAdd(delivery, 0);
            _ = delivery.ContinueWith(static (task, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(task, out _), _inFlight, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task DeliverAsync(PostbackEndpoint endpoint, PostbackTransaction transaction, HostSlots.Entry slots, CancellationToken abort)
    {
        // Run the rest off the reader's loop.
        await Task.Yield();
        try
        {
            await slots.Semaphore.WaitAsync(abort).ConfigureAwait(false);
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
            finally
            {
                slots.Semaphore.Release();
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            await AbandonAsync(transaction, endpoint.Name, $"The host stopped before the postback was delivered (drain timeout {_options.DrainTimeout}).").ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The sender turns failures into results; this is a safety net, so a postback is never lost without a word.
            Log.QueuedDeliveryFailed(_logger, endpoint.Name, ex);
            await CompleteAsync(transaction, new PostbackResult
            {
                EndpointName = endpoint.Name,
                Outcome = PostbackOutcome.Failed,
                ErrorType = PostbackErrorTypes.Unexpected,
                ErrorMessage = $"{ex.GetType().Name}: {ex.Message}",
            }).ConfigureAwait(false);
        }
        finally
        {
            _hosts.Release(slots);
            _pending.Release();
        }
    }

    private async ValueTask CompleteAsync(PostbackTransaction transaction, PostbackResult result)
    {
        foreach (var observer in _observers)
        {
            try
            {
                await observer.OnCompletedAsync(transaction, result, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.ObserverFailed(_logger, observer.GetType().Name, ex);
            }
        }
    }

    private async ValueTask AbandonAsync(PostbackTransaction transaction, string? endpointName, string reason)
    {
        Log.Abandoned(_logger, endpointName ?? "(not dispatched)", reason);
        foreach (var observer in _observers)
        {
            try
            {
                await observer.OnAbandonedAsync(transaction, endpointName, reason, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.ObserverFailed(_logger, observer.GetType().Name, ex);
            }
        }
    }
}
