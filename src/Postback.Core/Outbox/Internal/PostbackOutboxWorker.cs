using System;
using System.Security.Cryptography;
using System.Threading;
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
    private readonly PostbackOutboxEngine _engine;
    private readonly IPostbackOutboxStore _store;
    private readonly PostbackOutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PostbackOutboxWorker> _logger;
    private readonly OutboxHostLimiter _hosts;
    private readonly OutboxAttemptRunner _attempts;
    private readonly OutboxCompletionWriter _completions;
    private readonly OutboxHousekeeping _housekeeping;
    private readonly OutboxAttemptsInFlight _inFlight = new();
    private readonly CancellationTokenSource _stopClaiming = new();
    private Task? _housekeepingLoop;
    private int _active;
    private bool _claimedAgain;

    // Whether a finished attempt should wake the claim loop (1) or not (0): during a round, and after a round a limit held
    // back (every slot taken, a host at its limit, or due work left unclaimed). After a round that was not held back a
    // finish frees nothing the loop could use, and waking it per finished attempt turned every delivery into a claim and
    // a next-due query of their own.
    private int _wakeOnFinish = 1;

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
        _options = options.Value;
        _time = time;
        _logger = logger;
        _hosts = new OutboxHostLimiter(_options.MaxConcurrencyPerHost);
        Owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        _attempts = new OutboxAttemptRunner(sender, resolver, _options, postbackOptions, time, logger, Owner);
        _completions = new OutboxCompletionWriter(engine, telemetry, _options, time, logger);
        _housekeeping = new OutboxHousekeeping(engine, telemetry, _options, time, logger);
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
        _completions.Start();
        _housekeepingLoop = Task.Run(() => _housekeeping.RunAsync(_stopClaiming.Token), CancellationToken.None);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // 1. Stop claiming. 2. Let the attempts in flight finish, within the drain time. 3. Cancel the rest.
        await _stopClaiming.CancelAsync().ConfigureAwait(false);
        await _inFlight.DrainAsync(ExecuteTask, _options.DrainTimeout, _time, _logger, cancellationToken).ConfigureAwait(false);

        // 4. Record what finished.
        await _completions.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_housekeepingLoop is not null)
        {
            await _housekeepingLoop.ConfigureAwait(false);
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _stopClaiming.Dispose();
        _inFlight.Dispose();
        _completions.Dispose();
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
                backoff = OutboxBackoff.Next(backoff);
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
        // Armed before the slots are counted, with a full fence: an attempt finishes by decrementing the count and then
        // reading this flag, so a finish either shows in the count read below or wakes the loop. Armed after the count,
        // a finish in between was lost, and the loop slept a whole poll interval with free slots and due work.
        Interlocked.Exchange(ref _wakeOnFinish, 1);
        var free = _options.MaxConcurrency - Active;
        if (free <= 0)
        {
            // Every slot is taken: a finished attempt wakes the loop.
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
            _inFlight.Track(ProcessAsync(lease, host));
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

        if (!heldBack)
        {
            // A finish during the round has already set the signal (it is never lost): at most one extra round.
            Volatile.Write(ref _wakeOnFinish, 0);
        }

        await _engine.WakeSignal.WaitAsync(wait, _time, stop).ConfigureAwait(false);
    }

    private async Task ProcessAsync(PostbackOutboxLease lease, OutboxHostLimiter.Entry host)
    {
        // Run off the claim loop.
        await Task.Yield();
        OutboxPendingCompletion? completion = null;
        var abort = _inFlight.AbortToken;
        try
        {
            await host.Sending.WaitAsync(abort).ConfigureAwait(false);
            try
            {
                completion = await _attempts.AttemptAsync(lease, abort).ConfigureAwait(false);
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
            completion = _attempts.Unexpected(lease, ex);
        }
        finally
        {
            _hosts.Release(host);
        }

        if (completion is not null)
        {
            _completions.Add(completion);
        }

        // Decrement, then read the flag: the order ClaimOnceAsync relies on (see there).
        Interlocked.Decrement(ref _active);
        if (Volatile.Read(ref _wakeOnFinish) != 0)
        {
            _engine.Wake();
        }
    }

}
