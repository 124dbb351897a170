using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Postback.Tests.Support;

namespace Postback.Tests.Delivery;

/// <summary>AddPostbacks(IConfigurationSection): binding, start-up validation, and registering twice.</summary>
public sealed class ConfigurationTests
{
    private static Dictionary<string, string?> Valid(string url = "https://track.example/pb?cid={clickid}&sid={fobs}") => new()
    {
        ["Postbacks:IdempotencyHeaderName"] = "X-Request-Id",
        ["Postbacks:AttemptTimeout"] = "00:00:04",
        ["Postbacks:TotalTimeout"] = "00:00:25",
        ["Postbacks:ConnectTimeout"] = "00:00:00.750",
        ["Postbacks:MaxRetryAttempts"] = "5",
        ["Postbacks:RetryDelay"] = "00:00:00.250",
        ["Postbacks:MaxRetryAfter"] = "00:00:07",
        ["Postbacks:MaxResponseBodyBytes"] = "1024",
        ["Postbacks:MaxUrlLength"] = "2048",
        ["Postbacks:TemplateCacheSize"] = "50",
        ["Postbacks:CircuitBreaker:Enabled"] = "false",
        ["Postbacks:CircuitBreaker:FailureRatio"] = "0.25",
        ["Postbacks:CircuitBreaker:MinimumThroughput"] = "7",
        ["Postbacks:CircuitBreaker:SamplingDuration"] = "00:05:00",
        ["Postbacks:CircuitBreaker:BreakDuration"] = "00:01:00",
        ["Postbacks:Endpoints:acme:Url"] = url,
        ["Postbacks:Endpoints:acme:Method"] = "POST",
        ["Postbacks:Endpoints:acme:Body"] = "{\"cid\": \"{clickid}\", \"payout\": {payout}}",
        ["Postbacks:Endpoints:acme:BodyFormat"] = "Json",
        ["Postbacks:Endpoints:acme:Headers:X-Api-Key"] = "k-123",
        ["Postbacks:Endpoints:acme:Headers:Authorization"] = "Bearer t",
        ["Postbacks:Endpoints:acme:TrafficSources:0"] = "email",
        ["Postbacks:Endpoints:acme:TrafficSources:1"] = "social",
        ["Postbacks:Endpoints:acme:Syntax"] = "braces",
        ["Postbacks:Endpoints:acme:Catalog"] = "open",
        ["Postbacks:Endpoints:acme:UnknownMacros"] = "KeepLiteral",
        ["Postbacks:Endpoints:acme:MissingValues"] = "Fail",
        ["Postbacks:Endpoints:acme:Enabled"] = "false",
        ["Postbacks:Endpoints:acme:SuccessBodyContains"] = "success=true",
        ["Postbacks:Endpoints:plain:Url"] = "https://plain.example/pb?sid=#fobs#",
    };

    [Fact]
    public async Task Every_option_binds_from_configuration_and_endpoint_names_come_from_keys()
    {
        using var host = PostbackTestHost.BuildHost(Valid());
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<PostbackOptions>>().Value;

        options.IdempotencyHeaderName.Should().Be("X-Request-Id");
        options.AttemptTimeout.Should().Be(TimeSpan.FromSeconds(4));
        options.TotalTimeout.Should().Be(TimeSpan.FromSeconds(25));
        options.ConnectTimeout.Should().Be(TimeSpan.FromMilliseconds(750));
        options.MaxRetryAttempts.Should().Be(5);
        options.RetryDelay.Should().Be(TimeSpan.FromMilliseconds(250));
        options.MaxRetryAfter.Should().Be(TimeSpan.FromSeconds(7));
        options.MaxResponseBodyBytes.Should().Be(1024);
        options.MaxUrlLength.Should().Be(2048);
        options.TemplateCacheSize.Should().Be(50);
        options.CircuitBreaker.Enabled.Should().BeFalse();
        options.CircuitBreaker.FailureRatio.Should().Be(0.25);
        options.CircuitBreaker.MinimumThroughput.Should().Be(7);
        options.CircuitBreaker.SamplingDuration.Should().Be(TimeSpan.FromMinutes(5));
        options.CircuitBreaker.BreakDuration.Should().Be(TimeSpan.FromMinutes(1));

        options.Endpoints.Keys.Should().BeEquivalentTo(["acme", "plain"]);
        var acme = options.Endpoints["ACME"];
        acme.Name.Should().Be("acme");
        acme.Url.Should().Be("https://track.example/pb?cid={clickid}&sid={fobs}");
        acme.Method.Should().Be(PostbackHttpMethod.Post);
        acme.Body.Should().Be("{\"cid\": \"{clickid}\", \"payout\": {payout}}");
        acme.BodyFormat.Should().Be(PostbackBodyFormat.Json);
        acme.Headers.Should().BeEquivalentTo(new Dictionary<string, string> { ["X-Api-Key"] = "k-123", ["Authorization"] = "Bearer t" });
        acme.TrafficSources.Should().Equal("email", "social");
        acme.Syntax.Should().Be("braces");
        acme.Catalog.Should().Be("open");
        acme.UnknownMacros.Should().Be(UnknownMacroPolicy.KeepLiteral);
        acme.MissingValues.Should().Be(MissingValuePolicy.Fail);
        acme.Enabled.Should().BeFalse();
        acme.SuccessBodyContains.Should().Be("success=true");

        var plain = options.Endpoints["plain"];
        plain.Name.Should().Be("plain");
        plain.Method.Should().Be(PostbackHttpMethod.Get);
        plain.Syntax.Should().Be("hash");
        plain.Catalog.Should().Be("flexoffers");
        plain.Enabled.Should().BeTrue();
        plain.Headers.Should().BeEmpty();
        plain.TrafficSources.Should().BeEmpty();

        await host.StopAsync();
    }

