using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>
/// The outbox's public face (<see cref="IPostbackOutbox"/>, and so <see cref="IPostbackQueue"/>): it turns transactions
/// into deliveries and writes them to the store, and it carries the operations on endpoints and deliveries. The workers
/// (<see cref="PostbackOutboxWorker"/>) do the sending.
/// </summary>
/// <remarks>
/// <para>
/// <b>Group commit.</b> Enqueues go through a bounded channel to one writer, which takes whatever has piled up (up to
/// <see cref="MaxEntriesPerWrite"/> deliveries) and writes it in one store call: with many concurrent callers, one
/// transaction commit serves many of them. A caller's deliveries always go in the same call (all or nothing). If a
/// grouped write fails, each caller's deliveries are written again on their own, so one bad transaction does not fail
/// its neighbours.
/// </para>
/// <para>
/// <b><see cref="EnqueueAsync"/></b> completes when the deliveries are committed. Its token cancels only the wait for
/// room in the channel: once handed over, the write is awaited to the end, so a caller never sees "cancelled" for a
/// delivery that was stored anyway (and re-sends it as a duplicate).
/// </para>
/// <para>
/// <b><see cref="TryEnqueue"/></b> never reports success for something that is not durable: it resolves the endpoints,
/// hands the deliveries to the writer when there is room, and <em>blocks</em> until the group-commit write that carries
/// them has committed. It returns <see langword="true"/> only then; <see langword="false"/> when the buffer is full, the
/// outbox is stopped, or the write (or the endpoint lookup) failed, and the transaction is then not enqueued (the failure
/// is logged). It never throws for those. Returning before the write, as an in-memory queue may, would lose the
/// transaction if the process died in that window. Because it blocks a thread for the commit (usually milliseconds,
/// longer when the store is slow), prefer <see cref="EnqueueAsync"/> on the outbox; TryEnqueue exists for code written
/// against <see cref="IPostbackQueue"/>.
/// </para>
/// </remarks>
internal sealed class PostbackOutboxEngine : IPostbackOutbox, IAsyncDisposable
{
    /// <summary>The most deliveries one grouped write carries.</summary>
    internal const int MaxEntriesPerWrite = 1000;

    private readonly EndpointResolver _resolver;
    private readonly IPostbackDeliveryObserver[] _observers;
    private readonly IPostbackEndpointHealthObserver[] _healthObservers;
    private readonly OutboxTelemetry _telemetry;
    private readonly ILogger<PostbackOutboxEngine> _logger;
    private readonly PostbackOutboxOptions _options;
    private readonly Channel<PendingWrite> _writes;
    private readonly Lock _gate = new();
    private Task? _writer;
    private Task? _initialized;
    private bool _disposed;

