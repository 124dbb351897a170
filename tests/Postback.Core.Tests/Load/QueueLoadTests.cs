using Xunit.Abstractions;

namespace Postback.Tests.Load;

/// <summary>
/// The load and chaos harness of the queue (<see cref="ChaosHarness"/>). The small tests run in every test run and
/// assert correctness only, never time. The full-size tests (trait <c>Category=Load</c>) run only with
/// <c>POSTBACK_LOAD=1</c>; they also hold the throughput targets. Every test prints its report.
/// </summary>
[Collection(LoadTestGroup.Name)]
public sealed class QueueLoadTests(ITestOutputHelper output)
{
    // ---- Small: every test run, correctness only ----

    [Fact]
    public async Task Chaos_small_every_postback_is_delivered_or_failed_after_every_attempt_and_keeps_one_key()
    {
        var report = await ChaosHarness.RunChaosAsync(new ChaosScenario(LoadSize.Small.ChaosPostbacks, LoadSize.Small.Patience));
        output.WriteLine(report.ToMarkdown());
        AssertNothingLost(report);
    }

    [Fact]
    public async Task Isolation_small_healthy_partners_get_everything_while_the_silent_one_never_answers()
    {
        var size = LoadSize.Small;
        var report = await ChaosHarness.RunIsolationAsync(new IsolationScenario(size.IsolationPerPartner, size.IsolationRounds, size.WarmUpRounds, size.Patience));
        output.WriteLine(report.ToMarkdown());
        AssertIsolationCorrect(report);
    }

    [Fact]
    public async Task Throughput_small_queue_and_raw_loop_deliver_every_request()
    {
        var size = LoadSize.Small;
        var report = await ChaosHarness.RunThroughputAsync(new ThroughputScenario(size.ThroughputPostbacks, size.ThroughputRounds, size.WarmUpRounds, size.Patience));
        output.WriteLine(report.ToMarkdown());
        AssertThroughputCorrect(report);
    }

    // ---- Full: POSTBACK_LOAD=1 only ----

    [LoadFact]
    [Trait("Category", LoadSettings.Category)]
    public async Task Chaos_full_10000_postbacks_none_lost_duplicates_counted_one_key_each()
    {
        var report = await ChaosHarness.RunChaosAsync(new ChaosScenario(LoadSize.Full.ChaosPostbacks, LoadSize.Full.Patience));
        output.WriteLine(report.ToMarkdown());
        AssertNothingLost(report);
    }

    [LoadFact]
    [Trait("Category", LoadSettings.Category)]
    public async Task Isolation_full_healthy_throughput_with_a_silent_partner_is_at_least_90_percent()
    {
        var size = LoadSize.Full;
        var report = await ChaosHarness.RunIsolationAsync(new IsolationScenario(size.IsolationPerPartner, size.IsolationRounds, size.WarmUpRounds, size.Patience));
        output.WriteLine(report.ToMarkdown());
        AssertIsolationCorrect(report);
        report.Ratio.Should().BeGreaterThanOrEqualTo(
            0.90,
            $"the healthy partners' throughput with a partner that never answers must stay at or above 90% of a run without it; the median of the per-round ratios was {report.Ratio:P1} (medians of the rates: {report.WithSlowPerSecond:F0}/s with, {report.BaselinePerSecond:F0}/s without)");
    }

    [LoadFact]
    [Trait("Category", LoadSettings.Category)]
    public async Task Throughput_full_queue_reaches_at_least_80_percent_of_a_raw_HttpClient_loop()
    {
        var size = LoadSize.Full;
        var report = await ChaosHarness.RunThroughputAsync(new ThroughputScenario(size.ThroughputPostbacks, size.ThroughputRounds, size.WarmUpRounds, size.Patience));
        output.WriteLine(report.ToMarkdown());
        AssertThroughputCorrect(report);
        report.Ratio.Should().BeGreaterThanOrEqualTo(
            0.80,
            $"the queue must reach at least 80% of a raw HttpClient loop at the same concurrency; the median of the per-round ratios was {report.Ratio:P1} (medians: queue {report.QueuePerSecond:F0} postbacks/s, raw {report.RawPerSecond:F0} requests/s, sender alone {report.SenderPerSecond:F0}/s, library HttpClient alone {report.PipelinePerSecond:F0}/s, standard resilience pipeline alone {report.StandardPerSecond:F0}/s)");
    }

