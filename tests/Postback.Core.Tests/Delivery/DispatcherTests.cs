using Microsoft.Extensions.DependencyInjection;
using Postback.Tests.Support;

namespace Postback.Tests.Delivery;

/// <summary>IPostbackDispatcher: configured endpoints and providers' endpoints, filtered by traffic source.</summary>
public sealed class DispatcherTests
{
    private static ServiceProvider Build(KestrelReceiver receiver, Action<IServiceCollection>? services = null) =>
        PostbackTestHost.BuildServices(
            o =>
            {
                o.AddEndpoint("email-only", e =>
                {
                    e.Url = receiver.BaseUrl + "/email?sid=#fobs#";
                    e.TrafficSources.Add("email");
                });
                o.AddEndpoint("global", e => e.Url = receiver.BaseUrl + "/global?sid=#fobs#");
                o.AddEndpoint("disabled", e =>
                {
                    e.Url = receiver.BaseUrl + "/disabled?sid=#fobs#";
                    e.Enabled = false;
                });
            },
            services);

    [Fact]
    public async Task Dispatch_sends_to_enabled_endpoints_whose_traffic_sources_match_and_reports_provider_problems()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = Build(receiver, s =>
        {
            s.AddSingleton<IPostbackEndpointProvider>(new FixedProvider(
                new PostbackEndpointOptions { Name = "from-db", Url = receiver.BaseUrl + "/provider?sid={fobs}", Syntax = "braces" },
                new PostbackEndpointOptions { Name = "from-db-social", Url = receiver.BaseUrl + "/provider-social?sid=#fobs#", TrafficSources = { "Social" } },
                new PostbackEndpointOptions { Name = "broken", Url = receiver.BaseUrl + "/broken?sid=#fob#" }));
            s.AddSingleton<IPostbackEndpointProvider, ThrowingProvider>();
        });
        var dispatcher = services.GetRequiredService<IPostbackDispatcher>();

        var email = await dispatcher.DispatchAsync(new PostbackTransaction { SubId1 = "e1", TrafficSource = "email" });

        email.Where(r => r.Outcome == PostbackOutcome.Delivered).Select(r => r.EndpointName)
            .Should().BeEquivalentTo(["email-only", "global", "from-db"]);
        var broken = email.Should().ContainSingle(r => r.EndpointName == "broken").Subject;
        broken.Outcome.Should().Be(PostbackOutcome.Invalid);
        broken.ErrorType.Should().Be(PostbackErrorTypes.EndpointError);
        broken.ErrorMessage.Should().Contain("broken").And.Contain("position").And.Contain("#fob#").And.Contain("Did you mean '#fobs#'");
        var failed = email.Should().ContainSingle(r => r.EndpointName == nameof(ThrowingProvider)).Subject;
        failed.Outcome.Should().Be(PostbackOutcome.Failed);
        failed.ErrorType.Should().Be(PostbackErrorTypes.EndpointError);
        failed.ErrorMessage.Should().Contain("database is down");
        email.Should().HaveCount(5);
        receiver.HitsTo("/email").Should().Be(1);
        receiver.HitsTo("/global").Should().Be(1);
        receiver.HitsTo("/provider").Should().Be(1);
        receiver.HitsTo("/provider-social").Should().Be(0);
        receiver.HitsTo("/disabled").Should().Be(0);
        receiver.HitsTo("/broken").Should().Be(0);
        receiver.Requests.Should().AllSatisfy(r => r.Query["sid"].Should().Be("e1"));

        var social = await dispatcher.DispatchAsync(new PostbackTransaction { SubId1 = "s1", TrafficSource = "social" });

