using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Postback.Tests.Support;

namespace Postback.Tests.Load;

/// <summary>The sizes of one harness run: small for every test run, full with <c>POSTBACK_LOAD=1</c>.</summary>
/// <param name="Name">"small" or "full".</param>
/// <param name="ChaosPostbacks">Postbacks sent to the chaos partner.</param>
/// <param name="IsolationPerPartner">Transactions in one isolation run: each goes to every partner.</param>
/// <param name="IsolationRounds">Isolation rounds; each runs with and without the slow partner, in alternating order.</param>
/// <param name="ThroughputPostbacks">Postbacks per throughput round, through the queue and through the raw loop each.</param>
/// <param name="ThroughputRounds">Throughput rounds; each runs every side, in rotating order.</param>
/// <param name="WarmUpRounds">
/// Rounds run first, shown as warm-up and left out of the ratios. On a busy machine the JIT's optimised (tier-1, PGO)
/// code arrives seconds late, so the first full-size rounds run measurably slower than the later ones.
/// </param>
/// <param name="Patience">The bound on waiting for one run to finish; it only matters when something is broken.</param>
public sealed record LoadSize(
    string Name,
    int ChaosPostbacks,
    int IsolationPerPartner,
    int IsolationRounds,
    int ThroughputPostbacks,
    int ThroughputRounds,
    int WarmUpRounds,
    TimeSpan Patience)
{
    /// <summary>Gets the sizes of the default (CI) run: seconds, correctness only.</summary>
    public static LoadSize Small { get; } = new("small", 300, 40, 1, 500, 1, 1, TimeSpan.FromSeconds(60));

    /// <summary>Gets the sizes of the opt-in run (the issue's 10,000 chaos postbacks).</summary>
    public static LoadSize Full { get; } = new("full", 10_000, 2_000, 5, 20_000, 5, 3, TimeSpan.FromMinutes(5));
}

/// <summary>Chaos: postbacks to a partner that answers 503 to some requests and resets the connection on others.</summary>
public sealed record ChaosScenario(int Postbacks, TimeSpan Patience)
{
    public int Seed { get; init; } = 20_260_501;

    public double UnavailableRate { get; init; } = 0.30;

    public double ResetRate { get; init; } = 0.05;

    public int MaxRetryAttempts { get; init; } = 3;

    /// <summary>Gets the queue's MaxConcurrency; one partner host, so MaxConcurrencyPerHost is the same.</summary>
    public int Concurrency { get; init; } = 32;
}

/// <summary>Isolation: one partner that never answers among healthy ones.</summary>
public sealed record IsolationScenario(int PostbacksPerPartner, int Rounds, int WarmUpRounds, TimeSpan Patience)
{
    public int HealthyPartners { get; init; } = 9;

    public int MaxConcurrency { get; init; } = 32;

    public int MaxConcurrencyPerHost { get; init; } = 4;

    /// <summary>Gets the attempt timeout (for every partner: it is a global option); the slow partner uses it up every attempt.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    public int MaxRetryAttempts { get; init; } = 1;

    /// <summary>Gets how long shutdown drains after the healthy partners are done: the slow partner's postbacks are then abandoned.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>Throughput: the queue against a raw HttpClient loop at the same concurrency, to a no-op receiver.</summary>
public sealed record ThroughputScenario(int Postbacks, int Rounds, int WarmUpRounds, TimeSpan Patience)
{
    public int Concurrency { get; init; } = 32;
}

/// <summary>
/// The load and chaos harness of the queue. Every scenario runs the real queue, sender and HTTP stack against real
/// Kestrel receivers on 127.0.0.1 and returns a report; the tests decide what to assert (correctness always, speed only
/// in the opt-in full run). Every loop is bounded by a count, every wait by the scenario's patience.
/// </summary>
public static class ChaosHarness
{
    private const string SlowPartner = "slow";

