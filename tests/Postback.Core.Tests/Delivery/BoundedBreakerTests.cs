using Microsoft.Extensions.DependencyInjection;
using Postback.Internal;
using Postback.Tests.Security;
using Postback.Tests.Support;

namespace Postback.Tests.Delivery;

/// <summary>
/// The per-authority breakers stay bounded whatever the number of hosts, and eviction never closes an open breaker
/// early. Hosts are names an injected resolver maps to 127.0.0.2, the stand-in for a public partner.
/// </summary>
public sealed class BoundedBreakerTests
{
    [Fact]
    public async Task Thousands_of_hosts_keep_the_per_authority_breakers_at_the_bound()
    {
        await using var partner = await KestrelReceiver.StartAsync(ConnectGuardTests.Public, CloseEach(200), recordRequests: false);
        await using var services = BuildForHosts(bound: 40);
        var sender = services.GetRequiredService<IPostbackSender>();
        var breakers = services.GetRequiredService<PartnerPipelines>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 2000), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, token) =>
        {
            var result = await sender.SendAsync(new PostbackRequest { EndpointName = "many", Url = $"http://h{i}.partner.test:{partner.Port}/pb" }, token);
            result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ToString());
            breakers.Count.Should().BeLessThanOrEqualTo(40);
        });

        partner.HitCount.Should().Be(2000);
        breakers.Count.Should().Be(40);
        breakers.RememberedOpenCount.Should().Be(0, "no breaker opened");
    }

    [Fact]
    public async Task An_open_breaker_still_refuses_after_heavy_churn_of_other_hosts()
    {
        await using var failing = await KestrelReceiver.StartAsync(ConnectGuardTests.Public, KestrelReceiver.Respond(500), recordRequests: false);
        await using var healthy = await KestrelReceiver.StartAsync(ConnectGuardTests.Public, CloseEach(200), recordRequests: false);
        await using var services = BuildForHosts(bound: 20);
        var sender = services.GetRequiredService<IPostbackSender>();
        var breakers = services.GetRequiredService<PartnerPipelines>();

        var opened = await OpenCircuit(sender, $"http://bad.partner.test:{failing.Port}/pb");
        var hits = failing.HitCount;
        for (var i = 0; i < 500; i++)
        {
            (await sender.SendAsync(new PostbackRequest { EndpointName = "churn", Url = $"http://c{i}.partner.test:{healthy.Port}/pb" })).IsDelivered.Should().BeTrue();
        }

        var after = await sender.SendAsync(new PostbackRequest { EndpointName = "bad", Url = $"http://bad.partner.test:{failing.Port}/pb" });

        opened.ErrorType.Should().Be(PostbackErrorTypes.CircuitOpen);
        after.ErrorType.Should().Be(PostbackErrorTypes.CircuitOpen, after.ToString());
        after.Attempts.Should().Be(0);
        failing.HitCount.Should().Be(hits, "an open circuit sends nothing, however many hosts came after it");
        breakers.Count.Should().BeLessThanOrEqualTo(20);
    }

    [Fact]
    public async Task When_every_live_breaker_is_open_an_evicted_one_is_remembered_until_its_break_ends()
    {
        await using var failing = await KestrelReceiver.StartAsync(ConnectGuardTests.Public, KestrelReceiver.Respond(500), recordRequests: false);
        await using var services = BuildForHosts(bound: 10);
        var sender = services.GetRequiredService<IPostbackSender>();
        var breakers = services.GetRequiredService<PartnerPipelines>();

        for (var i = 0; i < 25; i++)
        {
            await OpenCircuit(sender, $"http://bad{i}.partner.test:{failing.Port}/pb");
        }

        var hits = failing.HitCount;
        var first = await sender.SendAsync(new PostbackRequest { EndpointName = "bad", Url = $"http://bad0.partner.test:{failing.Port}/pb" });

        breakers.Count.Should().BeLessThanOrEqualTo(10);
        breakers.RememberedOpenCount.Should().BeLessThanOrEqualTo(40);
        first.ErrorType.Should().Be(PostbackErrorTypes.CircuitOpen, first.ToString());
        failing.HitCount.Should().Be(hits);
    }

    private static async Task<PostbackResult> OpenCircuit(IPostbackSender sender, string url)
    {
        for (var i = 0; i < 10; i++)
        {
            var result = await sender.SendAsync(new PostbackRequest { EndpointName = "bad", Url = url });
            if (result.ErrorType == PostbackErrorTypes.CircuitOpen)
            {
                return result;
            }
        }

        throw new InvalidOperationException("The circuit did not open.");
    }

    private static ServiceProvider BuildForHosts(int bound)
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton<IPostbackDnsResolver>(new ConnectGuardTests.ScriptedResolver((_, _) => [ConnectGuardTests.Public]));
        collection.AddPostbacks(o =>
        {
            o.MaxRetryAttempts = 0;
            o.CircuitBreaker.MinimumThroughput = 2;
            o.CircuitBreaker.FailureRatio = 0.5;
            o.CircuitBreaker.BreakDuration = TimeSpan.FromMinutes(30);
            o.CircuitBreaker.MaxHosts = bound;
            o.Security.AllowedNetworks.Add("127.0.0.2/32");
        });
        return collection.BuildServiceProvider();
    }

    private static Func<Microsoft.AspNetCore.Http.HttpContext, Task> CloseEach(int status) => context =>
    {
        context.Response.Headers.Connection = "close";
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    };
}
