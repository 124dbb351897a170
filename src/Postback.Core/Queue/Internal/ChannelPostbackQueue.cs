using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>The built-in queue: a bounded channel that waits when full (it never drops).</summary>
internal sealed class ChannelPostbackQueue
    : IPostbackQueue
{
    private readonly Channel<PostbackTransaction> _channel;

    public ChannelPostbackQueue(IOptions<PostbackQueueOptions> options)
    {
        _channel = Channel.CreateBounded<PostbackTransaction>(new BoundedChannelOptions(options.Value.Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    internal ChannelReader<PostbackTransaction> Reader => _channel.Reader;

    public async ValueTask EnqueueAsync(PostbackTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        try
        {
            await _channel.Writer.WriteAsync(transaction.Clone(), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new InvalidOperationException("The postback queue is stopped: the host is shutting down. The transaction was not enqueued.", ex);
        }
    }

    public bool TryEnqueue(PostbackTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return _channel.Writer.TryWrite(transaction.Clone());
    }

    /// <summary>Stops accepting; what is queued stays readable.</summary>
    internal void Complete() => _channel.Writer.TryComplete();
}