    /// <summary>Runs the chaos scenario: every postback must end delivered, or failed after every attempt, with one key.</summary>
    public static async Task<ChaosReport> RunChaosAsync(ChaosScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        await using var partner = await ChaosPartner.StartAsync(scenario.Seed, scenario.UnavailableRate, scenario.ResetRate);
        await using var host = await LoadQueueHost.StartAsync(
            [("chaos", partner.Receiver.BaseUrl + "/pb?on=#on#")],
            o =>
            {
                o.MaxRetryAttempts = scenario.MaxRetryAttempts;

                // 30% 503 would trip the per-host breaker, which then fails postbacks without trying them all.
                o.CircuitBreaker.Enabled = false;
                o.AttemptTimeout = TimeSpan.FromSeconds(10);
                o.TotalTimeout = TimeSpan.FromSeconds(60);
            },
            q =>
            {
                q.MaxConcurrency = scenario.Concurrency;
                q.MaxConcurrencyPerHost = scenario.Concurrency;
                q.Capacity = Math.Max(scenario.Postbacks, 1);
            },
            recordResults: true);

        var done = host.Observer.Arm(static _ => true, scenario.Postbacks);
        using var deadline = new CancellationTokenSource(scenario.Patience);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < scenario.Postbacks; i++)
        {
            await host.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = ChaosOrder(i) }, deadline.Token);
        }

        var timedOut = false;
        var end = 0L;
        try
        {
            end = await done.WaitAsync(scenario.Patience);
        }
        catch (TimeoutException)
        {
            timedOut = true;
            end = Stopwatch.GetTimestamp();
        }

        // Whatever is left (nothing, unless the run timed out) is abandoned, and reported, here.
        await host.StopAsync(TimeSpan.FromSeconds(5));
        return ChaosReport.Build(scenario, partner, host.Observer, Stopwatch.GetElapsedTime(start, end), timedOut);
    }

    /// <summary>Runs the isolation scenario: rounds with and without a partner that never answers.</summary>
    public static async Task<IsolationReport> RunIsolationAsync(IsolationScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var healthy = new List<KestrelReceiver>();
        KestrelReceiver? slow = null;
        try
        {
            for (var i = 0; i < scenario.HealthyPartners; i++)
            {
                healthy.Add(await KestrelReceiver.StartAsync(NoOp, recordRequests: false));
            }

            slow = await KestrelReceiver.StartAsync(recordRequests: false);
            slow.Handle(slow.NeverAnswer());

            // Warm-up rounds first (round numbers 0 and below), then the measured rounds (1 and up).
            var runs = new List<IsolationRun>();
            for (var round = -scenario.WarmUpRounds; round < scenario.Rounds; round++)
            {
                // Alternate the order, so a machine that gets busier or quieter during the run favours neither side.
                foreach (var withSlow in (round & 1) == 0 ? new[] { false, true } : [true, false])
                {
                    runs.Add(await RunIsolationOnceAsync(scenario, healthy, slow, withSlow, $"r{round}{(withSlow ? "s" : "b")}") with { Round = round + 1 });
                }
            }

            return new IsolationReport(scenario, runs);
        }
        finally
        {
            foreach (var receiver in healthy)
            {
                await receiver.DisposeAsync();
            }

            if (slow is not null)
            {
                await slow.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Runs the throughput scenario: the queue and a raw HttpClient loop, same URLs, same concurrency, in rotating order.
    /// Two more sides locate the difference (recorded, never asserted): the library's sender called directly at the same
    /// concurrency, without the queue; and the library's named HttpClient (its resilience pipeline and handlers) sending the
    /// plain URL, without the sender.
    /// </summary>
    public static async Task<ThroughputReport> RunThroughputAsync(ThroughputScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        await using var receiver = await KestrelReceiver.StartAsync(NoOp, recordRequests: false);
        await using var host = await LoadQueueHost.StartAsync(
            [("noop", receiver.BaseUrl + "/pb?on=#on#")],
            static _ => { }, // the library's defaults, apart from the loopback allowance of the test host
            q =>
            {
                q.MaxConcurrency = scenario.Concurrency;
                q.MaxConcurrencyPerHost = scenario.Concurrency;
            },
            recordResults: false);

        // The raw loop's client: a plain SocketsHttpHandler, pooled like the library's, with nothing in between.
        using var raw = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };

        // What a user would otherwise write: a factory client with the standard resilience pipeline on the same kind
        // of handler. Diagnosis only: it shows what the resilience layer alone costs at this rate.
        var standardServices = new ServiceCollection();
        standardServices.AddHttpClient("standard")
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
                UseProxy = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            })
            .AddStandardResilienceHandler();
        await using var standardProvider = standardServices.BuildServiceProvider();
        var standardFactory = standardProvider.GetRequiredService<IHttpClientFactory>();

        var sender = host.Services.GetRequiredService<IPostbackSender>();
        var endpoint = new PostbackEndpoint("noop-direct", PostbackTemplate.Parse(receiver.BaseUrl + "/pb?on=#on#"));
        var factory = host.Services.GetRequiredService<IHttpClientFactory>();
        var url = receiver.BaseUrl + "/pb?on=";

        var sides = new Func<string, int, Task<(TimeSpan Elapsed, int Failures)>>[]
        {
            async (prefix, count) => (await QueueRoundAsync(host, prefix, count, scenario.Patience), 0),
            (prefix, count) => ConcurrentLoopAsync(count, scenario.Concurrency, scenario.Patience, async (i, ct) =>
            {
                using var response = await raw.GetAsync(url + prefix + i.ToString(CultureInfo.InvariantCulture), ct);
                return response.IsSuccessStatusCode;
            }),
            (prefix, count) => ConcurrentLoopAsync(count, scenario.Concurrency, scenario.Patience, async (i, ct) =>
            {
                var result = await sender.SendAsync(endpoint, new PostbackTransaction { OrderNumber = prefix + i.ToString(CultureInfo.InvariantCulture) }, ct);
                return result.IsDelivered;
            }),
            (prefix, count) => ConcurrentLoopAsync(count, scenario.Concurrency, scenario.Patience, async (i, ct) =>
            {
                using var response = await factory.CreateClient(Postback.Internal.PostbackHttpPipeline.HttpClientName)
                    .GetAsync(url + prefix + i.ToString(CultureInfo.InvariantCulture), ct);
                return response.IsSuccessStatusCode;
            }),
            (prefix, count) => ConcurrentLoopAsync(count, scenario.Concurrency, scenario.Patience, async (i, ct) =>
            {
                using var response = await standardFactory.CreateClient("standard").GetAsync(url + prefix + i.ToString(CultureInfo.InvariantCulture), ct);
                return response.IsSuccessStatusCode;
            }),
        };
        string[] names = ["q", "r", "s", "p", "t"];

        // Warm-up rounds first (round numbers 0 and below), then the measured rounds (1 and up).
        var failures = new int[sides.Length];
        var rounds = new List<ThroughputRound>();
        for (var round = -scenario.WarmUpRounds; round < scenario.Rounds; round++)
        {
            // Rotate the order, so a machine that gets busier or quieter during the run favours no side.
            var perSecond = new double[sides.Length];
            for (var k = 0; k < sides.Length; k++)
            {
                var side = (k + round + sides.Length * scenario.WarmUpRounds) % sides.Length;
                var (elapsed, failed) = await sides[side]($"{names[side]}{round}-", scenario.Postbacks);
                failures[side] += failed;
                perSecond[side] = scenario.Postbacks / elapsed.TotalSeconds;
            }

            rounds.Add(new ThroughputRound(perSecond[0], perSecond[1], perSecond[2], perSecond[3], perSecond[4]) { Round = round + 1 });
        }

        await host.StopAsync(TimeSpan.FromSeconds(5));
        var tally = host.Observer.Tally("noop");
        var perSide = (scenario.WarmUpRounds + scenario.Rounds) * scenario.Postbacks;
        return new ThroughputReport(
            scenario,
            rounds,
            PerSide: perSide,
            QueueDelivered: tally.Delivered,
            QueueNotDelivered: tally.Reported - tally.Delivered,
            OtherFailures: failures[1] + failures[2] + failures[3] + failures[4],
            ReceiverHits: receiver.HitCount,
            ExpectedHits: perSide * sides.Length);
    }

    /// <summary>Order numbers of the chaos run: fixed width, so they sort as they were sent.</summary>
    public static string ChaosOrder(int i) => "ORD-" + i.ToString("D6", CultureInfo.InvariantCulture);

    private static Task NoOp(HttpContext context) => Task.CompletedTask;

    private static async Task<IsolationRun> RunIsolationOnceAsync(IsolationScenario scenario, List<KestrelReceiver> healthy, KestrelReceiver slow, bool withSlow, string label)
    {
        var endpoints = healthy.Select((r, i) => (Name: $"partner{i + 1}", Url: r.BaseUrl + "/pb?on=#on#")).ToList();
        if (withSlow)
        {
            endpoints.Add((SlowPartner, slow.BaseUrl + "/pb?on=#on#"));
        }

        var slowHitsBefore = slow.HitCount;
        await using var host = await LoadQueueHost.StartAsync(
            endpoints,
            o =>
            {
                o.AttemptTimeout = scenario.AttemptTimeout;
                o.MaxRetryAttempts = scenario.MaxRetryAttempts;

                // The worst case: without the breaker, the silent partner holds its slots for every attempt of every postback.
                o.CircuitBreaker.Enabled = false;
            },
            q =>
            {
                q.MaxConcurrency = scenario.MaxConcurrency;
                q.MaxConcurrencyPerHost = scenario.MaxConcurrencyPerHost;
            },
            recordResults: false);

        var per = scenario.PostbacksPerPartner;
        var healthyTarget = scenario.HealthyPartners * per;
        var done = host.Observer.Arm(static r => r.EndpointName != SlowPartner, healthyTarget);
        using var deadline = new CancellationTokenSource(scenario.Patience);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < per; i++)
        {
            await host.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = $"{label}-{i}" }, deadline.Token);
        }

        var timedOut = false;
        long end;
        try
        {
            end = await done.WaitAsync(scenario.Patience);
        }
        catch (TimeoutException)
        {
            timedOut = true;
            end = Stopwatch.GetTimestamp();
        }

        // The healthy partners are done: shutdown abandons what the slow partner still holds, each one reported.
        await host.StopAsync(scenario.DrainTimeout);
        var elapsed = Stopwatch.GetElapsedTime(start, end);
        var tallies = endpoints.Where(e => e.Name != SlowPartner).Select(e => host.Observer.Tally(e.Name)).ToList();
        var slowTally = host.Observer.Tally(SlowPartner);
        var undispatched = host.Observer.Abandoned.Count(a => a.EndpointName is null);
        return new IsolationRun(
            WithSlow: withSlow,
            PerPartner: per,
            HealthyPartners: scenario.HealthyPartners,
            Elapsed: elapsed,
            TimedOut: timedOut,
            HealthyDelivered: tallies.Sum(t => t.Delivered),
            HealthyNotDelivered: tallies.Sum(t => t.Reported - t.Delivered),
            HealthyMinPerPartner: tallies.Min(t => t.Delivered),
            SlowDelivered: slowTally.Delivered,
            SlowFailed: slowTally.Failed + slowTally.Other,
            SlowAnswered: slowTally.Answered,
            SlowAbandoned: slowTally.Abandoned,
            UndispatchedTransactions: undispatched,
            SlowRequests: slow.HitCount - slowHitsBefore);
    }

    private static async Task<TimeSpan> QueueRoundAsync(LoadQueueHost host, string prefix, int count, TimeSpan patience)
    {
        var done = host.Observer.Arm(static _ => true, count);
        using var deadline = new CancellationTokenSource(patience);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            // Waits while the queue is full (a round is larger than its capacity), but never past the deadline.
            await host.Queue.EnqueueAsync(new PostbackTransaction { OrderNumber = prefix + i.ToString(CultureInfo.InvariantCulture) }, deadline.Token);
        }

        var end = await done.WaitAsync(patience);
        return Stopwatch.GetElapsedTime(start, end);
    }

    /// <summary>Runs <paramref name="send"/> for 0..count-1, at most <paramref name="concurrency"/> at once; counts the sends that fail.</summary>
    private static async Task<(TimeSpan Elapsed, int Failures)> ConcurrentLoopAsync(int count, int concurrency, TimeSpan patience, Func<int, CancellationToken, Task<bool>> send)
    {
        using var deadline = new CancellationTokenSource(patience);
        using var slots = new SemaphoreSlim(concurrency, concurrency);
        var failures = 0;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            await slots.WaitAsync(deadline.Token);
            _ = SendOneAsync(i);
        }

        // Every slot back: every send has finished.
        for (var i = 0; i < concurrency; i++)
        {
            await slots.WaitAsync(deadline.Token);
        }

        return (Stopwatch.GetElapsedTime(start), failures);

        async Task SendOneAsync(int i)
        {
            try
            {
                if (!await send(i, deadline.Token))
                {
                    Interlocked.Increment(ref failures);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                Interlocked.Increment(ref failures);
            }
            finally
            {
                slots.Release();
            }
        }
    }
}

