using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Postback.Tests.Load;

/// <summary>The sizes of one harness run. Every loop is bounded by its count and by <see cref="Patience"/>.</summary>
internal sealed record OutboxLoadSize(
    string Name,
    int Flow,
    int WarmUp,
    int Producers,
    int SingleEnqueues,
    int ConcurrentEnqueues,
    int BatchedEnqueues,
    int LatencySamples,
    TimeSpan Pacing,
    TimeSpan Patience)
{
    /// <summary>Gets the CI sizes: seconds, correctness only.</summary>
    public static OutboxLoadSize Small { get; } = new("small", 500, 0, 8, 50, 200, 500, 50, TimeSpan.FromMilliseconds(5), TimeSpan.FromMinutes(2));

    /// <summary>Gets the opt-in sizes (POSTBACK_LOAD=1): 100,000 postbacks end to end per side.</summary>
    public static OutboxLoadSize Full { get; } = new("full", 100_000, 2_000, 64, 2_000, 20_000, 100_000, 2_000, TimeSpan.FromMilliseconds(5), TimeSpan.FromMinutes(10));

    public const int BatchSize = 100;

    public const int ConcurrentCallers = 16;
}

/// <summary>One end-to-end run: postbacks enqueued through the engine while its workers deliver them.</summary>
internal sealed record FlowResult(string Side, int Nodes, int Postbacks, double Seconds, double EnqueueSeconds, int Distinct, int Repeats, long Stray, int[] DeliveredPerNode, long StoreDelivered, long StoreUnfinished, double LatencyP50, double LatencyP99, string Breakdown)
{
    public double PerSecond => Postbacks / Seconds;
}

internal sealed record EnqueueResult(string Side, string How, int Count, double Seconds)
{
    public double PerSecond => Count / Seconds;
}

internal sealed record LatencyResult(string Side, string How, int Samples, int Distinct, int Repeats, double P50, double P99, double Max);

internal sealed record DrainResult(string Side, int Count, int Drained, double Seconds, long StoreDelivered)
{
    public double PerSecond => Drained / Seconds;
}

internal sealed record SizeResult(string Side, string What, long Rows, string Sizes, long Purged);

/// <summary>Everything one harness run measured, in the order it ran.</summary>
internal sealed class OutboxLoadReport(OutboxLoadSize size)
{
    public OutboxLoadSize Size { get; } = size;

    public List<FlowResult> Flows { get; } = [];

    public List<EnqueueResult> Enqueues { get; } = [];

    public List<LatencyResult> Latencies { get; } = [];

    public List<DrainResult> Drains { get; } = [];

    public List<SizeResult> Sizes { get; } = [];

    public string LoadBefore { get; set; } = "";

    public string LoadAfter { get; set; } = "";

    public DateTimeOffset StartedAt { get; set; }

    public TimeSpan Elapsed { get; set; }

