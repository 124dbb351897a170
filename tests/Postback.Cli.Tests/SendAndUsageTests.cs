using Postback.Cli.Tests.Support;

namespace Postback.Cli.Tests;

/// <summary>send against a real receiver on 127.0.0.1 (nothing else is contacted), dry runs, and bad usage.</summary>
public sealed class SendAndUsageTests
{
    [Fact]
    public async Task A_send_to_an_allowed_loopback_receiver_is_delivered_and_exits_0()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();

        var run = await Tool.RunAsync("send", receiver.BaseUrl + "/pb?sid=#fobs#&amount=#sa#", "--set", "fobs=a b&c", "--set", "sa=12.5", "--allow-network", "127.0.0.1/32");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Output.Should().Contain($"GET {receiver.BaseUrl}/pb?sid=***&amount=***", "the URL is shown redacted")
            .And.MatchRegex(@"Status\s+200").And.MatchRegex(@"Attempts\s+1").And.MatchRegex(@"Time\s+\d")
            .And.MatchRegex(@"Response\s+OK received").And.MatchRegex(@"Outcome\s+Delivered");
        receiver.Requests.Should().ContainSingle().Which.Query.Should().Contain("sid", "a b&c");
    }

    [Fact]
    public async Task A_loopback_destination_without_allow_network_is_blocked_and_exits_1()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();

        var run = await Tool.RunAsync("send", receiver.BaseUrl + "/pb?sid=#fobs#", "--set", "fobs=abc");

        run.ExitCode.Should().Be(1, run.ToString());
        run.Output.Should().MatchRegex(@"Outcome\s+Blocked").And.Contain("blocked").And.Contain("--allow-network");
        receiver.Requests.Should().BeEmpty("the guard refuses before connecting");
    }

    [Fact]
    public async Task A_dry_run_from_a_configuration_shows_the_request_and_sends_nothing()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var config = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(config, $$"""
                { "Postbacks": { "Endpoints": {
                  "acme": { "Url": "{{receiver.BaseUrl}}/pixel?sid=#fobs#&orderid=#on#", "TrafficSources": [ "email" ] },
                  "globex": { "Url": "{{receiver.BaseUrl}}/conv", "Method": "Post", "Body": "{\"sid\": \"#fobs#\"}", "BodyFormat": "Json", "Headers": { "X-Api-Key": "s3cret" } } } } }
                """);

            var dry = await Tool.RunAsync("send", "--config", config, "--endpoint", "globex", "--set", "fobs=x", "--dry-run", "--allow-network", "127.0.0.1/32");
            var blocked = await Tool.RunAsync("send", "--config", config, "--endpoint", "acme", "--set", "fobs=x", "--dry-run");
            var sent = await Tool.RunAsync("send", "--config", config, "--endpoint", "acme", "--set", "fobs=x", "--set", "on=ORD-1", "--allow-network", "127.0.0.1/32");

            dry.ExitCode.Should().Be(0, dry.ToString());
            dry.Output.Should().Contain($"POST {receiver.BaseUrl}/conv").And.MatchRegex(@"Body\s+\{""sid"": ""x""\}")
                .And.Contain("X-Api-Key: ***").And.NotContain("s3cret").And.MatchRegex(@"Guard\s+allowed").And.Contain("not sent (dry run)");
            blocked.ExitCode.Should().Be(1, blocked.ToString());
            blocked.Output.Should().MatchRegex(@"Guard\s+blocked: 127\.0\.0\.1 is loopback");
            sent.ExitCode.Should().Be(0, sent.ToString());
            receiver.Requests.Should().ContainSingle("only the real send reached the receiver, whatever the endpoint's traffic sources")
                .Which.Query.Should().Contain("orderid", "ORD-1");
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Theory]
    [InlineData("lint", "--bogus")]
    [InlineData("lint")]
    [InlineData("frobnicate")]
    [InlineData("render", "https://a.example/?s=#fobs#", "--set", "nonsense")]
    [InlineData("render", "https://a.example/?s=#fobs#", "--set", "fobz=1")]
    [InlineData("send", "https://a.example/", "--allow-network", "300.1/8")]
    [InlineData("outbox", "list")]
    [InlineData("outbox", "stats", "--sqlite", "/nonexistent/postbacks.db")]
    public async Task Bad_usage_exits_2_with_a_message_on_standard_error(params string[] arguments)
    {
        var run = await Tool.RunAsync(arguments);

        run.ExitCode.Should().Be(2, run.ToString());
        run.Error.Should().Contain("error");
    }

    [Fact]
    public async Task Every_command_has_help_with_examples()
    {
        foreach (var command in new[] { "lint", "render", "send", "outbox stats", "outbox list", "outbox show", "outbox replay", "outbox enable", "outbox purge" })
        {
            var run = await Tool.RunAsync([.. command.Split(' '), "--help"]);

            run.ExitCode.Should().Be(0, run.ToString());
            run.Output.Should().Contain("Examples:").And.Contain("postback " + command, command);
        }
    }
}