/// <summary>What the chaos run saw, from the queue's observer and from the partner's side.</summary>
public sealed class ChaosReport
{
    private const int Examples = 10;

    private ChaosReport(ChaosScenario scenario) => Scenario = scenario;

    public ChaosScenario Scenario { get; }

    public TimeSpan Elapsed { get; private init; }

    public bool TimedOut { get; private init; }

    /// <summary>Gets the observer calls: results plus abandonments.</summary>
    public int Callbacks { get; private init; }

    public int Abandoned { get; private init; }

    public int Delivered { get; private init; }

    /// <summary>Gets the results that are <see cref="PostbackOutcome.Failed"/> after MaxRetryAttempts + 1 attempts, with an HTTP or connection error.</summary>
    public int FailedExhausted { get; private init; }

    /// <summary>Gets the failed-exhausted results whose last attempt got a 503 (<see cref="PostbackErrorTypes.HttpError"/>).</summary>
    public int FailedLast503 { get; private init; }

    /// <summary>Gets the failed-exhausted results whose last attempt was reset (<see cref="PostbackErrorTypes.ConnectionError"/>).</summary>
    public int FailedLastReset { get; private init; }

    /// <summary>Gets the sum of <see cref="PostbackResult.Attempts"/>: the attempts the sender counted.</summary>
    public int LibraryAttempts { get; private init; }

