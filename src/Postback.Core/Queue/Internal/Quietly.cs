using System;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace Postback.Internal;

/// <summary>The queue's steps on paths that must not throw: even a failing logging provider or token callback cannot stop delivery.</summary>
internal static class Quietly
{
    public static void Log<TState>(ILogger logger, Action<ILogger, TState> log, TState state)
    {
        try
        {
            log(logger, state);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
        }
    }

    public static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        catch (AggregateException)
        {
            // A callback registered on the token threw; the token is cancelled all the same.
        }
    }
}