    [Fact]
    public async Task An_invalid_template_stops_the_host_naming_the_endpoint_the_position_and_the_problem()
    {
        var config = Valid();
        config["Postbacks:Endpoints:plain:Url"] = "https://plain.example/pb?sid=#fob#&on=#on#";
        using var host = PostbackTestHost.BuildHost(config);

        var act = () => host.StartAsync();

        var error = (await act.Should().ThrowAsync<OptionsValidationException>()).Which;
        error.Message.Should().Contain("Postbacks:Endpoints:plain:Url is invalid")
            .And.Contain("#fob#")
            .And.Contain("position 29")
            .And.Contain("Did you mean '#fobs#'");
    }

    [Theory]
    [InlineData("Postbacks:AttemptTimeout", "00:00:40", "AttemptTimeout")]
    [InlineData("Postbacks:ConnectTimeout", "00:10:00", "ConnectTimeout")]
    [InlineData("Postbacks:MaxRetryAfter", "00:20:00", "MaxRetryAfter")]
    [InlineData("Postbacks:MaxRetryAttempts", "11", "MaxRetryAttempts")]
    [InlineData("Postbacks:IdempotencyHeaderName", "Bad Header", "IdempotencyHeaderName")]
    [InlineData("Postbacks:IdempotencyHeaderName", "Host", "IdempotencyHeaderName")]
    [InlineData("Postbacks:IdempotencyHeaderName", "Transfer-Encoding", "IdempotencyHeaderName")]
    [InlineData("Postbacks:IdempotencyHeaderName", "content-length", "IdempotencyHeaderName")]
    [InlineData("Postbacks:IdempotencyHeaderName", "Content-Type", "IdempotencyHeaderName")]
    [InlineData("Postbacks:IdempotencyHeaderName", "Connection", "IdempotencyHeaderName")]
    [InlineData("Postbacks:IdempotencyHeaderName", "Content-MD5", "IdempotencyHeaderName")]
    [InlineData("Postbacks:Endpoints:plain:Headers:X-Note", "caf\u00e9", "Postbacks:Endpoints:plain:Headers")]
    [InlineData("Postbacks:Endpoints:plain:Headers:X-Note", "a\u0001b", "Postbacks:Endpoints:plain:Headers")]
    [InlineData("Postbacks:Endpoints:plain:Headers:X-Note", "a\u007fb", "Postbacks:Endpoints:plain:Headers")]
    [InlineData("Postbacks:Security:DeniedHosts:0", "bad..example", "Postbacks:Security:DeniedHosts")]
    [InlineData("Postbacks:CircuitBreaker:MinimumThroughput", "1", "MinimumThroughput")]
    [InlineData("Postbacks:Endpoints:plain:Catalog", "nope", "Postbacks:Endpoints:plain:Catalog")]
    [InlineData("Postbacks:Endpoints:plain:Syntax", "nope", "Postbacks:Endpoints:plain:Syntax")]
    [InlineData("Postbacks:Endpoints:plain:Headers:Host", "evil.example", "Postbacks:Endpoints:plain:Headers")]
    [InlineData("Postbacks:Endpoints:plain:Headers:X-Request-Id", "forged", "idempotency key")]
    [InlineData("Postbacks:Endpoints:plain:Name", "other", "plain")]
    [InlineData("Postbacks:Endpoints:plain:Url", "", "Postbacks:Endpoints:plain:Url is required")]
    public async Task Invalid_options_stop_the_host(string key, string value, string expected)
    {
        var config = Valid();
        config[key] = value;
        using var host = PostbackTestHost.BuildHost(config);

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(expected);
    }