    public int ReceiverRequests { get; private init; }

    public int ReceiverOk { get; private init; }

    public int Receiver503 { get; private init; }

    public int ReceiverResets { get; private init; }

    public int RequestsWithoutKey { get; private init; }

    public int Keys { get; private init; }

    /// <summary>Gets the keys that arrived more than once (retries, and the HTTP stack's own re-sends).</summary>
    public int KeysRequestedMoreThanOnce { get; private init; }

    /// <summary>Gets the keys the partner answered 200 more than once: duplicate deliveries.</summary>
    public int Duplicates { get; private init; }

    /// <summary>Gets the postbacks whose key arrived more often than the sender counted attempts.</summary>
    public int PostbacksWithUncountedRequests { get; private init; }

    /// <summary>Gets the order numbers that got no observer call at all.</summary>
    public IReadOnlyList<string> Lost { get; private init; } = [];

    /// <summary>Gets the order numbers that got more than one observer call (one endpoint: there must be exactly one).</summary>
    public IReadOnlyList<string> ReportedMoreThanOnce { get; private init; } = [];

    /// <summary>Gets the results that are neither delivered nor failed after every attempt (first few, described).</summary>
    public IReadOnlyList<string> Unexplained { get; private init; } = [];

    public int UnexplainedCount { get; private init; }

