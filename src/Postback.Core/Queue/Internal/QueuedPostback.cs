using System.Threading;

namespace Postback.Internal;

/// <summary>One postback of a queued transaction: the endpoint, the transaction, and its share of the transaction's room in the queue.</summary>
internal sealed class QueuedPostback(PostbackEndpoint endpoint, PostbackTransaction transaction, QueuedPostback.Room room)
{
    private int _left;

    public PostbackEndpoint Endpoint { get; } = endpoint;

    public PostbackTransaction Transaction { get; } = transaction;

    /// <summary>Leaves the waiting line (admitted, done or reported); the transaction's room is given back when its last postback leaves. Idempotent.</summary>
    public void LeaveQueue()
    {
        if (Interlocked.Exchange(ref _left, 1) == 0)
        {
            room.Leave();
        }
    }

    /// <summary>A transaction's room in the queue, held until each of its postbacks has left the waiting line.</summary>
    internal sealed class Room(ChannelPostbackQueue queue, int postbacks)
    {
        private int _waiting = postbacks;

        public void Leave()
        {
            if (Interlocked.Decrement(ref _waiting) == 0)
            {
                queue.Release();
            }
        }
    }
}
