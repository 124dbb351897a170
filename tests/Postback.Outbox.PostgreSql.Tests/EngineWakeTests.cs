using System.Diagnostics;
using Npgsql;
using Postback.Tests.Load;
using Postback.Tests.Support;

namespace Postback.Tests;

/// <summary>
/// The LISTEN/NOTIFY wake service on a real engine: with polling at 30 s, a postback enqueued through node A's engine is
/// attempted by node B well before B would poll, and again after B's listening connection is terminated and reconnects.
/// A functional check that the notification arrives, not a latency assertion: the waits are 10 s, a third of the poll.
/// </summary>
public sealed class EngineWakeTests(PostgreSqlServer server) : PostgreSqlTestBase(server)
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task An_enqueue_on_node_A_wakes_node_B_and_does_again_after_B_listener_is_terminated()
    {
        await using var receiver = await LoadReceiver.StartAsync();
        var schema = PostgreSqlServer.NewSchema("wake");
        const string NodeB = "postback-wake-node-b";
        var settings = new LoadNodeSettings(LoadSide.PostgreSql, receiver.BaseUrl)
        {
            PostgreSqlConnection = ConnectionString,
            Schema = schema,
            PollInterval = TimeSpan.FromSeconds(30),
        };

        // A enqueues only (never started: no workers, no listener); B works and listens, under an application name of its own.
        await using var a = LoadNode.Create(settings);
        await using var b = LoadNode.Create(settings with
        {
            PostgreSqlConnection = new NpgsqlConnectionStringBuilder(ConnectionString) { ApplicationName = NodeB }.ConnectionString,
        });
        await b.StartAsync();
        var firstListener = await WaitForListenerAsync(NodeB, except: 0);

        // Let B's claim loop fall asleep on its 30 s poll (it was woken once when the listener connected).
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var run = receiver.Begin(2);
        var watch = Stopwatch.StartNew();
        await a.Outbox!.EnqueueAsync(LoadNode.Transaction(0));
        (await WaitAsync(() => run.Distinct >= 1)).Should().BeTrue("NOTIFY from A's enqueue wakes B long before its 30 s poll");
        var first = watch.Elapsed;

        // Kill B's listening backend, as a failover or an admin would; B reconnects on its own.
        (await ScalarAsync($"SELECT pg_terminate_backend({firstListener})::int")).Should().Be(1);
        var secondListener = await WaitForListenerAsync(NodeB, except: firstListener);
        await Task.Delay(TimeSpan.FromMilliseconds(500));

        watch.Restart();
        await a.Outbox.EnqueueAsync(LoadNode.Transaction(1));
        (await WaitAsync(() => run.Distinct >= 2)).Should().BeTrue($"the reconnected listener (backend {secondListener}) wakes B again; the first took {first.TotalMilliseconds:F0} ms");

        run.Repeats.Should().Be(0);
        await WaitAsync(() => b.Observer.Delivered == 2);
        b.Observer.Delivered.Should().Be(2, "B attempted and completed both");
        (await a.Outbox.Store.GetStatsAsync())[PostbackDeliveryState.Delivered].Should().Be(2);
    }

    private async Task<long> WaitForListenerAsync(string applicationName, long except)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Prompt)
        {
            var pid = await ScalarAsync($"""
                SELECT COALESCE(MAX(pid), 0) FROM pg_stat_activity
                WHERE application_name = '{applicationName}' AND query LIKE 'LISTEN %' AND pid <> {except}
                """);
            if (pid != 0)
            {
                return pid;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"No LISTEN connection of {applicationName} within {Prompt}.");
    }

    private static async Task<bool> WaitAsync(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > Prompt)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }
}