    /// <summary>Gets the breaks of key consistency (first few, described).</summary>
    public IReadOnlyList<string> KeyViolations { get; private init; } = [];

    public int KeyViolationCount { get; private init; }

    /// <summary>Gets results that contradict the partner: delivered without a 200, or failed although it answered 200.</summary>
    public IReadOnlyList<string> OutcomeMismatches { get; private init; } = [];

    public int OutcomeMismatchCount { get; private init; }

    public double PostbacksPerSecond => Scenario.Postbacks / Elapsed.TotalSeconds;

    public string ToMarkdown()
    {
        var s = Scenario;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Chaos: {s.Postbacks} postbacks, seed {s.Seed}, 503 {s.UnavailableRate:P0} / reset {s.ResetRate:P0} of requests, MaxRetryAttempts {s.MaxRetryAttempts}, concurrency {s.Concurrency}, circuit breaker off")
            .AppendLine()
            .AppendLine("| Measure | Value |")
            .AppendLine("|---|---:|")
            .AppendLine(CultureInfo.InvariantCulture, $"| Observer calls (results + abandoned) | {Callbacks} ({Abandoned} abandoned) |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Lost (no call) / reported twice | {Lost.Count} / {ReportedMoreThanOnce.Count} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Delivered | {Delivered} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Failed after all {s.MaxRetryAttempts + 1} attempts (last 503 / last reset) | {FailedExhausted} ({FailedLast503} / {FailedLastReset}) |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Other results (unexplained) | {UnexplainedCount} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Requests at the partner: 200 / 503 / reset | {ReceiverRequests}: {ReceiverOk} / {Receiver503} ({Ratio(Receiver503, ReceiverRequests)}) / {ReceiverResets} ({Ratio(ReceiverResets, ReceiverRequests)}) |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Attempts counted by the sender | {LibraryAttempts} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Postbacks with more requests than counted attempts | {PostbacksWithUncountedRequests} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Keys / keys requested more than once | {Keys} / {KeysRequestedMoreThanOnce} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Duplicates (keys answered 200 more than once) | {Duplicates} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Key consistency violations | {KeyViolationCount} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Results contradicting the partner | {OutcomeMismatchCount} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Elapsed (recorded only) | {Elapsed.TotalSeconds:F2} s, {PostbacksPerSecond:F0} postbacks/s{(TimedOut ? ", TIMED OUT" : string.Empty)} |");
        foreach (var line in Unexplained.Concat(KeyViolations).Concat(OutcomeMismatches))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
        }

