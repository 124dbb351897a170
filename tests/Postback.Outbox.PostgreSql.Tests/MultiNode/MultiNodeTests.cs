using System.Diagnostics;
using Postback.Tests.Support;
using Xunit.Abstractions;

namespace Postback.Tests.MultiNode;

/// <summary>
/// Several nodes as real processes (tests/Postback.Outbox.Worker) sharing one PostgreSQL outbox, delivering to a loopback
/// receiver in this process. 20,000 postbacks in CI; 200,000 with POSTBACK_LOAD=1.
/// </summary>
public sealed class MultiNodeTests(PostgreSqlServer server, ITestOutputHelper output) : PostgreSqlTestBase(server)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Two_worker_processes_deliver_every_postback_exactly_once()
    {
        var total = Environment.GetEnvironmentVariable("POSTBACK_LOAD") == "1" ? 200_000 : 20_000;
        await using var receiver = await LoopbackReceiver.StartAsync();
        var store = await CreateStoreAsync(clock: PostgreSqlOutboxClock.Database);
        var ids = await EnqueueAsync(store, total);

        var watch = Stopwatch.StartNew();
        using var a = WorkerProcess.Start(ConnectionString, store.Schema, "node-a", receiver.Url, batch: 100, lease: TimeSpan.FromSeconds(30));
        using var b = WorkerProcess.Start(ConnectionString, store.Schema, "node-b", receiver.Url, batch: 100, lease: TimeSpan.FromSeconds(30));
        (await a.WaitForExitAsync(RunTimeout)).Should().Be(0, a.Output);
        (await b.WaitForExitAsync(RunTimeout)).Should().Be(0, b.Output);
        output.WriteLine($"{total} postbacks by two processes in {watch.Elapsed.TotalSeconds:F1} s (node-a {a.Completed}, node-b {b.Completed}), process start and idle exit included");

        receiver.Hits.Keys.Should().BeEquivalentTo(ids, "no postback is lost");
        receiver.Hits.Where(h => h.Value > 1).Should().BeEmpty("no postback is delivered twice");
        (a.Stale + b.Stale).Should().Be(0);
        a.Completed.Should().BeGreaterThan(0);
        b.Completed.Should().BeGreaterThan(0);
        await AssertEveryDeliveryFinalOnceAsync(store, total);
    }

    [Fact]
    public async Task A_worker_killed_mid_run_loses_nothing_and_duplicates_at_most_its_in_flight_batch()
    {
        const int Total = 5_000;
        const int Batch = 100;
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(20);
        var store = await CreateStoreAsync(clock: PostgreSqlOutboxClock.Database);
        var ids = await EnqueueAsync(store, Total);

        using var victim = WorkerProcess.Start(ConnectionString, store.Schema, "victim", receiver.Url, Batch, TimeSpan.FromSeconds(3));
        using var survivor = WorkerProcess.Start(ConnectionString, store.Schema, "survivor", receiver.Url, Batch, TimeSpan.FromSeconds(3));

        // Kill it while it holds a claimed batch it has not completed yet.
        await CallerTransactionTests.WaitUntilAsync(
            () => receiver.Total >= Total / 5 && victim.Claimed > victim.Completed + victim.Stale, timeoutMs: 60_000);
        victim.Kill();
        await victim.WaitForExitAsync(TimeSpan.FromSeconds(10));
        var inFlightAtKill = (await store.GetStatsAsync())[PostbackDeliveryState.InFlight];
        output.WriteLine($"killed the victim (pid {victim.Pid}) after {victim.Completed} completions; {inFlightAtKill} deliveries in flight at the kill");

        (await survivor.WaitForExitAsync(RunTimeout)).Should().Be(0, survivor.Output);

        receiver.Hits.Keys.Should().BeEquivalentTo(ids, "no postback is lost");
        var duplicates = receiver.Hits.Values.Sum(count => count - 1);
        output.WriteLine($"duplicates: {duplicates} (at most one batch of {Batch})");
        duplicates.Should().BeLessThanOrEqualTo(Batch);
        receiver.KeyMismatches.Should().BeEmpty("a resend carries the delivery's one idempotency key");
        await AssertEveryDeliveryFinalOnceAsync(store, Total);
    }

    [Fact]
    public async Task A_paused_worker_whose_lease_expired_cannot_complete_what_another_worker_reclaimed()
    {
        const int Total = 3_000;
        const int Batch = 50;
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(100);
        var store = await CreateStoreAsync(clock: PostgreSqlOutboxClock.Database);
        var ids = await EnqueueAsync(store, Total);

        // The sleeper's postbacks are held unanswered, so when it is paused it surely holds live leases: no race with
        // the moment a batch happens to complete.
        receiver.HoldOwner = "sleeper";
        using var sleeper = WorkerProcess.Start(ConnectionString, store.Schema, "sleeper", receiver.Url, Batch, TimeSpan.FromSeconds(3));
        using var other = WorkerProcess.Start(ConnectionString, store.Schema, "other", receiver.Url, Batch, TimeSpan.FromSeconds(3));
        await CallerTransactionTests.WaitUntilAsync(() => !receiver.Held.IsEmpty, timeoutMs: 60_000);

        // SIGSTOP for longer than its lease (a GC pause, a frozen VM), then SIGCONT: its completions must not count. The
        // lease (3 s) is far above an attempt here (100 ms), as the engine requires, so only the paused batch expires.
        // It stays stopped until the other worker has reclaimed and delivered every postback it was holding.
        await SignalAsync("-STOP", sleeper.Pid);
        await CallerTransactionTests.WaitUntilAsync(
            () => receiver.Held.All(id => receiver.Hits.TryGetValue(id, out var hits) && hits >= 2), timeoutMs: 120_000);
        receiver.ReleaseHeld();
        await SignalAsync("-CONT", sleeper.Pid);

        (await sleeper.WaitForExitAsync(RunTimeout)).Should().Be(0, sleeper.Output);
        (await other.WaitForExitAsync(RunTimeout)).Should().Be(0, other.Output);
        output.WriteLine($"sleeper: {sleeper.Completed} counted, {sleeper.Stale} stale; other: {other.Completed} counted");

        sleeper.Stale.Should().BeGreaterThan(0, "the paused batch was reclaimed and completed by the other worker");
        sleeper.Stale.Should().BeLessThanOrEqualTo(Batch);
        receiver.Hits.Keys.Should().BeEquivalentTo(ids);
        receiver.Hits.Values.Sum(count => count - 1).Should().BeLessThanOrEqualTo(Batch);
        await AssertEveryDeliveryFinalOnceAsync(store, Total);

        // Each stale batch left no trace: one attempt per delivery is recorded for each counted completion only.
        (await ScalarAsync($"SELECT count(*) FROM \"{store.Schema}\".attempts")).Should().Be(Total);
    }

    private static async Task<IReadOnlyList<long>> EnqueueAsync(PostgreSqlPostbackOutboxStore store, int total)
    {
        var ids = new List<long>(total);
        for (var offset = 0; offset < total; offset += 1000)
        {
            ids.AddRange(await store.EnqueueAsync(
                Enumerable.Range(offset, Math.Min(1000, total - offset)).Select(i => Entry(i, host: "http://127.0.0.1:1")).ToList()));
        }

        return ids;
    }

    private async Task AssertEveryDeliveryFinalOnceAsync(PostgreSqlPostbackOutboxStore store, int total)
    {
        var s = $"\"{store.Schema}\"";
        (await ScalarAsync($"SELECT count(*) FROM {s}.deliveries")).Should().Be(0, "nothing is left live");
        (await ScalarAsync($"SELECT count(*) FROM {s}.history WHERE state = 4")).Should().Be(total, "every delivery ends Delivered");
        (await ScalarAsync($"SELECT count(DISTINCT id) FROM {s}.history")).Should().Be(total, "in exactly one final row");
    }

    private static async Task SignalAsync(string signal, int pid)
    {
        using var kill = Process.Start("kill", [signal, pid.ToString()]);
        await kill.WaitForExitAsync();
        kill.ExitCode.Should().Be(0);
    }
}
