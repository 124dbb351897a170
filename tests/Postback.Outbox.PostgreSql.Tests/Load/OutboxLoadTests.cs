using Postback.Tests.Support;
using Xunit.Abstractions;

namespace Postback.Tests.Load;

/// <summary>
/// The durable outbox's end-to-end load harness (<see cref="OutboxLoadHarness"/>): the in-memory queue, the SQLite outbox
/// and the PostgreSQL outbox with one and two nodes, against one do-nothing receiver on 127.0.0.1, in one run. The small
/// version runs in every test run and asserts behaviour only (every postback delivered exactly once, the counts), never
/// time. The full version (<c>POSTBACK_LOAD=1</c>, trait <c>Category=Load</c>) runs 100,000 postbacks per side and
/// prints the tables for docs/benchmarks.md (also written to <c>POSTBACK_LOAD_REPORT</c> when set); it asserts the
/// same behaviour and records the goals in the tables, never as assertions.
/// </summary>
public sealed class OutboxLoadTests(PostgreSqlServer server, ITestOutputHelper output) : PostgreSqlTestBase(server)
{
    [Fact]
    public async Task Small_every_side_delivers_every_postback_exactly_once_and_the_counts_add_up()
    {
        var report = await RunAsync(OutboxLoadSize.Small);
        AssertCorrect(report);
    }

    [OutboxLoadFact]
    [Trait("Category", "Load")]
    public async Task Full_outbox_load_harness()
    {
        // POSTBACK_LOAD_POSTBACKS scales the run down (for example on a machine too busy for the full one).
        var size = OutboxLoadSize.Full;
        if (int.TryParse(Environment.GetEnvironmentVariable("POSTBACK_LOAD_POSTBACKS"), out var postbacks) && postbacks is > 0 and < 100_000)
        {
            size = size with { Name = $"full, scaled to {postbacks}", Flow = postbacks, BatchedEnqueues = postbacks, ConcurrentEnqueues = Math.Max(100, postbacks / 5) };
        }

        var report = await RunAsync(size);
        AssertCorrect(report);
    }

    private async Task<OutboxLoadReport> RunAsync(OutboxLoadSize size)
    {
        var harness = new OutboxLoadHarness(size, ConnectionString, ScalarAsync);
        var report = await harness.RunAsync();
        var markdown = report.ToMarkdown();
        output.WriteLine(markdown);
        if (Environment.GetEnvironmentVariable("POSTBACK_LOAD_REPORT") is { Length: > 0 } path)
        {
            await File.AppendAllTextAsync(path, markdown + Environment.NewLine);
        }

        return report;
    }

    private static void AssertCorrect(OutboxLoadReport report)
    {
        var size = report.Size;
        report.Flows.Should().HaveCount(4);
        foreach (var flow in report.Flows)
        {
            var which = $"{flow.Side}, {flow.Nodes} node(s)";
            double.IsNaN(flow.Seconds).Should().BeFalse($"every postback arrives within the patience ({which})");
            flow.Distinct.Should().Be(size.Flow, $"every postback reaches the receiver ({which})");
            flow.Repeats.Should().Be(0, $"one scheduled attempt, one request: nothing is sent twice ({which})");
            flow.Stray.Should().Be(0, which);
            flow.DeliveredPerNode.Sum().Should().Be(size.Flow, $"exactly one final result reported per postback ({which})");
            flow.StoreDelivered.Should().Be(size.Flow, $"every delivery ends Delivered in the store ({which})");
            flow.StoreUnfinished.Should().Be(0, which);
        }

        report.Flows.Where(f => f.Nodes == 2).Should().ContainSingle().Which.DeliveredPerNode.Should().OnlyContain(d => d > 0, "both nodes deliver");

        report.Enqueues.Should().HaveCount(6);
        report.Drains.Should().HaveCount(2);
        foreach (var drain in report.Drains)
        {
            var total = size.SingleEnqueues + size.ConcurrentEnqueues + size.BatchedEnqueues;
            drain.Drained.Should().Be(total, $"{drain.Side}: two claimers claim and complete each enqueued delivery exactly once");
            drain.StoreDelivered.Should().Be(total, drain.Side);
        }

        report.Latencies.Should().HaveCount(5);
        foreach (var latency in report.Latencies)
        {
            latency.Distinct.Should().Be(latency.Samples, $"{latency.Side}, {latency.How}: every postback arrives");
            latency.Repeats.Should().Be(0, $"{latency.Side}, {latency.How}");
        }

        // Sizes: SQLite after the flow and after the purge; PostgreSQL after the flow, the purge and VACUUM.
        report.Sizes.Should().HaveCount(5);
        report.Sizes.Where(s => s.What.StartsWith("after a retention run", StringComparison.Ordinal)).Should().HaveCount(2)
            .And.OnlyContain(s => s.Rows == 0 && s.Purged == size.Flow, "a zero-age retention run purges every finished delivery");
    }
}

/// <summary>A fact that runs only with <c>POSTBACK_LOAD=1</c>; otherwise it is reported as skipped, not as passed.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class OutboxLoadFactAttribute : FactAttribute
{
    public OutboxLoadFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("POSTBACK_LOAD") != "1")
        {
            Skip = "Opt-in full-size load run: set POSTBACK_LOAD=1 (benchmarks/outbox-load.sh).";
        }
    }
}
