using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>
/// The outbox's workers on this node: claim due deliveries, make one attempt each, and record the outcome.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>Claim: at most the free share of <see cref="PostbackOutboxOptions.MaxConcurrency"/>, and per host at most the room
/// it has left under <see cref="PostbackOutboxOptions.MaxConcurrencyPerHost"/> here (none for a host at its limit), so a
/// slow partner never holds more than its share. The claim is committed before any HTTP call.</item>
/// <item>Attempt: the stored transaction is read, its endpoint found by name among the current endpoints (missing: parked),
/// and sent once, with the delivery's idempotency key. An attempt is never started when too little of the lease is left
/// for it to finish: it is left to the lease instead, so a late completion never races a newer attempt.</item>
/// <item>Complete: outcomes go through a channel and are written in batches, whatever piled up during the previous write.
/// Only completions the store accepts (not stale) reach the observers, so each delivery's final result is reported once.</item>
/// <item>Idle: sleep until <see cref="IPostbackOutbox.Wake"/>, a finished attempt (only when a limit held the last round
/// back), a stored retry, the next due time or <see cref="PostbackOutboxOptions.PollInterval"/>.</item>
/// </list>
/// The loops never fault: a store error is logged and retried with backoff; what was claimed stays with its lease.
/// On shutdown claiming stops, attempts in flight get <see cref="PostbackOutboxOptions.DrainTimeout"/> to finish and be
/// recorded, and anything else stays in the store.
/// </remarks>
internal sealed class PostbackOutboxWorker : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly PostbackOutboxEngine _engine;
    private readonly IPostbackOutboxStore _store;
    private readonly IPostbackSender _sender;
    private readonly EndpointResolver _resolver;
    private readonly OutboxTelemetry _telemetry;
    private readonly PostbackOutboxOptions _options;
    private readonly LastValidPostbackOptions _postbackOptions;
    private readonly TimeProvider _time;
    private readonly ILogger<PostbackOutboxWorker> _logger;
    private readonly OutboxHostLimiter _hosts;
    private readonly Channel<PendingCompletion> _completions = Channel.CreateUnbounded<PendingCompletion>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private readonly CancellationTokenSource _stopClaiming = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly CancellationTokenSource _stopCompleting = new();
    private Task? _completer;
    private Task? _housekeeping;
    private int _active;
    private bool _claimedAgain;

    // Whether a finished attempt should wake the claim loop: only when the last round was held back by a limit (every slot
    // taken, a host at its limit, or due work left unclaimed). Otherwise a finish frees nothing the loop could use, and
    // waking it per finished attempt turned every delivery into a claim and a next-due query of their own.
    private bool _wakeOnFinish = true;

    public PostbackOutboxWorker(
        PostbackOutboxEngine engine,
        IPostbackSender sender,
        EndpointResolver resolver,
        OutboxTelemetry telemetry,
        IOptions<PostbackOutboxOptions> options,
        LastValidPostbackOptions postbackOptions,
        TimeProvider time,
        ILogger<PostbackOutboxWorker> logger)
    {
        _engine = engine;
        _store = engine.Store;
        _sender = sender;
        _resolver = resolver;
        _telemetry = telemetry;
        _options = options.Value;
        _postbackOptions = postbackOptions;
        _time = time;
        _logger = logger;
        _hosts = new OutboxHostLimiter(_options.MaxConcurrencyPerHost);
        Owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
    }

    /// <summary>Gets this worker's identity in the store's leases: host name, process id and a random suffix.</summary>
    internal string Owner { get; }

    /// <summary>Gets the number of deliveries claimed and not yet handed to the completion writer.</summary>
    internal int Active => Volatile.Read(ref _active);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // The schema first: a store that cannot be created or migrated stops the start with its own message.
        await _engine.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        OutboxLog.Started(_logger, Owner, _store.GetType().Name);
        _completer = Task.Run(CompletionLoopAsync, CancellationToken.None);
        _housekeeping = Task.Run(() => HousekeepingLoopAsync(_stopClaiming.Token), CancellationToken.None);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // 1. Stop claiming.
        await _stopClaiming.CancelAsync().ConfigureAwait(false);
        try
        {
            if (ExecuteTask is { } claimLoop)
            {
                await claimLoop.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            // 2. Let the attempts in flight finish, within the drain time.
            using var drain = new CancellationTokenSource(_options.DrainTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(drain.Token, cancellationToken);
            await Task.WhenAll(_inFlight.Keys).WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            OutboxLog.DrainTimedOut(_logger, _options.DrainTimeout, _inFlight.Count);
        }

        // 3. What did not finish is left to its lease: cancel it without a completion.
        await _abort.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_inFlight.Keys).ConfigureAwait(false);

        // 4. Record what finished. If the store is down and the host stops waiting, the leases take over.
        _completions.Writer.TryComplete();
        using (cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _stopCompleting))
        {
            if (_completer is not null)
            {
                await _completer.ConfigureAwait(false);
            }
        }

        if (_housekeeping is not null)
        {
            await _housekeeping.ConfigureAwait(false);
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _stopClaiming.Dispose();
        _abort.Dispose();
        _stopCompleting.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _stopClaiming.Token);
        var stop = linked.Token;
        var backoff = TimeSpan.Zero;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await ClaimOnceAsync(stop).ConfigureAwait(false);
                backoff = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                backoff = NextBackoff(backoff);
                OutboxLog.StoreFailed(_logger, "claim", backoff, ex);
                try
                {
                    await Task.Delay(backoff, _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>One round: claim what may be claimed, start the attempts, and sleep when there is nothing more to do.</summary>
    private async Task ClaimOnceAsync(CancellationToken stop)
    {
        var free = _options.MaxConcurrency - Active;
        if (free <= 0)
        {
            // Every slot is taken: a finished attempt wakes the loop.
            Volatile.Write(ref _wakeOnFinish, true);
            await _engine.WakeSignal.WaitAsync(_options.PollInterval, _time, stop).ConfigureAwait(false);
            return;
        }

        var wanted = Math.Min(free, _options.BatchSize);

        // Per host, only the room it has left here: a slow partner never holds more than its share of the slots, and its
        // backlog never fills the batch (see OutboxHostLimiter.Limits).
        var (excluded, maxPerHost) = _hosts.Limits();
        var leases = await _store.ClaimAsync(
            new PostbackOutboxClaim
            {
                Owner = Owner,
                MaxCount = wanted,
                MaxPerHost = maxPerHost,
                ExcludedHosts = excluded,
                LeaseDuration = _options.LeaseDuration,
            },
            stop).ConfigureAwait(false);

        foreach (var lease in leases)
        {
            Interlocked.Increment(ref _active);
            var host = _hosts.Claim(lease.HostKey);
            var task = ProcessAsync(lease, host);
            _inFlight.TryAdd(task, 0);
            _ = task.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(t, out _), _inFlight, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        if (leases.Count >= wanted)
        {
            // A full batch: more may be due at once.
            return;
        }

        var wait = _options.PollInterval;
        var heldBack = excluded.Count > 0;
        if (await _store.GetNextDueAsync(stop).ConfigureAwait(false) is { } due)
        {
            var until = due - _time.GetUtcNow();
            if (until <= TimeSpan.Zero)
            {
                heldBack = true;
                // Due but not claimed: it came due after the claim (claim again, once), or its host is at its limit
                // here (then a finished attempt or the poll wakes the loop).
                _claimedAgain = !_claimedAgain;
                if (_claimedAgain)
                {
                    return;
                }
            }
            else if (until < wait)
            {
                wait = until;
            }
        }

        Volatile.Write(ref _wakeOnFinish, heldBack);
        await _engine.WakeSignal.WaitAsync(wait, _time, stop).ConfigureAwait(false);
    }

    private async Task ProcessAsync(PostbackOutboxLease lease, OutboxHostLimiter.Entry host)
    {
        // Run off the claim loop.
        await Task.Yield();
        PendingCompletion? completion = null;
        var abort = _abort.Token;
        try
        {
            await host.Sending.WaitAsync(abort).ConfigureAwait(false);
            try
            {
                completion = await AttemptAsync(lease, abort).ConfigureAwait(false);
            }
            finally
            {
                host.Sending.Release();
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Shutdown after the drain time: the delivery stays claimed until its lease ends, then any worker retries it.
        }
        catch (Exception ex)
        {
            // The sender turns failures into results; this is a safety net, so the attempt is recorded and retried on schedule.
            OutboxLog.AttemptUnexpected(_logger, lease.Id, lease.EndpointName, ex);
            var result = new PostbackResult
            {
                EndpointName = lease.EndpointName,
                Outcome = PostbackOutcome.Failed,
                ErrorType = PostbackErrorTypes.Unexpected,
                ErrorMessage = $"{ex.GetType().Name}: {ex.Message}",
                IdempotencyKey = lease.IdempotencyKey,
            };
            completion = Complete(lease, null, result, _time.GetUtcNow(), PostbackEndpointSignal.None);
        }
        finally
        {
            _hosts.Release(host);
        }

        if (completion is not null)
        {
            _completions.Writer.TryWrite(completion);
        }

        Interlocked.Decrement(ref _active);
        if (Volatile.Read(ref _wakeOnFinish))
        {
            _engine.Wake();
        }
    }

    private async Task<PendingCompletion?> AttemptAsync(PostbackOutboxLease lease, CancellationToken abort)
    {
        var started = _time.GetUtcNow();
        PostbackTransaction transaction;
        try
        {
            transaction = TransactionCodec.Deserialize(lease.Payload);
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException or OverflowException)
        {
            OutboxLog.PayloadUnreadable(_logger, lease.Id, ex);
            var unreadable = new PostbackResult
            {
                EndpointName = lease.EndpointName,
                Outcome = PostbackOutcome.Invalid,
                ErrorType = PostbackErrorTypes.InvalidRequest,
                ErrorMessage = $"The stored transaction cannot be read: {ex.Message}",
                IdempotencyKey = lease.IdempotencyKey,
            };
            return Complete(lease, new PostbackTransaction(), unreadable, started, PostbackEndpointSignal.None);
        }

        // Never start an attempt that could outlive its lease: another worker may claim it then, and two attempts would race.
        var settings = _postbackOptions.Current;
        if (lease.LeaseExpiresAt - started < LongestAttempt(settings))
        {
            OutboxLog.LeaseTooShort(_logger, lease.Id);
            return null;
        }

        var (targets, problems) = await _resolver.ResolveAsync(transaction, abort).ConfigureAwait(false);
        var endpoint = Find(targets, lease.EndpointName);
        if (endpoint is null)
        {
            foreach (var problem in problems)
            {
                if (problem.Outcome == PostbackOutcome.Failed && problem.ErrorType == PostbackErrorTypes.EndpointError)
                {
                    // A provider failed: the endpoint may well still exist. Retry on schedule rather than park.
                    OutboxLog.EndpointLookupFailed(_logger, lease.Id, lease.EndpointName);
                    var lookup = problem with { EndpointName = lease.EndpointName, IdempotencyKey = lease.IdempotencyKey };
                    return Complete(lease, transaction, lookup, started, PostbackEndpointSignal.None);
                }
            }

            return new PendingCompletion(
                new PostbackOutboxCompletion
                {
                    Id = lease.Id,
                    Owner = Owner,
                    Attempt = lease.Attempt,
                    State = PostbackDeliveryState.Parked,
                    ParkReason = PostbackParkReasons.EndpointMissing,
                    Signal = PostbackEndpointSignal.None,
                },
                lease,
                transaction,
                null);
        }

        var result = _sender is DefaultPostbackSender sender
            ? await sender.SendOnceAsync(endpoint, transaction, lease.IdempotencyKey, abort).ConfigureAwait(false)
            : await _sender.SendAsync(endpoint, transaction, abort).ConfigureAwait(false);
        return Complete(lease, transaction, result, started, null);
    }

    private PendingCompletion Complete(PostbackOutboxLease lease, PostbackTransaction? transaction, PostbackResult result, DateTimeOffset started, PostbackEndpointSignal? signal)
    {
        var decision = OutboxRules.Decide(result, lease.FailedAttempts, _options.Schedule, _options.Jitter, _options.MaxRetryAfter, Random.Shared.NextDouble());
        var completion = new PostbackOutboxCompletion
        {
            Id = lease.Id,
            Owner = Owner,
            Attempt = lease.Attempt,
            State = decision.State,
            RetryDelay = decision.RetryDelay,
            Signal = signal ?? decision.Signal,
            Record = new PostbackOutboxAttempt
            {
                Number = lease.Attempt,
                StartedAt = started,
                Duration = result.Elapsed,
                Outcome = result.Outcome,
                StatusCode = result.StatusCode,
                ErrorType = result.ErrorType,
                ErrorMessage = result.ErrorMessage,
                ResponseBody = result.ResponseBody,
                RedactedUrl = result.RedactedUrl,
            },
        };
        return new PendingCompletion(completion, lease, transaction ?? new PostbackTransaction(), result);
    }

    /// <summary>Writes completions in batches; reports to observers only what the store accepted.</summary>
    private async Task CompletionLoopAsync()
    {
        var reader = _completions.Reader;
        var batch = new List<PendingCompletion>();
        var policy = _options.EndpointHealth.ToPolicy();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 500 && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            var completions = new PostbackOutboxCompletion[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                completions[i] = batch[i].Completion;
            }

            PostbackOutboxCompletionResult? outcome = null;
            var backoff = TimeSpan.Zero;
            while (outcome is null)
            {
                try
                {
                    outcome = await _store.CompleteAsync(completions, policy, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    backoff = NextBackoff(backoff);
                    OutboxLog.StoreFailed(_logger, "complete", backoff, ex);
                    try
                    {
                        await Task.Delay(backoff, _time, _stopCompleting.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // The host stopped waiting: these attempts are retried when their leases end.
                        break;
                    }
                }
            }

            if (outcome is null)
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

    private async Task ReportAsync(List<PendingCompletion> batch, PostbackOutboxCompletionResult outcome)
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
                await _engine.NotifyCompletedAsync(item.Transaction, result).ConfigureAwait(false);
            }
        }

        foreach (var endpoint in outcome.Disabled)
        {
            await _engine.NotifyDisabledAsync(endpoint).ConfigureAwait(false);
        }
    }

    /// <summary>Purges on the retention schedule and refreshes the gauges' stats.</summary>
    private async Task HousekeepingLoopAsync(CancellationToken stop)
    {
        var nextPurge = _time.GetUtcNow();
        var nextStats = nextPurge;
        while (!stop.IsCancellationRequested)
        {
            var now = _time.GetUtcNow();
            if (now >= nextStats)
            {
                try
                {
                    _telemetry.SetStats(await _store.GetStatsAsync(stop).ConfigureAwait(false));
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    OutboxLog.StoreFailed(_logger, "stats", _options.StatsInterval, ex);
                }

                nextStats = now + _options.StatsInterval;
            }

            if (now >= nextPurge)
            {
                try
                {
                    await _engine.PurgeAsync(stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    OutboxLog.StoreFailed(_logger, "purge", _options.Retention.PurgeInterval, ex);
                }

                nextPurge = now + _options.Retention.PurgeInterval;
            }

            var next = nextStats < nextPurge ? nextStats : nextPurge;
            var wait = next - _time.GetUtcNow();
            try
            {
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The longest one attempt may take, plus the margin to complete it: what a lease must exceed.</summary>
    internal static TimeSpan LongestAttempt(PostbackOptions options) =>
        (options.TotalTimeout > options.AttemptTimeout ? options.TotalTimeout : options.AttemptTimeout) + PostbackOutboxOptionsCustomValidator.CompletionMargin;

    private static PostbackEndpoint? Find(List<PostbackEndpoint> endpoints, string name)
    {
        foreach (var endpoint in endpoints)
        {
            if (string.Equals(endpoint.Name, name, StringComparison.Ordinal))
            {
                return endpoint;
            }
        }

        return null;
    }

    private static TimeSpan NextBackoff(TimeSpan previous)
    {
        var next = previous <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : previous * 2;
        return next > MaxBackoff ? MaxBackoff : next;
    }

    /// <summary>A completion on its way to the store, with what the observers are told once it counts.</summary>
    private sealed record PendingCompletion(PostbackOutboxCompletion Completion, PostbackOutboxLease Lease, PostbackTransaction Transaction, PostbackResult? Result);
}
