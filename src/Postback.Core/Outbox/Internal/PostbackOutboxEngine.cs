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
/// <b><see cref="TryEnqueue"/></b> never blocks: it hands the transaction to the channel when there is room and returns
/// <see langword="true"/>, and <see langword="false"/> when the channel is full or the outbox is stopped. It returns
/// before the write; the write follows within milliseconds. If that write fails, the failure is logged and every
/// endpoint is reported to <see cref="IPostbackDeliveryObserver.OnAbandonedAsync"/>, never silently lost. Use
/// <see cref="EnqueueAsync"/> when the caller must know the deliveries are durable.
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

        var write = new PendingWrite(null, entries);
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
        if (_disposed)
        {
            return false;
        }

        EnsureWriter();
        return _writes.Writer.TryWrite(new PendingWrite(transaction.Clone(), null));
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
                if (write.Transaction is { } transaction)
                {
                    // From TryEnqueue: resolve here, off the caller's thread.
                    try
                    {
                        write.Entries = await PrepareAsync(transaction, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        await FailAsync(write, ex).ConfigureAwait(false);
                        continue;
                    }
                }

                batch.Add(write);
                entries.AddRange(write.Entries!);
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
                        await Store.EnqueueAsync(write.Entries!, CancellationToken.None).ConfigureAwait(false);
                        write.Completion.TrySetResult();
                    }
                    catch (Exception single)
                    {
                        await FailAsync(write, single).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception ex)
            {
                await FailAsync(batch[0], ex).ConfigureAwait(false);
            }

            Wake();
        }
    }

    private async ValueTask FailAsync(PendingWrite write, Exception exception)
    {
        if (write.Transaction is not { } transaction)
        {
            // EnqueueAsync's caller is waiting and gets the exception.
            write.Completion.TrySetException(exception);
            return;
        }

        write.Completion.TrySetResult();
        OutboxLog.TryEnqueueFailed(_logger, write.Entries?.Count ?? 0, exception);
        var reason = $"The outbox could not store the transaction handed over by TryEnqueue: {exception.GetType().Name}: {exception.Message}";
        IReadOnlyList<PostbackOutboxEntry> entries = write.Entries ?? [];
        foreach (var observer in _observers)
        {
            try
            {
                if (entries.Count == 0)
                {
                    await observer.OnAbandonedAsync(transaction, null, reason, CancellationToken.None).ConfigureAwait(false);
                }

                foreach (var entry in entries)
                {
                    await observer.OnAbandonedAsync(transaction, entry.EndpointName, reason, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                OutboxLog.ObserverFailed(_logger, observer.GetType().Name, ex);
            }
        }
    }

    private sealed class PendingWrite(PostbackTransaction? transaction, IReadOnlyList<PostbackOutboxEntry>? entries)
    {
        public PostbackTransaction? Transaction { get; } = transaction;

        public IReadOnlyList<PostbackOutboxEntry>? Entries { get; set; } = entries;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