        return text.ToString();
    }

    internal static ChaosReport Build(ChaosScenario scenario, ChaosPartner partner, LoadObserver observer, TimeSpan elapsed, bool timedOut)
    {
        var completed = observer.Completed;
        var abandoned = observer.Abandoned;
        var exhausted = scenario.MaxRetryAttempts + 1;

        // Exactly one observer call per order number (one endpoint).
        var calls = completed.Select(c => c.OrderNumber).Concat(abandoned.Select(a => a.OrderNumber))
            .GroupBy(o => o ?? "(none)", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var expected = Enumerable.Range(0, scenario.Postbacks).Select(ChaosHarness.ChaosOrder).ToList();
        var lost = expected.Where(o => !calls.ContainsKey(o)).ToList();
        var twice = calls.Where(c => c.Value > 1).Select(c => c.Key).Order(StringComparer.Ordinal).ToList();

        var unexplained = new List<string>();
        var delivered = 0;
        var failedExhausted = 0;
        var last503 = 0;
        var lastReset = 0;
        foreach (var (order, result) in completed)
        {
            if (result.Outcome == PostbackOutcome.Delivered)
            {
                delivered++;
            }
            else if (result.Outcome == PostbackOutcome.Failed && result.Attempts == exhausted && result.ErrorType == PostbackErrorTypes.HttpError && result.StatusCode == 503)
            {
                failedExhausted++;
                last503++;
            }
            else if (result.Outcome == PostbackOutcome.Failed && result.Attempts == exhausted && result.ErrorType == PostbackErrorTypes.ConnectionError)
            {
                failedExhausted++;
                lastReset++;
            }
            else
            {
                unexplained.Add($"{order}: {result}");
            }
        }

        foreach (var a in abandoned)
        {
            unexplained.Add($"{a.OrderNumber}: abandoned ({a.EndpointName ?? "not dispatched"}): {a.Reason}");
        }

        // Key consistency, both ways: a key comes with one order number only, an order number with one key only, and
        // that key is the one the result names.
        var keyViolations = new List<string>();
        var keysByOrder = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (key, record) in partner.Keys)
        {
            var orders = record.Orders;
            if (orders.Count > 1)
            {
                keyViolations.Add($"key {key} came with {orders.Count} order numbers: {string.Join(", ", orders.Take(5))}");
            }

            foreach (var order in orders)
            {
                if (!keysByOrder.TryGetValue(order, out var keys))
                {
                    keysByOrder[order] = keys = [];
                }

                keys.Add(key);
            }
        }

        var outcomeMismatches = new List<string>();
        var uncounted = 0;
        foreach (var (order, result) in completed)
        {
            var keys = keysByOrder.GetValueOrDefault(order ?? string.Empty) ?? [];
            if (keys.Count != 1 || result.IdempotencyKey != keys[0])
            {
                keyViolations.Add($"{order}: the result's key is {result.IdempotencyKey ?? "(none)"}, the partner saw [{string.Join(", ", keys)}]");
                continue;
            }

            var record = partner.Keys[keys[0]];
            if (record.Requests > result.Attempts)
            {
                uncounted++;
            }

            if (result.IsDelivered && record.Ok == 0)
            {
                outcomeMismatches.Add($"{order}: delivered, but the partner never answered 200 ({result})");
            }
            else if (!result.IsDelivered && record.Ok > 0)
            {
                outcomeMismatches.Add($"{order}: reported {result.Outcome}, but the partner answered 200 {record.Ok} time(s) ({result})");
            }
        }

        return new ChaosReport(scenario)
        {
            Elapsed = elapsed,
            TimedOut = timedOut,
            Callbacks = completed.Count + abandoned.Count,
            Abandoned = abandoned.Count,
            Delivered = delivered,
            FailedExhausted = failedExhausted,
            FailedLast503 = last503,
            FailedLastReset = lastReset,
            LibraryAttempts = completed.Sum(c => c.Result.Attempts),
            ReceiverRequests = partner.Requests,
            ReceiverOk = partner.Ok,
            Receiver503 = partner.Unavailable,
            ReceiverResets = partner.Resets,
            RequestsWithoutKey = partner.MissingKey,
            Keys = partner.Keys.Count,
            KeysRequestedMoreThanOnce = partner.Keys.Values.Count(r => r.Requests > 1),
            Duplicates = partner.Keys.Values.Count(r => r.Ok > 1),
            PostbacksWithUncountedRequests = uncounted,
            Lost = lost,
            ReportedMoreThanOnce = twice,
            Unexplained = [.. unexplained.Take(Examples)],
            UnexplainedCount = unexplained.Count,
            KeyViolations = [.. keyViolations.Take(Examples)],
            KeyViolationCount = keyViolations.Count,
            OutcomeMismatches = [.. outcomeMismatches.Take(Examples)],
            OutcomeMismatchCount = outcomeMismatches.Count,
        };
    }

    private static string Ratio(int part, int whole) => whole == 0 ? "-" : ((double)part / whole).ToString("P1", CultureInfo.InvariantCulture);
}

