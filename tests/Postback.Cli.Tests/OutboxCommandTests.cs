using Postback.Cli.Tests.Support;

namespace Postback.Cli.Tests;

/// <summary>The outbox commands on a temporary SQLite outbox seeded through the store's API; each test has its own file.</summary>
public sealed class OutboxCommandTests : IAsyncLifetime
{
    private SeededOutbox _outbox = null!;

    public async Task InitializeAsync() => _outbox = await SeededOutbox.CreateAsync();

    public Task DisposeAsync()
    {
        _outbox.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Stats_counts_by_state_and_names_the_disabled_and_failing_endpoints()
    {
        var run = await Outbox("stats");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Output.Should().MatchRegex(@"Dead\s+3").And.MatchRegex(@"Delivered\s+1").And.MatchRegex(@"Pending\s+1")
            .And.MatchRegex(@"Parked\s+2").And.MatchRegex(@"Rejected\s+1").And.MatchRegex(@"Total\s+8")
            .And.MatchRegex(@"Oldest pending: enqueued .* \(\d+d \d+h ago\)")
            .And.MatchRegex(@"globex\s+disabled\s+0\s+.*gone \(410\)").And.MatchRegex(@"acme\s+failing\s+3");
    }

    [Fact]
    public async Task List_filters_by_endpoint_state_order_and_time_and_pages()
    {
        var dead = await Outbox("list", "--endpoint", "acme", "--state", "Dead");
        var order = await Outbox("list", "--order", "ORD-5");
        var page = await Outbox("list", "--limit", "3");
        var next = await Outbox("list", "--limit", "3", "--before", "6");
        var recent = await Outbox("list", "--since", "1d");
        var old = await Outbox("list", "--since", "11d", "--until", "9d", "--state", "Parked");

        dead.ExitCode.Should().Be(0, dead.ToString());
        dead.Output.Should().MatchRegex(@"3\s+acme\s+Dead\s+ORD-3").And.MatchRegex(@"1\s+acme\s+Dead\s+ORD-1").And.NotContain("ORD-4").And.Contain("3 shown; no more.");
        order.Output.Should().MatchRegex(@"5\s+initech\s+Rejected\s+ORD-5\s+1\s+.*400").And.Contain("1 shown");
        page.Output.Should().Contain("ORD-8").And.Contain("ORD-6").And.NotContain("ORD-5").And.Contain("more with --before 6");
        next.Output.Should().Contain("ORD-5").And.Contain("ORD-3").And.NotContain("ORD-6");
        recent.Output.Should().Contain("No deliveries match");
        old.Output.Should().Contain("ORD-7").And.Contain("ORD-8").And.Contain("2 shown");
    }

    [Fact]
    public async Task Show_prints_a_delivery_and_its_attempts_and_exits_1_for_an_unknown_id()
    {
        var run = await Outbox("show", "2");
        var missing = await Outbox("show", "999");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Output.Should().MatchRegex(@"Endpoint\s+acme").And.MatchRegex(@"State\s+Dead").And.MatchRegex(@"Order\s+ORD-2")
            .And.MatchRegex(@"1\s+\S+ \S+\s+120 ms\s+Failed\s+503\s+http_error: 503 Service Unavailable\s+https://acme.example/pb\?sid=\*\*\*\s+upstream down");
        missing.ExitCode.Should().Be(1, missing.ToString());
        missing.Error.Should().Contain("No delivery 999");
    }

    [Fact]
    public async Task A_bulk_replay_asks_first_then_with_yes_makes_the_matching_deliveries_pending()
    {
        var declined = await Outbox("replay", "--endpoint", "acme", "--state", "Dead");
        (await _outbox.DeliveriesAsync(new PostbackOutboxFilter { State = PostbackDeliveryState.Dead })).Should().HaveCount(3, "nothing changes unless confirmed");

        var run = await Outbox("replay", "--endpoint", "acme", "--state", "Dead", "--yes");

        declined.ExitCode.Should().Be(1, declined.ToString());
        declined.Output.Should().Contain("Replay 3 deliveries (endpoint=acme, state=Dead)?").And.Contain("Not confirmed");
        run.ExitCode.Should().Be(0, run.ToString());
        run.Output.Should().Contain("Replayed 3 of 3");
        var deliveries = await _outbox.DeliveriesAsync(new PostbackOutboxFilter { EndpointName = "acme" });
        deliveries.Where(d => d.OrderNumber is "ORD-1" or "ORD-2" or "ORD-3").Should().OnlyContain(d => d.State == PostbackDeliveryState.Pending);
        deliveries.Single(d => d.OrderNumber == "ORD-4").State.Should().Be(PostbackDeliveryState.Delivered, "outside the filter");
    }

    [Fact]
    public async Task A_single_replay_confirmed_on_standard_input_replays_that_delivery()
    {
        var run = await Tool.RunAsync(["outbox", "replay", "5", "--sqlite", _outbox.File], input: "y\n");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Output.Should().Contain("Replayed 1 of 1");
        (await _outbox.DeliveriesAsync(new PostbackOutboxFilter { Id = 5 })).Single().State.Should().Be(PostbackDeliveryState.Pending);
    }

    [Fact]
    public async Task Enable_makes_a_disabled_endpoints_parked_deliveries_pending()
    {
        var run = await Outbox("enable", "globex");
        var again = await Outbox("enable", "globex");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Output.Should().Contain("Endpoint 'globex' enabled");
        again.Output.Should().Contain("already enabled");
        (await _outbox.DeliveriesAsync(new PostbackOutboxFilter { EndpointName = "globex" })).Should().HaveCount(2).And.OnlyContain(d => d.State == PostbackDeliveryState.Pending);
    }

    [Fact]
    public async Task Purge_deletes_final_deliveries_older_than_the_ages()
    {
        var run = await Outbox("purge", "--finished-age", "1d", "--dead-age", "30d", "--yes");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Output.Should().Contain("Purged 2 deliveries.");
        var left = await _outbox.DeliveriesAsync();
        left.Select(d => d.OrderNumber).Should().BeEquivalentTo(["ORD-1", "ORD-2", "ORD-3", "ORD-6", "ORD-7", "ORD-8"], "dead ones are kept 30 days, open ones always");
    }

    private Task<CliRun> Outbox(params string[] arguments) => Tool.RunAsync(["outbox", .. arguments, "--sqlite", _outbox.File]);
}
