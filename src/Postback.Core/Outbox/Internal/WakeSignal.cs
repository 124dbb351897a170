using System;
using System.Threading;
using System.Threading.Tasks;

namespace Postback.Internal;

/// <summary>
/// An auto-reset signal a worker can wait on with a timeout from a <see cref="TimeProvider"/>: <see cref="Set"/> wakes
/// the current waiter, or the next one if none waits (a set is never lost).
/// </summary>
internal sealed class WakeSignal
{
    private TaskCompletionSource _signal = NewSource();

    public void Set() => Volatile.Read(ref _signal).TrySetResult();

    /// <summary>Waits for <see cref="Set"/> or the timeout; returns <see langword="true"/> when woken.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var signal = Volatile.Read(ref _signal);
        if (!signal.Task.IsCompleted)
        {
            try
            {
                await signal.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        // Reset: a later Set completes the new source.
        Interlocked.CompareExchange(ref _signal, NewSource(), signal);
        return true;
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