    public PostbackOutboxEngine(
        IPostbackOutboxStore store,
        EndpointResolver resolver,
        IEnumerable<IPostbackDeliveryObserver> observers,
        IEnumerable<IPostbackEndpointHealthObserver> healthObservers,
        OutboxTelemetry telemetry,
        IOptions<PostbackOutboxOptions> options,
        ILogger<PostbackOutboxEngine> logger)
    {
        Store = store;
        _resolver = resolver;
        _observers = [.. observers];
        _healthObservers = [.. healthObservers];
        _telemetry = telemetry;
        _options = options.Value;
        _logger = logger;
        _writes = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(_options.EnqueueBufferCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    public IPostbackOutboxStore Store { get; }

    /// <summary>Gets the signal the workers sleep on.</summary>
    internal WakeSignal WakeSignal { get; } = new();

    internal IPostbackDeliveryObserver[] Observers => _observers;

    /// <summary>Creates or migrates the store once per process; a failed attempt is tried again by the next caller.</summary>
    internal Task EnsureInitializedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_initialized is null || _initialized.IsFaulted || _initialized.IsCanceled)
            {
                _initialized = Store.InitializeAsync(cancellationToken).AsTask();
            }

            return _initialized;
        }
    }

    public async ValueTask EnqueueAsync(PostbackTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var entries = await PrepareAsync(transaction, cancellationToken).ConfigureAwait(false);
        if (entries.Count == 0)
        {
            return;
        }

        var write = new PendingWrite(entries);
        EnsureWriter();
        try
        {
            await _writes.Writer.WriteAsync(write, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new InvalidOperationException("The postback outbox is stopped: the host is shutting down. The transaction was not enqueued.", ex);
        }

        // Handed over: wait for the commit whatever the token says (see the remarks).
        await write.Completion.Task.ConfigureAwait(false);
    }

    public bool TryEnqueue(PostbackTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (Volatile.Read(ref _disposed))
        {
            return false;
        }

        // Resolve on the caller's thread, so the writer never calls observers (one that enqueued from its callback would
        // then wait for itself), and wait for the commit: true must mean durable (see the remarks).
        try
        {
            var entries = Wait(PrepareAsync(transaction, CancellationToken.None));
            if (entries.Count == 0)
            {
                return true;
            }

            var write = new PendingWrite(entries);
            EnsureWriter();
            if (!_writes.Writer.TryWrite(write))
            {
                // Full, or stopped: not enqueued.
                return false;
            }

            write.Completion.Task.GetAwaiter().GetResult();
            return true;
        }
        catch (Exception ex)
        {
            OutboxLog.TryEnqueueFailed(_logger, ex);
            return false;
        }

        static T Wait<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();
    }

    public async ValueTask<IReadOnlyList<PostbackOutboxEntry>> PrepareAsync(PostbackTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var (targets, problems) = await _resolver.ResolveAsync(transaction, cancellationToken).ConfigureAwait(false);
        foreach (var problem in problems)
        {
            // As the queue does: a provider that failed or an endpoint that does not compile is a final result now.
            await NotifyCompletedAsync(transaction, problem).ConfigureAwait(false);
        }

        if (targets.Count == 0)
        {
            return [];
        }

        var payload = TransactionCodec.Serialize(transaction);
        var entries = new PostbackOutboxEntry[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            var endpoint = targets[i];
            entries[i] = new PostbackOutboxEntry
            {
                EndpointName = endpoint.Name,
                IdempotencyKey = IdempotencyKey.For(endpoint, transaction),
                HostKey = HostKeyOf(endpoint, transaction),
                Payload = payload,
                OrderNumber = transaction.OrderNumber,
                Delay = _options.Schedule.Count > 0 ? _options.Schedule[0] : TimeSpan.Zero,
            };
        }

        return entries;
    }

    public void Wake() => WakeSignal.Set();

    public async ValueTask<int> ReplayAsync(PostbackOutboxFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var count = await Store.ReplayAsync(filter, cancellationToken).ConfigureAwait(false);
        Wake();
        return count;
    }

    public async ValueTask<bool> EnableEndpointAsync(string endpointName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpointName);
        var changed = await Store.SetEndpointEnabledAsync(endpointName, true, null, cancellationToken).ConfigureAwait(false);
        if (changed)
        {
            await NotifyEnabledAsync(endpointName).ConfigureAwait(false);
            Wake();
        }

        return changed;
    }

    public async ValueTask<bool> DisableEndpointAsync(string endpointName, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpointName);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var changed = await Store.SetEndpointEnabledAsync(endpointName, false, reason, cancellationToken).ConfigureAwait(false);
        if (changed)
        {
            PostbackOutboxEndpoint? record = null;
            foreach (var endpoint in await Store.GetEndpointsAsync(cancellationToken).ConfigureAwait(false))
            {
                if (string.Equals(endpoint.Name, endpointName, StringComparison.Ordinal))
                {
                    record = endpoint;
                }
            }

            await NotifyDisabledAsync(record ?? new PostbackOutboxEndpoint { Name = endpointName, Enabled = false, DisabledReason = reason }).ConfigureAwait(false);
        }

        return changed;
    }

    public async ValueTask<long> PurgeAsync(CancellationToken cancellationToken = default)
    {
        var count = await Store.PurgeAsync(_options.Retention.Finished, _options.Retention.Dead, cancellationToken).ConfigureAwait(false);
        if (count > 0)
        {
            OutboxLog.Purged(_logger, count);
        }

        return count;
    }

    /// <summary>Stops accepting and writes what was handed over.</summary>
    public async ValueTask DisposeAsync()
    {
        Task? writer;
        lock (_gate)
        {
            _disposed = true;
            writer = _writer;
        }

        _writes.Writer.TryComplete();
        if (writer is not null)
        {
            await writer.ConfigureAwait(false);
        }
    }

    /// <summary>The partner host a delivery is limited by, as the in-memory queue computes it: scheme, host and port of its rendered URL.</summary>
    internal static string HostKeyOf(PostbackEndpoint endpoint, PostbackTransaction transaction) =>
        endpoint.StaticAuthority
        ?? (endpoint.Url.TryRender(transaction, out var url, out _) && Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? uri.GetLeftPart(UriPartial.Authority)
            : "(invalid):" + endpoint.Name);

    internal async ValueTask NotifyCompletedAsync(PostbackTransaction transaction, PostbackResult result)
    {
        foreach (var observer in _observers)
        {
            try
            {
                await observer.OnCompletedAsync(transaction, result, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                OutboxLog.ObserverFailed(_logger, observer.GetType().Name, ex);
            }
        }
    }

    internal async ValueTask NotifyDisabledAsync(PostbackOutboxEndpoint endpoint)
    {
        OutboxLog.EndpointDisabled(_logger, endpoint.Name, endpoint.DisabledReason);
        _telemetry.RecordDisabled(endpoint.Name);
        foreach (var observer in _healthObservers)
        {
            try
            {
                await observer.OnEndpointDisabledAsync(endpoint, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                OutboxLog.ObserverFailed(_logger, observer.GetType().Name, ex);
            }
        }
    }

    private async ValueTask NotifyEnabledAsync(string endpointName)
    {
        OutboxLog.EndpointEnabled(_logger, endpointName);
        _telemetry.RecordEnabled(endpointName);
        foreach (var observer in _healthObservers)
        {
            try
            {
                await observer.OnEndpointEnabledAsync(endpointName, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                OutboxLog.ObserverFailed(_logger, observer.GetType().Name, ex);
            }
        }
    }

    private void EnsureWriter()
    {
        if (Volatile.Read(ref _writer) is not null)
        {
            return;
        }

        lock (_gate)
        {
            _writer ??= Task.Run(WriteLoopAsync);
        }
    }

    /// <summary>The one writer: groups what has piled up into one store call.</summary>
    private async Task WriteLoopAsync()
    {
        var reader = _writes.Reader;
        var batch = new List<PendingWrite>();
        var entries = new List<PostbackOutboxEntry>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            entries.Clear();
            while (entries.Count < MaxEntriesPerWrite && reader.TryRead(out var write))
            {
                batch.Add(write);
                entries.AddRange(write.Entries);
            }

            if (entries.Count == 0)
            {
                foreach (var write in batch)
                {
                    write.Completion.TrySetResult();
                }

                continue;
            }

            try
            {
                await EnsureInitializedAsync(CancellationToken.None).ConfigureAwait(false);
                await Store.EnqueueAsync(entries.ToArray(), CancellationToken.None).ConfigureAwait(false);
                foreach (var write in batch)
                {
                    write.Completion.TrySetResult();
                }
            }
            catch (Exception) when (batch.Count > 1)
            {
                // One caller's deliveries may be what failed the group: write each on its own.
                foreach (var write in batch)
                {
                    try
                    {
                        await Store.EnqueueAsync(write.Entries, CancellationToken.None).ConfigureAwait(false);
                        write.Completion.TrySetResult();
                    }
                    catch (Exception single)
                    {
                        write.Completion.TrySetException(single);
                    }
                }
            }
            catch (Exception ex)
            {
                batch[0].Completion.TrySetException(ex);
            }

            Wake();
        }
    }

    /// <summary>One caller's deliveries on their way to the writer; the caller waits on <see cref="Completion"/>.</summary>
    private sealed class PendingWrite(IReadOnlyList<PostbackOutboxEntry> entries)
    {
        public IReadOnlyList<PostbackOutboxEntry> Entries { get; } = entries;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
