using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Postback.Tests.Samples;

/// <summary>The worker sample: a hosted service enqueues transactions, the queue delivers them, and shutdown drains it.</summary>
public sealed class WorkerSampleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Worker_delivers_every_queued_postback_drains_on_shutdown_and_exits_0()
    {
        var run = await SampleProcess.RunAsync("Postback.Samples.Worker", output);

        run.ExitCode.Should().Be(0, run.Output + run.Errors);
        run.Errors.Should().BeEmpty();
        run.Output.Should().Contain("enqueued 20 transactions (24 postbacks)")
            .And.Contain("stop requested: the queue stops accepting and drains")
            .And.Contain("host stopped: the drain took")
            .And.MatchRegex(@"Summary: 20 transactions, 24 postbacks: 24 delivered \(2 after a retry, \d+ during the drain\), 0 abandoned; all delivered");

        // One postback-log line per postback, and nothing from the logger: no warnings, no errors.
        Regex.Count(run.Output, @"ORD-20\d\d +\w+ +[\w-]+ +Delivered \(200\)").Should().Be(24);
        run.Output.Should().NotContain("warn:").And.NotContain("fail:").And.NotContain("ABANDONED");
    }
}