    // ---- What both sizes assert ----

    private static void AssertNothingLost(ChaosReport report)
    {
        var postbacks = report.Scenario.Postbacks;
        report.TimedOut.Should().BeFalse("every postback must reach a final result within the run's patience");
        report.Lost.Should().BeEmpty("zero lost: every enqueued postback gets an observer call");
        report.ReportedMoreThanOnce.Should().BeEmpty("one endpoint: exactly one observer call per transaction");
        report.Callbacks.Should().Be(postbacks);
        report.UnexplainedCount.Should().Be(0, "every result is Delivered, or Failed after MaxRetryAttempts + 1 attempts with a 503 or a connection error: {0}", string.Join("; ", report.Unexplained));
        (report.Delivered + report.FailedExhausted).Should().Be(postbacks);

        report.RequestsWithoutKey.Should().Be(0, "every attempt carries the idempotency key");
        report.KeyViolationCount.Should().Be(0, "every request of one postback carries the one key its result names, and no other postback's: {0}", string.Join("; ", report.KeyViolations));
        report.Keys.Should().Be(postbacks, "one key per postback");
        report.OutcomeMismatchCount.Should().Be(0, "a result agrees with what the partner answered: {0}", string.Join("; ", report.OutcomeMismatches));

        // The chaos really happened: retries and resets, not a lucky run of 200s.
        report.Receiver503.Should().BeGreaterThan(0);
        report.ReceiverResets.Should().BeGreaterThan(0);
        report.KeysRequestedMoreThanOnce.Should().BeGreaterThan(0);
        report.LibraryAttempts.Should().BeGreaterThan(postbacks);

        // Duplicates are counted and reported (ToMarkdown), not asserted: the issue asks for the number. A duplicate
        // here would need a 200 after another 200 for the same key, and the sender stops at the first 200.
    }

    private static void AssertIsolationCorrect(IsolationReport report)
    {
        var s = report.Scenario;
        foreach (var run in report.Runs)
        {
            var which = run.WithSlow ? "with the slow partner" : "without the slow partner";
            run.TimedOut.Should().BeFalse($"the healthy partners get their postbacks within the patience, {which}");
            run.HealthyDelivered.Should().Be(s.HealthyPartners * s.PostbacksPerPartner, $"every healthy partner gets every postback, {which}");
            run.HealthyNotDelivered.Should().Be(0, which);
            run.HealthyMinPerPartner.Should().Be(s.PostbacksPerPartner, which);
            run.UndispatchedTransactions.Should().Be(0, which);
            if (run.WithSlow)
            {
                run.SlowRequests.Should().BeGreaterThan(0, "postbacks did go to the slow partner");
                run.SlowAnswered.Should().Be(0, "the slow partner never answers");
                run.SlowDelivered.Should().Be(0, "the slow partner never answers");
                run.SlowReported.Should().Be(s.PostbacksPerPartner, "every slow-partner postback is reported: failed (timed out) or abandoned at shutdown");
            }
            else
            {
                run.SlowReported.Should().Be(0);
            }
        }
    }

    private static void AssertThroughputCorrect(ThroughputReport report)
    {
        report.QueueNotDelivered.Should().Be(0, "a no-op receiver accepts every postback");
        report.OtherFailures.Should().Be(0, "the raw loop, the sender and the library's client all get 200s");
        report.QueueDelivered.Should().Be(report.PerSide, "every side sends the same number of requests");
        report.ReceiverHits.Should().Be(report.ExpectedHits, "one request per postback: nothing retried, nothing lost");
    }
}