    [Fact]
    public void Messages_name_the_section_the_options_were_bound_from()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Partners:Endpoints:x:Url"] = "https://x.example/pb?sid=#fob#",
            ["Partners:AttemptTimeout"] = "00:20:00",
            ["Partners:Security:AllowedNetworks:0"] = "10.0.0.0/33",
            ["Jobs:DrainTimeout"] = "02:00:00",
        }).Build();
        var services = new ServiceCollection();
        services.AddPostbacks(configuration.GetSection("Partners")).AddQueue(configuration.GetSection("Jobs"));
        using var provider = services.BuildServiceProvider();

        var postbacks = () => provider.GetRequiredService<IOptions<PostbackOptions>>().Value;
        var queue = () => provider.GetRequiredService<IOptions<PostbackQueueOptions>>().Value;

        var failures = postbacks.Should().Throw<OptionsValidationException>().Which.Failures.ToList();
        failures.Should().Contain(f => f.StartsWith("Partners:Endpoints:x:Url is invalid", StringComparison.Ordinal))
            .And.Contain(f => f.StartsWith("Partners:AttemptTimeout is 00:20:00", StringComparison.Ordinal))
            .And.Contain(f => f.StartsWith("Partners:Security:AllowedNetworks", StringComparison.Ordinal))
            .And.NotContain(f => f.Contains("Postbacks:", StringComparison.Ordinal));
        queue.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("Jobs:DrainTimeout is 02:00:00");
    }

    [Fact]
    public void Messages_name_the_default_sections_when_options_are_configured_in_code()
    {
        var services = new ServiceCollection();
        services.AddPostbacks(o => o.AddEndpoint("x", e => e.Url = "https://x.example/pb?sid=#fob#"))
            .AddQueue(q => q.DrainTimeout = TimeSpan.FromHours(2));
        using var provider = services.BuildServiceProvider();

        var postbacks = () => provider.GetRequiredService<IOptions<PostbackOptions>>().Value;
        var queue = () => provider.GetRequiredService<IOptions<PostbackQueueOptions>>().Value;

        postbacks.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("Postbacks:Endpoints:x:Url is invalid");
        queue.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("Postbacks:Queue:DrainTimeout is 02:00:00");
    }

    [Fact]
    public async Task AddPostbacks_twice_registers_one_sender_and_one_handler_chain()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        receiver.Enqueue(KestrelReceiver.Respond(503));
        var config = new Dictionary<string, string?> { ["Postbacks:MaxRetryAttempts"] = "1" };
        IServiceCollection? registered = null;
        using var host = PostbackTestHost.BuildHost(config, services =>
        {
            services.AddPostbacks();
            services.AddPostbacks(o => o.RetryDelay = TimeSpan.FromMilliseconds(5));
            registered = services;
        });
        await host.StartAsync();

        registered!.Count(d => d.ServiceType == typeof(IPostbackSender)).Should().Be(1);
        registered!.Count(d => d.ServiceType == typeof(IPostbackDispatcher)).Should().Be(1);
        host.Services.GetServices<IPostbackSender>().Should().ContainSingle();
        var result = await host.Services.GetRequiredService<IPostbackSender>().SendAsync(
            new PostbackEndpoint("twice", PostbackTemplate.Parse(receiver.BaseUrl + "/pb?sid=#fobs#")), new PostbackTransaction { SubId1 = "x" });

        result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ToString());
        result.Attempts.Should().Be(2, "one retry handler and one capture handler: duplicated handlers would multiply attempts");
        receiver.HitCount.Should().Be(2);
        await host.StopAsync();
    }
}
