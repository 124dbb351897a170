using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Postback.Internal;

/// <summary>
/// The attempts running on this node, and their shutdown drain: they get the drain time to finish, and what did not
/// finish by then is cancelled without a completion, so it stays claimed until its lease ends.
/// </summary>
internal sealed class OutboxAttemptsInFlight : IDisposable
{
    private readonly ConcurrentDictionary<Task, byte> _tasks = new();
    private readonly CancellationTokenSource _abort = new();

    /// <summary>Gets the token cancelled when the drain time is up.</summary>
    public CancellationToken AbortToken => _abort.Token;

    public void Track(Task attempt)
    {
        _tasks.TryAdd(attempt, 0);
        _ = attempt.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(t, out _), _tasks, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits for the attempts within <paramref name="drainTimeout"/>, then cancels and awaits the rest.</summary>
    public async Task DrainAsync(Task? claimLoop, TimeSpan drainTimeout, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            // No attempt starts after the claim loop ends, so the set is complete from then on.
            if (claimLoop is not null)
            {
                await claimLoop.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            using var drain = new CancellationTokenSource(drainTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(drain.Token, cancellationToken);
            await Task.WhenAll(_tasks.Keys).WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            OutboxLog.DrainTimedOut(logger, drainTimeout, _tasks.Count);
        }

        // What did not finish is left to its lease: cancel it without a completion.
        await _abort.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_tasks.Keys).ConfigureAwait(false);
    }

    public void Dispose() => _abort.Dispose();
}