    public string ToMarkdown()
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"Outbox load harness, size {Size.Name}, started {StartedAt:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, took {Elapsed.TotalSeconds:F0} s; load average before {LoadBefore}, after {LoadAfter}.");
        s.AppendLine();
        s.AppendLine("| End to end | Nodes | Postbacks | Seconds | Deliveries/s | Per node | Goal | Latency under load p50 / p99 | Exactly once |");
        s.AppendLine("|---|---:|---:|---:|---:|---|---|---|---|");
        foreach (var f in Flows)
        {
            var goal = f.Side.StartsWith("in-memory", StringComparison.Ordinal) ? "baseline" : $">= {2_000 * f.Nodes:N0}/s ({(f.PerSecond >= 2_000 * f.Nodes ? "met" : "missed")})";
            s.AppendLine(CultureInfo.InvariantCulture, $"| {f.Side} | {f.Nodes} | {f.Postbacks:N0} | {f.Seconds:F2} | **{f.PerSecond:N0}** | {string.Join(" + ", f.DeliveredPerNode.Select(d => d.ToString("N0", CultureInfo.InvariantCulture)))} | {goal} | {f.LatencyP50:N0} / {f.LatencyP99:N0} ms | {(f.Distinct == f.Postbacks && f.Repeats == 0 ? "yes" : $"NO: {f.Distinct} arrived, {f.Repeats} repeats")} |");
        }

        s.AppendLine();
        s.AppendLine("| Where the time went (store calls during the run above) | Breakdown |");
        s.AppendLine("|---|---|");
        foreach (var f in Flows.Where(f => f.Breakdown.Length > 0))
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"| {f.Side}, {f.Nodes} node(s) (enqueue phase {f.EnqueueSeconds:F2} s) | {f.Breakdown} |");
        }

        s.AppendLine();
        s.AppendLine("| Enqueue (workers off) | How | Count | Seconds | Enqueues/s |");
        s.AppendLine("|---|---|---:|---:|---:|");
        foreach (var e in Enqueues)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"| {e.Side} | {e.How} | {e.Count:N0} | {e.Seconds:F2} | **{e.PerSecond:N0}** |");
        }

        s.AppendLine();
        s.AppendLine("| Enqueue-to-first-attempt latency | How | Samples | p50 | p99 | max | Goal |");
        s.AppendLine("|---|---|---:|---:|---:|---:|---|");
        foreach (var l in Latencies)
        {
            var goal = l.How.Contains("NOTIFY", StringComparison.Ordinal) ? $"p50 < 20 ms ({(l.P50 < 20 ? "met" : "missed")})"
                : l.How.Contains("polling only", StringComparison.Ordinal) ? $"p99 < 1,200 ms ({(l.P99 < 1_200 ? "met" : "missed")})"
                : "-";
            s.AppendLine(CultureInfo.InvariantCulture, $"| {l.Side} | {l.How} | {l.Samples:N0} | {l.P50:N1} ms | {l.P99:N1} ms | {l.Max:N1} ms | {goal} |");
        }

        s.AppendLine();
        s.AppendLine("| Database only: claim 200 + complete (attempt record), 2 claimers, no HTTP | Deliveries | Seconds | Claimed and completed/s | Goal |");
        s.AppendLine("|---|---:|---:|---:|---|");
        foreach (var d in Drains)
        {
            var goal = d.Side == "PostgreSQL" ? $">= 8,000/s ({(d.PerSecond >= 8_000 ? "met" : "missed")})" : "-";
            s.AppendLine(CultureInfo.InvariantCulture, $"| {d.Side} | {d.Drained:N0} | {d.Seconds:F2} | **{d.PerSecond:N0}** | {goal} |");
        }

        s.AppendLine();
        s.AppendLine("| Store size | When | Deliveries in the store | Size | Purged |");
        s.AppendLine("|---|---|---:|---|---:|");
        foreach (var z in Sizes)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"| {z.Side} | {z.What} | {z.Rows:N0} | {z.Sizes} | {z.Purged:N0} |");
        }

        return s.ToString();
    }
}

