using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Postback.Internal;

/// <summary>
/// The outbox's group commit: enqueues go through a bounded channel to one writer, which takes whatever has piled up (up
/// to <see cref="MaxEntriesPerWrite"/> deliveries) and writes it in one store call, so with many concurrent callers one
/// transaction commit serves many of them. A caller's deliveries always go in the same call (all or nothing); if a
/// grouped write fails, each caller's deliveries are written again on their own, so one bad transaction does not fail
/// its neighbours.
/// </summary>
internal sealed class OutboxEnqueueWriter : IAsyncDisposable
{
    /// <summary>The most deliveries one grouped write carries.</summary>
    internal const int MaxEntriesPerWrite = 1000;

    private readonly IPostbackOutboxStore _store;
    private readonly Func<CancellationToken, Task> _ensureInitialized;
    private readonly Action _committed;
    private readonly Channel<PendingWrite> _writes;
    private readonly Lock _gate = new();
    private Task? _writer;
    private bool _stopped;

    /// <param name="store">Where the deliveries are written.</param>
    /// <param name="capacity">How many callers' writes may wait in the channel.</param>
    /// <param name="ensureInitialized">Creates or migrates the store before the first write.</param>
    /// <param name="committed">Called after each write, so the workers look for the new deliveries.</param>
    public OutboxEnqueueWriter(IPostbackOutboxStore store, int capacity, Func<CancellationToken, Task> ensureInitialized, Action committed)
    {
        _store = store;
        _ensureInitialized = ensureInitialized;
        _committed = committed;
        _writes = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    /// <summary>Gets whether the writer was disposed: it accepts nothing more.</summary>
    public bool IsStopped => Volatile.Read(ref _stopped);

    /// <summary>Hands the deliveries over, waiting for room, and completes when they are committed.</summary>
    /// <exception cref="InvalidOperationException">The writer is stopped.</exception>
    public async ValueTask WriteAsync(IReadOnlyList<PostbackOutboxEntry> entries, CancellationToken cancellationToken)
    {
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

        // Handed over: wait for the commit whatever the token says, so a caller never sees "cancelled" for a delivery
        // that was stored anyway (and re-sends it as a duplicate).
        await write.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Hands the deliveries over when there is room and blocks until they are committed; <see langword="false"/> when the
    /// channel is full or stopped. A failed write throws.
    /// </summary>
    public bool TryWriteAndWait(IReadOnlyList<PostbackOutboxEntry> entries)
    {
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

    /// <summary>Stops accepting and writes what was handed over.</summary>
    public async ValueTask DisposeAsync()
    {
        Task? writer;
        lock (_gate)
        {
            _stopped = true;
            writer = _writer;
        }

        _writes.Writer.TryComplete();
        if (writer is not null)
        {
            await writer.ConfigureAwait(false);
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
                await _ensureInitialized(CancellationToken.None).ConfigureAwait(false);
                await _store.EnqueueAsync(entries.ToArray(), CancellationToken.None).ConfigureAwait(false);
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
                        await _store.EnqueueAsync(write.Entries, CancellationToken.None).ConfigureAwait(false);
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

            _committed();
        }
    }

    /// <summary>One caller's deliveries on their way to the writer; the caller waits on <see cref="Completion"/>.</summary>
    private sealed class PendingWrite(IReadOnlyList<PostbackOutboxEntry> entries)
    {
        public IReadOnlyList<PostbackOutboxEntry> Entries { get; } = entries;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
