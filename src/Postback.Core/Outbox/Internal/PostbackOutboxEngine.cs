using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>
/// The outbox's public face (<see cref="IPostbackOutbox"/>, and so <see cref="IPostbackQueue"/>): it turns transactions
/// into deliveries (<see cref="OutboxEntryFactory"/>) and writes them to the store (<see cref="OutboxEnqueueWriter"/>),
/// and it carries the operations on endpoints and deliveries (<see cref="OutboxAdministration"/>). The workers
/// (<see cref="PostbackOutboxWorker"/>) do the sending.
/// </summary>
/// <remarks>
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
    private readonly ILogger<PostbackOutboxEngine> _logger;
    private readonly OutboxEntryFactory _entries;
    private readonly OutboxEnqueueWriter _writer;
    private readonly OutboxAdministration _admin;
    private readonly Lock _gate = new();
    private Task? _initialized;

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
        _logger = logger;
        var settings = options.Value;
        Notifier = new OutboxObserverNotifier([.. observers], [.. healthObservers], telemetry, logger);
        _entries = new OutboxEntryFactory(resolver, Notifier, settings);
        _writer = new OutboxEnqueueWriter(store, settings.EnqueueBufferCapacity, EnsureInitializedAsync, Wake);
        _admin = new OutboxAdministration(store, Notifier, settings, logger, Wake);
    }

    public IPostbackOutboxStore Store { get; }

    /// <summary>Gets the signal the workers sleep on.</summary>
    internal WakeSignal WakeSignal { get; } = new();

    /// <summary>Gets who is told of final results and endpoint health (the workers report through it too).</summary>
    internal OutboxObserverNotifier Notifier { get; }

    internal IPostbackDeliveryObserver[] Observers => Notifier.Observers;

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

        await _writer.WriteAsync(entries, cancellationToken).ConfigureAwait(false);
    }

    public bool TryEnqueue(PostbackTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (_writer.IsStopped)
        {
            return false;
        }

        // Resolve on the caller's thread, so the writer never calls observers (one that enqueued from its callback would
        // then wait for itself), and wait for the commit: true must mean durable (see the remarks).
        try
        {
            var entries = Wait(PrepareAsync(transaction, CancellationToken.None));
            return entries.Count == 0 || _writer.TryWriteAndWait(entries);
        }
        catch (Exception ex)
        {
            OutboxLog.TryEnqueueFailed(_logger, ex);
            return false;
        }

        static T Wait<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();
    }

    public ValueTask<IReadOnlyList<PostbackOutboxEntry>> PrepareAsync(PostbackTransaction transaction, CancellationToken cancellationToken = default) =>
        _entries.PrepareAsync(transaction, cancellationToken);

    public void Wake() => WakeSignal.Set();

    public ValueTask<int> ReplayAsync(PostbackOutboxFilter filter, CancellationToken cancellationToken = default) =>
        _admin.ReplayAsync(filter, cancellationToken);

    public ValueTask<bool> EnableEndpointAsync(string endpointName, CancellationToken cancellationToken = default) =>
        _admin.EnableEndpointAsync(endpointName, cancellationToken);

    public ValueTask<bool> DisableEndpointAsync(string endpointName, string reason, CancellationToken cancellationToken = default) =>
        _admin.DisableEndpointAsync(endpointName, reason, cancellationToken);

    public ValueTask<long> PurgeAsync(CancellationToken cancellationToken = default) => _admin.PurgeAsync(cancellationToken);

    /// <summary>Stops accepting and writes what was handed over.</summary>
    public ValueTask DisposeAsync() => _writer.DisposeAsync();
}
