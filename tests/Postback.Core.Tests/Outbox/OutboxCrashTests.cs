using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Microsoft.Data.Sqlite;
using Postback.Tests.Support;
using Xunit.Abstractions;

namespace Postback.Tests.Outbox;

/// <summary>
/// The outbox survives a crash: a real child process (tests/Postback.Outbox.CrashWorker) delivers from a SQLite file to
/// a receiver here that answers slowly, is killed with SIGKILL while postbacks are in flight, and is started again. After
/// the drain every delivery is delivered exactly once in the store, the receiver saw every one, and the only duplicates
/// are deliveries that were in flight at the kill, each resent with its own idempotency key. Waits are on conditions,
/// never on time.
/// </summary>
public sealed class OutboxCrashTests(ITestOutputHelper output)
{
    private const int Count = 300;

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_worker_killed_with_SIGKILL_mid_delivery_loses_nothing_and_resends_only_what_was_in_flight_with_the_same_key()
    {
        var open = 0;
        await using var receiver = await KestrelReceiver.StartAsync(async context =>
        {
            Interlocked.Increment(ref open);
            try
            {
                // 200 to 500 ms: many postbacks are in flight at any moment.
                await Task.Delay(Random.Shared.Next(200, 500), context.RequestAborted);
                context.Response.StatusCode = 200;
            }
            finally
            {
                Interlocked.Decrement(ref open);
            }
        });
        var folder = Path.Combine(Path.GetTempPath(), "postback-crash-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var db = Path.Combine(folder, "outbox.db");
        var connectionString = new SqliteConnectionStringBuilder { DataSource = db }.ToString();
        try
        {
            // 1. The child enqueues and delivers.
            await using (var first = await Child.StartAsync(db, receiver.BaseUrl, Count, output))
            {
                await first.WaitForLineAsync("enqueued " + Count);

                // 2. Kill it while postbacks are in flight: the receiver has seen some, and some are open.
                await OutboxApp.WaitUntilAsync(() => receiver.HitCount >= 40 && Volatile.Read(ref open) > 0, Patience);
                var openAtKill = Volatile.Read(ref open);
                var seenAtKill = receiver.HitCount;
                first.Kill();
                output.WriteLine($"killed pid {first.Pid}: receiver had seen {seenAtKill} requests, {openAtKill} open");
            }

            // 3. What the store says was in flight at the kill: the dead process changes nothing any more.
            var store = new SqlitePostbackOutboxStore(new SqlitePostbackOutboxOptions { ConnectionString = connectionString }, TimeProvider.System);
            var inFlightAtKill = (await store.QueryAsync(new PostbackOutboxFilter { State = PostbackDeliveryState.InFlight }, null, 1000)).Items
                .Select(d => d.OrderNumber!).ToHashSet();
            var statsAtKill = await store.GetStatsAsync();
            output.WriteLine($"at the kill: {inFlightAtKill.Count} in flight, {statsAtKill[PostbackDeliveryState.Pending]} pending, {statsAtKill[PostbackDeliveryState.Delivered]} delivered");
            inFlightAtKill.Should().NotBeEmpty("the kill must hit postbacks in flight");
            (statsAtKill[PostbackDeliveryState.Pending] + inFlightAtKill.Count).Should().BePositive("work must be left for the restart");

            // 4. Restart on the same file; the expired leases are reclaimed and the rest is drained.
            await using (var second = await Child.StartAsync(db, receiver.BaseUrl, 0, output))
            {
                await second.WaitForLineAsync("ready");
                await OutboxApp.WaitUntilAsync(
                    async () =>
                    {
                        var stats = await store.GetStatsAsync();
                        return stats[PostbackDeliveryState.Delivered] == Count;
                    },
                    Patience);
                await second.StopAsync();
            }

            // 5. Exactly one final state per delivery, every one delivered.
            var deliveries = (await store.QueryAsync(new PostbackOutboxFilter(), null, 1000)).Items;
            deliveries.Should().HaveCount(Count).And.OnlyContain(d => d.State == PostbackDeliveryState.Delivered);
            deliveries.Select(d => d.OrderNumber).Should().OnlyHaveUniqueItems()
                .And.BeEquivalentTo(Enumerable.Range(0, Count).Select(i => "c" + i));

            // 6. The receiver saw every one; duplicates are only those in flight at the kill, each with its own key.
            var keys = deliveries.ToDictionary(d => d.OrderNumber!, d => d.IdempotencyKey);
            var requests = receiver.Requests;
            var byOrder = requests.GroupBy(r => r.Query["o"]).ToDictionary(g => g.Key, g => g.ToList());
            byOrder.Keys.Should().BeEquivalentTo(keys.Keys, "the receiver saw every delivery");
            foreach (var (order, seen) in byOrder)
            {
                seen.Select(r => r.Header("Idempotency-Key")).Should().OnlyContain(k => k == keys[order], $"every request for {order} carries its one idempotency key");
            }

            // Every attempt the store counted has an attempt record, so a request without one is an attempt that died with
            // the process: only a delivery in flight at the kill may have one, and at most one. Any other repeated request
            // is a retry the store recorded (an attempt that timed out on this loaded machine and was scheduled again),
            // in flight at the kill or not.
            var duplicated = byOrder.Where(g => g.Value.Count > 1).ToDictionary(g => g.Key, g => g.Value.Count);
            var unrecorded = new Dictionary<string, int>();
            foreach (var (order, count) in duplicated)
            {
                var attempts = await store.GetAttemptsAsync(deliveries.Single(d => d.OrderNumber == order).Id);
                unrecorded[order] = Math.Max(0, count - attempts.Count);
                output.WriteLine($"{order}: requests {count}, in flight at the kill {inFlightAtKill.Contains(order)}, attempts {string.Join(", ", attempts.Select(a => $"{a.Outcome}/{a.ErrorType}/{a.Duration.TotalMilliseconds:0}ms"))}");
            }

            var crashDuplicates = unrecorded.Where(u => inFlightAtKill.Contains(u.Key)).Sum(u => u.Value);
            output.WriteLine($"requests {requests.Count}; duplicates from the crash {crashDuplicates}; in flight at the kill {inFlightAtKill.Count}; repeated deliveries {duplicated.Count}");
            unrecorded.Where(u => !inFlightAtKill.Contains(u.Key) && u.Value > 0).Should().BeEmpty("every repeated request of a delivery not in flight at the kill is a recorded attempt, never an unexplained duplicate");
            unrecorded.Where(u => u.Value > 1).Should().BeEmpty("one crash resends a delivery at most once");
            crashDuplicates.Should().BeLessThanOrEqualTo(inFlightAtKill.Count, "only a delivery in flight at the kill may be sent again because of it");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The worker process, started as users start a .NET app (<c>dotnet X.dll</c>), stopped by closing its stdin or by SIGKILL.</summary>
    private sealed class Child : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly ITestOutputHelper _output;
        private readonly SemaphoreSlim _lineSignal = new(0);

        private Child(Process process, ITestOutputHelper output)
        {
            _process = process;
            _output = output;
        }

        public int Pid => _process.Id;

        public static Task<Child> StartAsync(string db, string receiver, int enqueue, ITestOutputHelper output)
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
            {
                WorkingDirectory = Path.GetTempPath(),
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(FindBuilt("Postback.Outbox.CrashWorker"));
            foreach (var arg in new[] { "--db", db, "--receiver", receiver, "--enqueue", enqueue.ToString() })
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            var process = new Process { StartInfo = start };
            var child = new Child(process, output);
            process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return Task.FromResult(child);
        }

        public async Task WaitForLineAsync(string line)
        {
            using var deadline = new CancellationTokenSource(Patience);
            while (!_lines.Contains(line))
            {
                _process.HasExited.Should().BeFalse($"the worker exited before printing '{line}': {string.Join(" | ", _lines)}");
                await _lineSignal.WaitAsync(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
        }

        /// <summary>SIGKILL, by the id of the process this test started.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit();
        }

        /// <summary>Closes stdin, the worker's signal to stop gracefully, and waits for it to exit.</summary>
        public async Task StopAsync()
        {
            _process.StandardInput.Close();
            using var deadline = new CancellationTokenSource(Patience);
            await _process.WaitForExitAsync(deadline.Token);
            _process.ExitCode.Should().Be(0);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
                await _process.WaitForExitAsync();
            }

            _output.WriteLine($"--- worker {_process.Id} output ---");
            foreach (var line in _lines)
            {
                _output.WriteLine(line);
            }

            _process.Dispose();
            _lineSignal.Dispose();
        }

        private void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            _lines.Enqueue(line);
            _lineSignal.Release();
        }

        /// <summary>Finds tests/{name}/bin/{configuration}/{framework}/{name}.dll, built with the same configuration as the tests.</summary>
        private static string FindBuilt(string name)
        {
            var configuration = typeof(OutboxCrashTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            var framework = new DirectoryInfo(AppContext.BaseDirectory).Name;
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Postback.Core.sln")))
                {
                    var dll = Path.Combine(directory.FullName, "tests", name, "bin", configuration, framework, name + ".dll");
                    return File.Exists(dll) ? dll : throw new FileNotFoundException("The crash worker is not built; build the test project (it references the worker).", dll);
                }
            }

            throw new InvalidOperationException("Postback.Core.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
