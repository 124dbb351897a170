using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Postback.Tests.Samples;

/// <summary>
/// The worker sample: a hosted service enqueues transactions into the durable outbox (SQLite), the outbox's workers
/// deliver them (retrying the 503s on the sample's short schedule), and the store agrees at the end.
/// </summary>
public sealed class WorkerSampleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Worker_delivers_every_postback_through_the_SQLite_outbox_and_exits_0()
    {
        var run = await SampleProcess.RunAsync("Postback.Samples.Worker", output);

        run.ExitCode.Should().Be(0, run.Output + run.Errors);
        run.Errors.Should().BeEmpty();
        run.Output.Should().Contain("enqueued 20 transactions (24 postbacks)")
            .And.Contain("stop requested: the outbox stops claiming")
            .And.Contain("host stopped: the shutdown took")
            .And.Contain("outbox store: 24 delivered, 0 dead, 0 pending, in flight or parked")
            .And.MatchRegex(@"Summary: 20 transactions, 24 postbacks: 24 delivered \(2 after a retry, \d+ during the shutdown\), 0 abandoned; all delivered");

        // The 503s were retried by the outbox's schedule, each as a second attempt of the same delivery.
        Regex.Count(run.Output, @"ORD-20[01]6 +social +globex-json +Delivered \(200\) +2 attempts").Should().Be(2);

        // One postback-log line per postback, and nothing from the logger: no warnings, no errors.
        Regex.Count(run.Output, @"ORD-20\d\d +\w+ +[\w-]+ +Delivered \(200\)").Should().Be(24);
        run.Output.Should().NotContain("warn:").And.NotContain("fail:").And.NotContain("ABANDONED");
    }
}