/// <summary>
/// The durable outbox's end-to-end load harness: the in-memory queue (baseline), the SQLite outbox and the PostgreSQL
/// outbox (one node, two nodes) deliver to one do-nothing <see cref="LoadReceiver"/> on 127.0.0.1, in one run. See
/// docs/benchmarks.md, "Durable outbox: end to end".
/// </summary>
internal sealed class OutboxLoadHarness(OutboxLoadSize size, string postgreSqlConnection, Func<string, Task<long>> scalar)
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "postback-load-" + Guid.NewGuid().ToString("N")[..12]);
    private static int s_schemas;

    public async Task<OutboxLoadReport> RunAsync()
    {
        var report = new OutboxLoadReport(size) { StartedAt = DateTimeOffset.UtcNow, LoadBefore = LoadAverage() };
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(_folder);
        await using var receiver = await LoadReceiver.StartAsync();
        try
        {
            // Warm-up (full size only): JIT and connection pools, for each side, results dropped.
            if (size.WarmUp > 0)
            {
                await FlowAsync(receiver, LoadSide.Queue, 1, size.WarmUp, null);
                await FlowAsync(receiver, LoadSide.Sqlite, 1, size.WarmUp, null);
                await FlowAsync(receiver, LoadSide.PostgreSql, 1, size.WarmUp, null);
            }

            // 1. End to end, each side in turn; the stores' sizes after 100,000 (full) and after a retention run.
            report.Flows.Add(await FlowAsync(receiver, LoadSide.Queue, 1, size.Flow, null));
            report.Flows.Add(await FlowAsync(receiver, LoadSide.Sqlite, 1, size.Flow, report.Sizes));
            report.Flows.Add(await FlowAsync(receiver, LoadSide.PostgreSql, 1, size.Flow, report.Sizes));
            report.Flows.Add(await FlowAsync(receiver, LoadSide.PostgreSql, 2, size.Flow, null));

            // 2. Enqueue rates with the workers off, then the database-only drain of what they wrote.
            await EnqueueAndDrainAsync(receiver, LoadSide.Sqlite, report);
            await EnqueueAndDrainAsync(receiver, LoadSide.PostgreSql, report);

            // 3. Enqueue-to-first-attempt latency at a steady pace.
            report.Latencies.Add(await LatencyAsync(receiver, LoadSide.Queue, "same node", producerOnly: false, listen: true));
            report.Latencies.Add(await LatencyAsync(receiver, LoadSide.Sqlite, "same node (the engine wakes its own workers)", producerOnly: false, listen: true));
            report.Latencies.Add(await LatencyAsync(receiver, LoadSide.PostgreSql, "same node (the engine wakes its own workers)", producerOnly: false, listen: true));
            report.Latencies.Add(await LatencyAsync(receiver, LoadSide.PostgreSql, "enqueued on another node, NOTIFY (poll 1 s)", producerOnly: true, listen: true));
            report.Latencies.Add(await LatencyAsync(receiver, LoadSide.PostgreSql, "enqueued on another node, polling only (1 s)", producerOnly: true, listen: false));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            NpgsqlConnection.ClearAllPools();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        report.Elapsed = watch.Elapsed;
        report.LoadAfter = LoadAverage();
        return report;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string SideName(LoadSide side) => side switch
    {
        LoadSide.Queue => "in-memory queue",
        LoadSide.Sqlite => "SQLite outbox",
        _ => "PostgreSQL outbox",
    };

    private LoadNodeSettings Settings(LoadSide side, LoadReceiver receiver, string id) => new(side, receiver.BaseUrl)
    {
        SqlitePath = Path.Combine(_folder, id + ".db"),
        PostgreSqlConnection = postgreSqlConnection,
        Schema = $"load_{Environment.ProcessId}_{Interlocked.Increment(ref s_schemas)}",
    };

    /// <summary>End to end: producers enqueue through the engine (group commit) while the workers deliver.</summary>
    private async Task<FlowResult> FlowAsync(LoadReceiver receiver, LoadSide side, int nodeCount, int count, List<SizeResult>? sizes)
    {
        var settings = Settings(side, receiver, "flow-" + Guid.NewGuid().ToString("N")[..8]);
        var nodes = new List<LoadNode>();
        try
        {
            for (var i = 0; i < nodeCount; i++)
            {
                nodes.Add(LoadNode.Create(settings));
            }

            foreach (var node in nodes)
            {
                await node.StartAsync();
            }

            var strayBefore = receiver.Stray;
            var run = receiver.Begin(count);
            foreach (var node in nodes)
            {
                node.Store?.Reset();
            }

            run.Started = Stopwatch.GetTimestamp();
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, size.Producers).Select(_ => Task.Run(async () =>
            {
                int seq;
                while ((seq = Interlocked.Increment(ref next)) < count)
                {
                    run.MarkEnqueued(seq);
                    await nodes[seq % nodes.Count].Queue.EnqueueAsync(LoadNode.Transaction(seq));
                }
            }))).WaitAsync(size.Patience);
            var enqueueSeconds = Stopwatch.GetElapsedTime(run.Started).TotalSeconds;
            var seconds = await run.WaitAllAsync(size.Patience);
            var breakdown = string.Join(" / ", nodes.Where(n => n.Store is not null).Select(n => n.Store!.Breakdown(seconds)));

            // Every final result reported (the outbox reports after its completion is stored).
            await WaitUntilAsync(() => nodes.Sum(n => n.Observer.Reported) >= count, size.Patience);
            long storeDelivered = count;
            long unfinished = 0;
            if (nodes[0].Outbox is { } outbox)
            {
                var stats = await outbox.Store.GetStatsAsync();
                storeDelivered = stats[PostbackDeliveryState.Delivered];
                unfinished = stats.Counts.Where(c => c.Key != PostbackDeliveryState.Delivered).Sum(c => c.Value);
                if (sizes is not null)
                {
                    await MeasureSizeAsync(side, settings, outbox, storeDelivered, sizes);
                }
            }

            var (p50, p99, _) = run.Latency();
            return new FlowResult(SideName(side), nodeCount, count, seconds, enqueueSeconds, run.Distinct, run.Repeats, receiver.Stray - strayBefore,
                [.. nodes.Select(n => n.Observer.Delivered)], storeDelivered, unfinished, p50, p99, breakdown);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>The store's size with every delivery finished, then after a retention run that purges everything finished (zero retention).</summary>
    private async Task MeasureSizeAsync(LoadSide side, LoadNodeSettings settings, IPostbackOutbox outbox, long delivered, List<SizeResult> sizes)
    {
        var name = SideName(side);
        sizes.Add(new SizeResult(name, $"after {delivered:N0} delivered", delivered, await SizesAsync(side, settings), 0));
        var purged = await outbox.Store.PurgeAsync(TimeSpan.Zero, TimeSpan.Zero);
        var left = (await outbox.Store.GetStatsAsync()).Counts.Values.Sum();
        sizes.Add(new SizeResult(name, "after a retention run (finished age 0)", left, await SizesAsync(side, settings), purged));
        if (side == LoadSide.PostgreSql)
        {
            foreach (var table in new[] { "deliveries", "history", "attempts" })
            {
                await scalar($"VACUUM \"{settings.Schema}\".{table}");
            }

            sizes.Add(new SizeResult(name, "after the retention run and VACUUM (autovacuum would do it)", left, await SizesAsync(side, settings), 0));
        }
    }

    private async Task<string> SizesAsync(LoadSide side, LoadNodeSettings settings)
    {
        if (side == LoadSide.Sqlite)
        {
            static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
            var file = Length(settings.SqlitePath!);
            var wal = Length(settings.SqlitePath + "-wal");
            return $"file {Mb(file)} + WAL {Mb(wal)} = **{Mb(file + wal)}**";
        }

        var parts = new List<string>();
        long total = 0;
        foreach (var table in new[] { "deliveries", "history", "attempts" })
        {
            var bytes = await scalar($"SELECT pg_total_relation_size('\"{settings.Schema}\".{table}')");
            total += bytes;
            parts.Add($"{table} {Mb(bytes)}");
        }

        return $"{string.Join(", ", parts)} = **{Mb(total)}** (pg_total_relation_size, indexes included)";
    }

    private static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("N1", CultureInfo.InvariantCulture) + " MB";

    /// <summary>Enqueue rates with no workers (single caller, concurrent callers, batches of 100), then a database-only drain.</summary>
    private async Task EnqueueAndDrainAsync(LoadReceiver receiver, LoadSide side, OutboxLoadReport report)
    {
        var name = side == LoadSide.Sqlite ? "SQLite" : "PostgreSQL";
        await using var node = LoadNode.Create(Settings(side, receiver, "enqueue"));
        var outbox = node.Outbox!;
        var store = node.Store!.Inner;
        await store.InitializeAsync();
        var seq = 10_000_000;

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < size.SingleEnqueues && watch.Elapsed < size.Patience; i++)
        {
            await outbox.EnqueueAsync(LoadNode.Transaction(seq++));
        }

        report.Enqueues.Add(new EnqueueResult(name, "engine EnqueueAsync, 1 caller (one commit each)", size.SingleEnqueues, watch.Elapsed.TotalSeconds));

        var next = seq;
        var end = seq + size.ConcurrentEnqueues;
        watch.Restart();
        await Task.WhenAll(Enumerable.Range(0, OutboxLoadSize.ConcurrentCallers).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) <= end)
            {
                await outbox.EnqueueAsync(LoadNode.Transaction(n));
            }
        }))).WaitAsync(size.Patience);
        report.Enqueues.Add(new EnqueueResult(name, $"engine EnqueueAsync, {OutboxLoadSize.ConcurrentCallers} concurrent callers (group commit)", size.ConcurrentEnqueues, watch.Elapsed.TotalSeconds));
        seq = end + 1;

        watch.Restart();
        for (var done = 0; done < size.BatchedEnqueues && watch.Elapsed < size.Patience; done += OutboxLoadSize.BatchSize)
        {
            var entries = new List<PostbackOutboxEntry>(OutboxLoadSize.BatchSize);
            for (var i = 0; i < OutboxLoadSize.BatchSize; i++)
            {
                entries.AddRange(await outbox.PrepareAsync(LoadNode.Transaction(seq++)));
            }

            await store.EnqueueAsync(entries);
        }

        report.Enqueues.Add(new EnqueueResult(name, $"PrepareAsync + store EnqueueAsync, {OutboxLoadSize.BatchSize} per call, 1 caller", size.BatchedEnqueues, watch.Elapsed.TotalSeconds));

        // Database only: two claimers drain everything written above, claim 200 + complete each batch.
        var total = size.SingleEnqueues + size.ConcurrentEnqueues + size.BatchedEnqueues;
        var drained = 0;
        watch.Restart();
        async Task DrainAsync(string owner)
        {
            var claim = new PostbackOutboxClaim { Owner = owner, MaxCount = 200, LeaseDuration = TimeSpan.FromMinutes(5) };
            var policy = new PostbackEndpointHealthPolicy();
            while (watch.Elapsed < size.Patience && await store.ClaimAsync(claim) is { Count: > 0 } leases)
            {
                var completions = leases.Select(l => new PostbackOutboxCompletion
                {
                    Id = l.Id,
                    Owner = owner,
                    Attempt = l.Attempt,
                    State = PostbackDeliveryState.Delivered,
                    Signal = PostbackEndpointSignal.Success,
                    Record = new PostbackOutboxAttempt
                    {
                        Number = l.Attempt,
                        StartedAt = DateTimeOffset.UtcNow,
                        Duration = TimeSpan.FromMilliseconds(1),
                        Outcome = PostbackOutcome.Delivered,
                        StatusCode = 200,
                        RedactedUrl = receiver.BaseUrl + "/pb?o=***",
                    },
                }).ToList();
                var result = await store.CompleteAsync(completions, policy);
                Interlocked.Add(ref drained, leases.Count - result.Stale.Count);
            }
        }

        await Task.WhenAll(Task.Run(() => DrainAsync("drain-a")), Task.Run(() => DrainAsync("drain-b")));
        var seconds = watch.Elapsed.TotalSeconds;
        var delivered = (await store.GetStatsAsync())[PostbackDeliveryState.Delivered];
        report.Drains.Add(new DrainResult(name, total, drained, seconds, delivered));
    }

    /// <summary>Enqueues at a steady pace and measures, at the receiver, the time from enqueue to the first request.</summary>
    private async Task<LatencyResult> LatencyAsync(LoadReceiver receiver, LoadSide side, string how, bool producerOnly, bool listen)
    {
        var settings = Settings(side, receiver, "latency-" + Guid.NewGuid().ToString("N")[..8]) with { Listen = listen };
        await using var worker = LoadNode.Create(settings);
        await worker.StartAsync();
        await using var producer = producerOnly ? LoadNode.Create(settings) : null;
        var enqueuer = producer ?? worker;

        // One postback first, so that connections are open and the idle loops are asleep when measuring starts.
        var count = size.LatencySamples;
        var run = receiver.Begin(count + 1);
        run.MarkEnqueued(count);
        await enqueuer.Queue.EnqueueAsync(LoadNode.Transaction(count));
        await WaitUntilAsync(() => run.Distinct >= 1, size.Patience);
        await Task.Delay(TimeSpan.FromMilliseconds(1_500));

        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count && Stopwatch.GetElapsedTime(start) < size.Patience; i++)
        {
            run.MarkEnqueued(i);
            await enqueuer.Queue.EnqueueAsync(LoadNode.Transaction(i));
            var wait = (size.Pacing * (i + 1)) - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
        }

        await run.WaitAllAsync(size.Patience);
        var (p50, p99, max) = run.Latency(count);
        return new LatencyResult(SideName(side), how, count, run.Distinct - 1, run.Repeats, p50, p99, max);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < timeout)
        {
            await Task.Delay(5);
        }
    }
}