/// <summary>One isolation run: the healthy partners' throughput, and what happened to the slow partner's postbacks.</summary>
public sealed record IsolationRun(
    bool WithSlow,
    int PerPartner,
    int HealthyPartners,
    TimeSpan Elapsed,
    bool TimedOut,
    int HealthyDelivered,
    int HealthyNotDelivered,
    int HealthyMinPerPartner,
    int SlowDelivered,
    int SlowFailed,
    int SlowAnswered,
    int SlowAbandoned,
    int UndispatchedTransactions,
    int SlowRequests)
{
    /// <summary>Gets the healthy partners' delivered postbacks per second, from the first enqueue to the last healthy result.</summary>
    public double HealthyPerSecond => HealthyDelivered / Elapsed.TotalSeconds;

    /// <summary>Gets every observer call about the slow partner's postbacks (a transaction never dispatched counts for it too).</summary>
    public int SlowReported => SlowDelivered + SlowFailed + SlowAbandoned + UndispatchedTransactions;

    /// <summary>Gets the round: 1 and up are measured, 0 and below are warm-up. The two runs of one round ran back to back.</summary>
    public int Round { get; init; }

    public bool IsWarmUp => Round <= 0;
}

/// <summary>The isolation runs, and the ratio of the medians.</summary>
public sealed record IsolationReport(IsolationScenario Scenario, IReadOnlyList<IsolationRun> Runs)
{
    public double BaselinePerSecond => Median(Runs.Where(r => !r.IsWarmUp && !r.WithSlow).Select(r => r.HealthyPerSecond));

    public double WithSlowPerSecond => Median(Runs.Where(r => !r.IsWarmUp && r.WithSlow).Select(r => r.HealthyPerSecond));

    /// <summary>Gets each round's healthy throughput with the slow partner as a share of the same round's run without it.</summary>
    public IReadOnlyList<double> RoundRatios => [.. Runs.Where(r => !r.IsWarmUp).GroupBy(r => r.Round).Select(g => g.Single(r => r.WithSlow).HealthyPerSecond / g.Single(r => !r.WithSlow).HealthyPerSecond)];

    /// <summary>
    /// Gets the median of the per-round ratios: the two runs of a round ran back to back, so a machine whose load drifts
    /// during the run (other work on a shared CPU) moves both alike, where separate medians of each side would not.
    /// </summary>
    public double Ratio => Median(RoundRatios);

