using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>
/// The built-in queue: a channel whose room is bounded by <see cref="PostbackQueueOptions.Capacity"/>. It waits when
/// full (it never drops). A transaction keeps its room until each of its postbacks has left the waiting line: a
/// postback parked behind its partner's backlog still counts, so what waits in memory stays bounded.
/// </summary>
internal sealed class ChannelPostbackQueue
    : IPostbackQueue, IDisposable
{
    private readonly Channel<PostbackTransaction> _channel;
    private readonly SemaphoreSlim _room;
    private readonly CancellationTokenSource _stopped = new();

    public ChannelPostbackQueue(IOptions<PostbackQueueOptions> options)
    {
        var capacity = options.Value.Capacity;
        _room = new SemaphoreSlim(capacity, capacity);
        _channel = Channel.CreateUnbounded<PostbackTransaction>(new UnboundedChannelOptions
        {
            SingleReader = true,
            SingleWriter = false,
        });
    }

    internal ChannelReader<PostbackTransaction> Reader => _channel.Reader;

    public async ValueTask EnqueueAsync(PostbackTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var copy = transaction.Clone();
        if (!_room.Wait(0, CancellationToken.None))
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopped.Token);
            try
            {
                await _room.WaitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Stopped(null);
            }
        }

        if (!_channel.Writer.TryWrite(copy))
        {
            _room.Release();
            throw Stopped(null);
        }
    }

    public bool TryEnqueue(PostbackTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (!_room.Wait(0))
        {
            return false;
        }

        if (_channel.Writer.TryWrite(transaction.Clone()))
        {
            return true;
        }

        _room.Release();
        return false;
    }

    public void Dispose()
    {
        _stopped.Dispose();
        _room.Dispose();
    }

    /// <summary>Gives back one transaction's room: each of its postbacks is in flight, done, or reported.</summary>
    internal void Release() => _room.Release();

    /// <summary>Stops accepting; what is queued stays readable, and callers waiting for room are told the queue stopped.</summary>
    internal void Complete()
    {
        _channel.Writer.TryComplete();
        try
        {
            _stopped.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static InvalidOperationException Stopped(Exception? inner) =>
        new("The postback queue is stopped: the host is shutting down. The transaction was not enqueued.", inner);
}
