using Microsoft.Extensions.DependencyInjection;
using Postback.Tests.Support;

namespace Postback.Tests.Delivery;

/// <summary>
/// Attempts, timeouts and breakers are exactly the library's: app-wide client defaults add none, the per-authority
/// breakers stay bounded whatever the number of hosts, and a failure built locally never counts against a partner.
/// </summary>
public sealed class ResilienceIsolationTests
{
    private static PostbackTransaction Sale() => new() { SubId1 = "pub-1", OrderNumber = "ORD-1" };

    [Theory]
    [InlineData("standard")]
    [InlineData("hedging")]
    public async Task App_wide_resilience_defaults_add_no_attempts_to_the_postback_client(string defaults)
    {
        await using var partner = await KestrelReceiver.StartAsync(KestrelReceiver.Respond(503));
        await using var services = PostbackTestHost.BuildServices(
            o =>
            {
                o.MaxRetryAttempts = 2;
                o.CircuitBreaker.Enabled = false;
            },
            services => services.ConfigureHttpClientDefaults(b =>
            {
                if (defaults == "standard")
                {
                    b.AddStandardResilienceHandler();
                }
                else
                {
                    b.AddStandardHedgingHandler();
                }
            }));

        var result = await services.GetRequiredService<IPostbackSender>().SendAsync(
            new PostbackEndpoint("always-503", PostbackTemplate.Parse(partner.BaseUrl + "/pb?sid=#fobs#")), Sale());

        result.Outcome.Should().Be(PostbackOutcome.Failed, result.ToString());
        result.ErrorType.Should().Be(PostbackErrorTypes.HttpError);
        result.Attempts.Should().Be(3);
        partner.HitCount.Should().Be(3, "1 + MaxRetryAttempts requests, no nested pipeline");
    }

    [Fact]
    public async Task Resilience_defaults_registered_after_AddPostbacks_are_removed_too()
    {
        await using var partner = await KestrelReceiver.StartAsync(KestrelReceiver.Respond(503));
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddPostbacksForTests();
        collection.Configure<PostbackOptions>(o =>
        {
            o.MaxRetryAttempts = 1;
            o.CircuitBreaker.Enabled = false;
        });
        collection.ConfigureHttpClientDefaults(b => b.AddStandardResilienceHandler());
        await using var services = collection.BuildServiceProvider();

        var result = await services.GetRequiredService<IPostbackSender>().SendAsync(new PostbackRequest { EndpointName = "p", Url = partner.BaseUrl + "/pb" });

        result.Attempts.Should().Be(2, result.ToString());
        partner.HitCount.Should().Be(2);
    }

    [Fact]
    public async Task A_failure_built_locally_never_opens_the_circuit_for_healthy_endpoints_on_the_same_host()
    {
        await using var partner = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices(o =>
        {
            o.MaxRetryAttempts = 0;
            o.CircuitBreaker.MinimumThroughput = 2;
            o.CircuitBreaker.FailureRatio = 0.5;
        });
        var sender = services.GetRequiredService<IPostbackSender>();

        for (var i = 0; i < 6; i++)
        {
            var local = await sender.SendAsync(new PostbackRequest
            {
                EndpointName = "bad-header",
                Url = partner.BaseUrl + "/pb?o=" + i,
                Headers = new Dictionary<string, string> { ["X-Note"] = "caf\u00e9\u0001" },
            });
            local.IsDelivered.Should().BeFalse();
        }

        var healthy = await sender.SendAsync(new PostbackEndpoint("healthy", PostbackTemplate.Parse(partner.BaseUrl + "/ok?sid=#fobs#")), Sale());

        healthy.Outcome.Should().Be(PostbackOutcome.Delivered, healthy.ToString());
        partner.HitsTo("/pb").Should().Be(0);
    }
}