    public string ToMarkdown()
    {
        var s = Scenario;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Isolation: {s.HealthyPartners} healthy partners + 1 that never answers, {s.PostbacksPerPartner} postbacks per partner per run, MaxConcurrency {s.MaxConcurrency}, MaxConcurrencyPerHost {s.MaxConcurrencyPerHost}, AttemptTimeout {s.AttemptTimeout.TotalMilliseconds:F0} ms, MaxRetryAttempts {s.MaxRetryAttempts}, circuit breaker off")
            .AppendLine()
            .AppendLine("| Round | Slow partner | Healthy delivered | Elapsed | Healthy postbacks/s | Slow: requests / answered / delivered / failed / abandoned |")
            .AppendLine("|---|---|---:|---:|---:|---|");
        foreach (var run in Runs)
        {
            var slow = run.WithSlow ? $"{run.SlowRequests} / {run.SlowAnswered} / {run.SlowDelivered} / {run.SlowFailed} / {run.SlowAbandoned}" : "-";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {(run.IsWarmUp ? "warm-up" : run.Round)} | {(run.WithSlow ? "yes" : "no")} | {run.HealthyDelivered}/{run.HealthyPartners * run.PerPartner} | {run.Elapsed.TotalSeconds:F2} s{(run.TimedOut ? " TIMED OUT" : string.Empty)} | {run.HealthyPerSecond:F0} | {slow} |");
        }

        text.AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Per-round ratio (with / without the slow partner): {string.Join(", ", RoundRatios.Select(r => r.ToString("P1", CultureInfo.InvariantCulture)))}.")
            .AppendLine(CultureInfo.InvariantCulture, $"Median of the per-round ratios: {Ratio:P1} (target at least 90%). Medians of the rates: {BaselinePerSecond:F0}/s without, {WithSlowPerSecond:F0}/s with the slow partner.");
        return text.ToString();
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
            : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

/// <summary>One throughput round: postbacks (requests) per second on each side.</summary>
/// <param name="QueuePerSecond">Through the queue: enqueue to the observer's last call.</param>
/// <param name="RawPerSecond">A raw HttpClient loop: plain SocketsHttpHandler, same URLs, same concurrency.</param>
/// <param name="SenderPerSecond">Diagnosis: the library's IPostbackSender called directly, same concurrency, no queue.</param>
/// <param name="PipelinePerSecond">Diagnosis: the library's named HttpClient (resilience pipeline, guard, capture handler) with plain GETs, no sender.</param>
public sealed record ThroughputRound(double QueuePerSecond, double RawPerSecond, double SenderPerSecond, double PipelinePerSecond, double StandardPerSecond)
{
    public double Ratio => QueuePerSecond / RawPerSecond;

    /// <summary>Gets the round: 1 and up are measured, 0 and below are warm-up.</summary>
    public int Round { get; init; }

    public bool IsWarmUp => Round <= 0;
}

/// <summary>The throughput rounds, and the ratio of the medians.</summary>
public sealed record ThroughputReport(
    ThroughputScenario Scenario,
    IReadOnlyList<ThroughputRound> Rounds,
    int PerSide,
    int QueueDelivered,
    int QueueNotDelivered,
    int OtherFailures,
    int ReceiverHits,
    int ExpectedHits)
{
    public double QueuePerSecond => IsolationReport.Median(Measured.Select(r => r.QueuePerSecond));

    public double RawPerSecond => IsolationReport.Median(Measured.Select(r => r.RawPerSecond));

    public double SenderPerSecond => IsolationReport.Median(Measured.Select(r => r.SenderPerSecond));

    public double PipelinePerSecond => IsolationReport.Median(Measured.Select(r => r.PipelinePerSecond));

    public double StandardPerSecond => IsolationReport.Median(Measured.Select(r => r.StandardPerSecond));

    private IEnumerable<ThroughputRound> Measured => Rounds.Where(r => !r.IsWarmUp);

    /// <summary>Gets the median of the per-round ratios queue / raw (the sides of a round ran back to back; see <see cref="IsolationReport.Ratio"/>).</summary>
    public double Ratio => IsolationReport.Median(Measured.Select(r => r.Ratio));

    public string ToMarkdown()
    {
        var s = Scenario;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Throughput: {s.Postbacks} postbacks per round and side to a no-op receiver (200, empty body), concurrency {s.Concurrency}, library defaults otherwise")
            .AppendLine()
            .AppendLine("| Round | Queue postbacks/s | Raw HttpClient loop requests/s | Queue / raw | Sender direct (diagnosis) | Library HttpClient, plain GET (diagnosis) | Standard resilience pipeline, plain GET (diagnosis) |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var round in Rounds)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {(round.IsWarmUp ? "warm-up" : round.Round)} | {round.QueuePerSecond:F0} | {round.RawPerSecond:F0} | {round.Ratio:P1} | {round.SenderPerSecond:F0} | {round.PipelinePerSecond:F0} | {round.StandardPerSecond:F0} |");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"| median | {QueuePerSecond:F0} | {RawPerSecond:F0} | {Ratio:P1} | {SenderPerSecond:F0} | {PipelinePerSecond:F0} | {StandardPerSecond:F0} |")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Median of the per-round ratios queue / raw: {Ratio:P1} (target at least 80%). Queue delivered {QueueDelivered}, not delivered {QueueNotDelivered}; failures on the other sides {OtherFailures}; receiver hits {ReceiverHits} of {ExpectedHits}.");
        return text.ToString();
    }
}