        social.Where(r => r.Outcome == PostbackOutcome.Delivered).Select(r => r.EndpointName)
            .Should().BeEquivalentTo(["global", "from-db", "from-db-social"], "traffic sources ignore case");
        receiver.HitsTo("/email").Should().Be(1);
        receiver.HitsTo("/global").Should().Be(2);
        receiver.HitsTo("/provider").Should().Be(2);
        receiver.HitsTo("/provider-social").Should().Be(1);
        receiver.HitsTo("/disabled").Should().Be(0);
    }

    [Fact]
    public async Task A_transaction_without_a_traffic_source_goes_to_global_endpoints_only()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = Build(receiver);

        var results = await services.GetRequiredService<IPostbackDispatcher>().DispatchAsync(new PostbackTransaction { SubId1 = "n" });

        results.Should().ContainSingle().Which.EndpointName.Should().Be("global");
        receiver.HitCount.Should().Be(1);
    }

    [Fact]
    public async Task Dispatch_results_carry_each_endpoints_own_outcome()
    {
        await using var receiver = await KestrelReceiver.StartAsync(async context =>
        {
            context.Response.StatusCode = context.Request.Path == "/email" ? 400 : 200;
            await Task.CompletedTask;
        });
        await using var services = Build(receiver);

        var results = await services.GetRequiredService<IPostbackDispatcher>().DispatchAsync(new PostbackTransaction { TrafficSource = "EMAIL" });

        results.Should().HaveCount(2);
        results.Single(r => r.EndpointName == "email-only").Outcome.Should().Be(PostbackOutcome.Rejected);
        results.Single(r => r.EndpointName == "global").Outcome.Should().Be(PostbackOutcome.Delivered);
    }

    [Fact]
    public async Task A_provider_endpoint_without_a_name_is_reported_not_sent()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices(services: s =>
            s.AddSingleton<IPostbackEndpointProvider>(new FixedProvider(new PostbackEndpointOptions { Url = receiver.BaseUrl + "/x" })));

        var results = await services.GetRequiredService<IPostbackDispatcher>().DispatchAsync(new PostbackTransaction());

        var result = results.Should().ContainSingle().Subject;
        result.Outcome.Should().Be(PostbackOutcome.Invalid);
        result.ErrorType.Should().Be(PostbackErrorTypes.EndpointError);
        result.EndpointName.Should().Contain(nameof(FixedProvider));
        receiver.HitCount.Should().Be(0);
    }

    [Fact]
    public async Task Cancelling_a_dispatch_throws()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        receiver.Handle(receiver.NeverAnswer());
        await using var services = Build(receiver);
        using var cts = new CancellationTokenSource();

        var dispatch = services.GetRequiredService<IPostbackDispatcher>().DispatchAsync(new PostbackTransaction { TrafficSource = "email" }, cts.Token);
        await receiver.WaitForHitsAsync(2, TimeSpan.FromSeconds(30));
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => dispatch).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task A_provider_whose_endpoints_fail_on_enumeration_gives_a_failed_result_not_an_exception()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = Build(receiver, s => s.AddSingleton<IPostbackEndpointProvider, LazyThrowingProvider>());

        var results = await services.GetRequiredService<IPostbackDispatcher>().DispatchAsync(new PostbackTransaction { SubId1 = "x" });

        results.Should().ContainSingle(r => r.EndpointName == "global").Which.Outcome.Should().Be(PostbackOutcome.Delivered);
        var failed = results.Should().ContainSingle(r => r.EndpointName == nameof(LazyThrowingProvider)).Subject;
        failed.Outcome.Should().Be(PostbackOutcome.Failed);
        failed.ErrorType.Should().Be(PostbackErrorTypes.EndpointError);
    }

    private sealed class FixedProvider(params PostbackEndpointOptions[] endpoints) : IPostbackEndpointProvider
    {
        public ValueTask<IEnumerable<PostbackEndpointOptions>> GetEndpointsAsync(PostbackTransaction transaction, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IEnumerable<PostbackEndpointOptions>>(endpoints);
    }

    private sealed class ThrowingProvider : IPostbackEndpointProvider
    {
        public ValueTask<IEnumerable<PostbackEndpointOptions>> GetEndpointsAsync(PostbackTransaction transaction, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The database is down.");
    }

    private sealed class LazyThrowingProvider : IPostbackEndpointProvider
    {
        public ValueTask<IEnumerable<PostbackEndpointOptions>> GetEndpointsAsync(PostbackTransaction transaction, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Query());

        private static IEnumerable<PostbackEndpointOptions> Query()
        {
            yield return new PostbackEndpointOptions { Name = "first", Url = "http://127.0.0.1:1/never", Enabled = false };
            throw new InvalidOperationException("The connection dropped while reading.");
        }
    }
}
