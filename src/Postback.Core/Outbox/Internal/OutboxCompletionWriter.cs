using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Postback.Internal;

/// <summary>
/// Writes the attempts' completions to the store in batches (whatever piled up during the previous write, up to
/// <see cref="MaxPerWrite"/>), and reports to the observers only what the store accepted: a stale completion (its lease
/// was lost to a newer attempt) is dropped, so each delivery's final result is reported once.
/// </summary>
internal sealed class OutboxCompletionWriter : IDisposable
{
    /// <summary>The most completions one store call carries.</summary>
    internal const int MaxPerWrite = 500;

    private readonly PostbackOutboxEngine _engine;
    private readonly OutboxTelemetry _telemetry;
    private readonly PostbackOutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<OutboxPendingCompletion> _completions = Channel.CreateUnbounded<OutboxPendingCompletion>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopRetrying = new();
    private Task? _loop;

    public OutboxCompletionWriter(PostbackOutboxEngine engine, OutboxTelemetry telemetry, PostbackOutboxOptions options, TimeProvider time, ILogger logger)
    {
        _engine = engine;
        _telemetry = telemetry;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public void Start() => _loop = Task.Run(WriteLoopAsync, CancellationToken.None);

    /// <summary>Queues a finished attempt's completion for the next batch.</summary>
    public void Add(OutboxPendingCompletion completion)
    {
        // The channel is unbounded, so the write fails only once StopAsync has closed it, and that happens after every
        // attempt in flight has finished. Should one ever finish later, it is not lost: the delivery stays claimed until
        // its lease ends and is attempted again then; say so rather than drop it without a word.
        if (!_completions.Writer.TryWrite(completion))
        {
            OutboxLog.CompletionNotRecorded(_logger, completion.Completion.Id, completion.Completion.Attempt);
        }
    }

    /// <summary>Writes what was added. If the store is down and the host stops waiting, the leases take over.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _completions.Writer.TryComplete();
        using (cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _stopRetrying))
        {
            if (_loop is not null)
            {
                await _loop.ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _stopRetrying.Dispose();

    private async Task WriteLoopAsync()
    {
        var reader = _completions.Reader;
        var batch = new List<OutboxPendingCompletion>();
        var policy = _options.EndpointHealth.ToPolicy();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxPerWrite && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            var completions = new PostbackOutboxCompletion[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                completions[i] = batch[i].Completion;
            }

            if (await WriteAsync(completions, policy).ConfigureAwait(false) is not { } outcome)
            {
                continue;
            }

            foreach (var completion in completions)
            {
                if (completion.State == PostbackDeliveryState.Pending)
                {
                    // A retry is now scheduled: the claim loop recomputes when it is next due.
                    _engine.Wake();
                    break;
                }
            }

            await ReportAsync(batch, outcome).ConfigureAwait(false);
        }
    }

    /// <summary>Writes one batch, retrying with backoff; <see langword="null"/> when the host stopped waiting first.</summary>
    private async Task<PostbackOutboxCompletionResult?> WriteAsync(PostbackOutboxCompletion[] completions, PostbackEndpointHealthPolicy policy)
    {
        var backoff = TimeSpan.Zero;
        while (true)
        {
            try
            {
                return await _engine.Store.CompleteAsync(completions, policy, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                backoff = OutboxBackoff.Next(backoff);
                OutboxLog.StoreFailed(_logger, "complete", backoff, ex);
                try
                {
                    await Task.Delay(backoff, _time, _stopRetrying.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The host stopped waiting: these attempts are retried when their leases end.
                    return null;
                }
            }
        }
    }

    private async Task ReportAsync(List<OutboxPendingCompletion> batch, PostbackOutboxCompletionResult outcome)
    {
        HashSet<long>? stale = outcome.Stale.Count == 0 ? null : [.. outcome.Stale];
        var now = _time.GetUtcNow();
        foreach (var item in batch)
        {
            var completion = item.Completion;
            if (stale?.Contains(completion.Id) == true)
            {
                OutboxLog.Stale(_logger, completion.Id, completion.Attempt);
                continue;
            }

            switch (completion.State)
            {
                case PostbackDeliveryState.Parked:
                    OutboxLog.Parked(_logger, completion.Id, item.Lease.EndpointName, completion.ParkReason ?? "unknown");
                    continue;
                case PostbackDeliveryState.Pending or PostbackDeliveryState.InFlight:
                    continue;
                case PostbackDeliveryState.Dead:
                    OutboxLog.Dead(_logger, completion.Id, item.Lease.EndpointName, item.Lease.FailedAttempts + 1, item.Result?.ErrorType);
                    break;
            }

            _telemetry.RecordFinal(item.Lease.EndpointName, completion.State, now - item.Lease.EnqueuedAt);
            if (item.Result is { } result)
            {
                await _engine.Notifier.CompletedAsync(item.Transaction, result).ConfigureAwait(false);
            }
        }

        foreach (var endpoint in outcome.Disabled)
        {
            await _engine.Notifier.DisabledAsync(endpoint).ConfigureAwait(false);
        }
    }
}
