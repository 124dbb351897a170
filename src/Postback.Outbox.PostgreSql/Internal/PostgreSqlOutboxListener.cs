using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Postback.Internal;

/// <summary>
/// Keeps one connection that <c>LISTEN</c>s on the store's channel and calls <c>wake</c> on every notification. When the
/// connection drops (a restart, a failover, <c>pg_terminate_backend</c>), it reconnects with a growing delay (100 ms to
/// 10 s) and wakes once after reconnecting, for anything enqueued while it was away; the outbox's polling covers the gap.
/// </summary>
internal sealed partial class PostgreSqlOutboxListener(
    NpgsqlDataSource dataSource, string channel, Action wake, TimeProvider timeProvider, ILogger logger)
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan IdleProbe = TimeSpan.FromSeconds(30);

    private int _backendPid;
    private long _connections;

    /// <summary>Gets the server process id of the listening connection, or 0 while not connected.</summary>
    public int BackendPid => Volatile.Read(ref _backendPid);

    /// <summary>Gets how many times the listener has connected.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = MinBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += (_, _) => wake();
                    using (var listen = new NpgsqlCommand("LISTEN " + channel, connection))
                    {
                        await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    Volatile.Write(ref _backendPid, connection.ProcessID);
                    var connections = Interlocked.Increment(ref _connections);
                    backoff = MinBackoff;
                    if (connections > 1)
                    {
                        LogReconnected(logger, channel);
                    }

                    // Whatever was enqueued while no one listened.
                    wake();
                    while (!cancellationToken.IsCancellationRequested)
                    {
                        if (!await connection.WaitAsync(IdleProbe, cancellationToken).ConfigureAwait(false))
                        {
                            // Quiet for a while: make sure the connection is still alive.
                            using var probe = new NpgsqlCommand("SELECT 1", connection);
                            await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // Any failure of the listening connection is retried; polling covers the gap.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Volatile.Write(ref _backendPid, 0);
                LogListenFailed(logger, exception, channel, backoff.TotalMilliseconds);
                try
                {
                    await Task.Delay(backoff, timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }

        Volatile.Write(ref _backendPid, 0);
    }

    [LoggerMessage(EventId = 600, EventName = "OutboxListenFailed", Level = LogLevel.Warning,
        Message = "The outbox's LISTEN connection on channel {Channel} failed; reconnecting in {DelayMs} ms, polling meanwhile.")]
    private static partial void LogListenFailed(ILogger logger, Exception exception, string channel, double delayMs);

    [LoggerMessage(EventId = 601, EventName = "OutboxListenReconnected", Level = LogLevel.Information,
        Message = "The outbox's LISTEN connection on channel {Channel} is back.")]
    private static partial void LogReconnected(ILogger logger, string channel);
}
