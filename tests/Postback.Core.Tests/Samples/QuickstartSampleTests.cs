using Xunit.Abstractions;

namespace Postback.Tests.Samples;

/// <summary>
/// The README's main command: the quickstart sends real postbacks through the durable outbox (SQLite) to its partner
/// server on 127.0.0.1, then reads the outbox's record of them back from the store.
/// </summary>
public sealed class QuickstartSampleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Quickstart_exits_0_and_every_postback_ends_as_expected()
    {
        var run = await SampleProcess.RunAsync("Postback.Samples.Quickstart", output);

        run.ExitCode.Should().Be(0, run.Output + run.Errors);
        run.Errors.Should().BeEmpty();
        run.Output.Should().Contain("Summary: 5 postbacks for 5 transactions, all as expected (4 delivered, 1 rejected)")
            .And.NotContain("NOT AS EXPECTED");

        // The template engine part: the lint warning, a render, and a tracking link with sub-ids.
        run.Output.Should().Contain("PB106")
            .And.Contain("sid=summer%20sale%20%26%20more&orderid=ORD-1002")
            .And.Contain("&fobs=click%2042&fobs2=email");

        // Redacted URLs on loopback, and the awkward sub-id decoded back by ASP.NET Core from the query and the JSON body.
        run.Output.Should().MatchRegex(@"url +http://127\.0\.0\.1:\d+/acme/pixel\.track\?sid=\*\*\*&orderid=\*\*\*&amount=\*\*\*&commission=\*\*\*&date=\*\*\*");
        run.Output.Should().Contain("received   GET  sid=\"summer sale & more\" orderid=\"ORD-1002\"")
            .And.Contain("received   POST sid=\"summer sale & more\" orderid=\"ORD-1002\"");

        // The partner fails the first attempt of ORD-1003; the retry carries the same idempotency key and is delivered.
        run.Output.Should().Contain("answered   503, then 200 (every attempt carried Idempotency-Key")
            .And.Contain("Delivered (200) after 2 attempts   [as expected]")
            .And.Contain("Rejected (400) after 1 attempt   [as expected]");

        // The outbox, read back from its SQLite file: counts by state, and the delivery log of the retried postback.
        run.Output.Should().MatchRegex(@"outbox +SQLite, .*postback-quickstart-\d+\.db")
            .And.Contain("states     4 delivered, 1 rejected, 0 dead, 0 still pending, in flight or parked")
            .And.MatchRegex(@"delivery +#\d+ globex-json ORD-1003: Delivered after 2 attempts, key \S+")
            .And.MatchRegex(@"attempt 1 +Failed \(503\) in \d+ ms, http://127\.0\.0\.1:\d+/globex/conversions")
            .And.MatchRegex(@"attempt 2 +Delivered \(200\) in \d+ ms, http://127\.0\.0\.1:\d+/globex/conversions");
    }
}
