using System.Diagnostics;
using Postback.Tests.Support;
using Xunit.Abstractions;

namespace Postback.Tests;

/// <summary>
/// Database-only numbers for docs/postgresql.md: enqueue/s and claim-and-complete/s with two concurrent claimers, no
/// HTTP. Measured, never asserted on time: they run with POSTBACK_LOAD=1 and only print.
/// </summary>
public sealed class LoadTests(PostgreSqlServer server, ITestOutputHelper output) : PostgreSqlTestBase(server)
{
    [Fact]
    public async Task Database_only_enqueue_and_claim_and_complete_throughput()
    {
        if (Environment.GetEnvironmentVariable("POSTBACK_LOAD") != "1")
        {
            output.WriteLine("Set POSTBACK_LOAD=1 to measure.");
            return;
        }

        const int Total = 100_000;
        var schema = PostgreSqlServer.NewSchema("load");
        var a = await CreateStoreAsync(schema: schema, clock: PostgreSqlOutboxClock.Database);
        var b = await CreateStoreAsync(schema: schema, clock: PostgreSqlOutboxClock.Database);

        // Enqueue: one at a time (one transaction each), then batched (100 per transaction), from 4 callers.
        var single = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < 2_500; i++)
            {
                await a.EnqueueAsync([Entry(c * 1_000_000 + i)]);
            }
        })));
        output.WriteLine($"enqueue, one per transaction, 4 callers: {10_000 / single.Elapsed.TotalSeconds:N0}/s");

        var batched = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < (Total - 10_000) / 4; i += 100)
            {
                await a.EnqueueAsync(Enumerable.Range(i, 100).Select(n => Entry(c * 1_000_000 + 10_000 + n, host: $"http://h{n % 20}.test:80")).ToList());
            }
        })));
        output.WriteLine($"enqueue, 100 per transaction, 4 callers: {(Total - 10_000) / batched.Elapsed.TotalSeconds:N0}/s");

        foreach (var (name, perHost) in new[] { ("no per-host cap", int.MaxValue), ("MaxPerHost 20", 20) })
        {
            if (perHost != int.MaxValue)
            {
                await using var reset = DataSource.CreateCommand($"""
                    WITH moved AS (DELETE FROM "{schema}".history RETURNING *)
                    INSERT INTO "{schema}".deliveries (id, endpoint_name, idempotency_key, host_key, payload, order_number, state, attempt, failed_attempts, enqueued_at, next_attempt_at)
                    SELECT id, endpoint_name, idempotency_key, host_key, payload, order_number, 1, attempt, 0, enqueued_at, now() FROM moved;
                    TRUNCATE "{schema}".attempts;
                    """);
                reset.CommandTimeout = 300;
                await reset.ExecuteNonQueryAsync();
                await using var vacuum = DataSource.CreateCommand($"VACUUM ANALYZE \"{schema}\".deliveries");
                await vacuum.ExecuteNonQueryAsync();
            }

            var watch = Stopwatch.StartNew();
            var done = 0;
            async Task DrainAsync(PostgreSqlPostbackOutboxStore store, string owner)
            {
                while ((await store.ClaimAsync(Claim(owner, max: 200, maxPerHost: perHost))) is { Count: > 0 } leases)
                {
                    await store.CompleteAsync(leases.Select(l => Delivered(l, owner)).ToList(), new PostbackEndpointHealthPolicy());
                    Interlocked.Add(ref done, leases.Count);
                }
            }

            await Task.WhenAll(Task.Run(() => DrainAsync(a, "a")), Task.Run(() => DrainAsync(b, "b")));
            output.WriteLine($"claim (200) + complete with attempt record and move to history, 2 claimers, {name}: {done / watch.Elapsed.TotalSeconds:N0}/s ({done} in {watch.Elapsed.TotalSeconds:F1} s)");
            done.Should().Be(Total);
        }
    }
}
