using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Postback.Tests.Support;
using RichardSzalay.MockHttp;

namespace Postback.Tests.Delivery;

/// <summary>The request the sender builds, seen by a mock primary handler (no network at all).</summary>
public sealed class SenderUnitTests
{
    // Loopback, in case a mock were ever bypassed: nothing listens on port 9 (discard) in a test run.
    private const string Base = "http://127.0.0.1:9";

    // A mock is not a SocketsHttpHandler the guard can protect: the library refuses it unless the guard is deliberately off.
    private static ServiceProvider Build(MockHttpMessageHandler mock, Action<PostbackOptions>? configure = null) =>
        PostbackTestHost.BuildServices(
            o =>
            {
                o.Security.Enabled = false;
                configure?.Invoke(o);
            },
            postbacks: p => p.HttpClientBuilder.ConfigurePrimaryHttpMessageHandler(() => mock));

    [Fact]
    public async Task Headers_from_endpoint_configuration_are_sent_with_the_idempotency_key()
    {
        using var mock = new MockHttpMessageHandler();
        var expectation = mock.Expect(HttpMethod.Get, Base + "/pb")
            .WithQueryString("sid", "a b")
            .WithHeaders("X-Api-Key", "k-123")
            .WithHeaders("Authorization", "Bearer token-1")
            .Respond(HttpStatusCode.OK);
        await using var services = Build(mock, o => o.AddEndpoint("acme", e =>
        {
            e.Url = Base + "/pb?sid=#fobs#";
            e.Headers["X-Api-Key"] = "k-123";
            e.Headers["Authorization"] = "Bearer token-1";
        }));

        var results = await services.GetRequiredService<IPostbackDispatcher>().DispatchAsync(new PostbackTransaction { SubId1 = "a b" });

        results.Should().ContainSingle().Which.Outcome.Should().Be(PostbackOutcome.Delivered);
        mock.VerifyNoOutstandingExpectation();
        mock.GetMatchCount(expectation).Should().Be(1);
    }

    [Fact]
    public async Task The_idempotency_header_name_is_configurable()
    {
        using var mock = new MockHttpMessageHandler();
        HttpRequestMessage? seen = null;
        mock.When(Base + "/pb").Respond(request =>
        {
            seen = request;
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        await using var services = Build(mock, o => o.IdempotencyHeaderName = "X-Request-Id");

        var result = await services.GetRequiredService<IPostbackSender>().SendAsync(
            new PostbackEndpoint("acme", PostbackTemplate.Parse(Base + "/pb?on=#on#")), new PostbackTransaction { OrderNumber = "1" });

        result.Outcome.Should().Be(PostbackOutcome.Delivered);
        seen.Should().NotBeNull();
        seen!.Headers.GetValues("X-Request-Id").Should().Equal(result.IdempotencyKey);
        seen.Headers.Contains("Idempotency-Key").Should().BeFalse();
        result.IdempotencyKey.Should().MatchRegex("^[A-Za-z0-9_-]{32}$");
    }

    [Theory]
    [InlineData(PostbackBodyFormat.Form, "sid=#fobs#&amt=#sa#", "application/x-www-form-urlencoded", "sid=a+b%26c&amt=1.50")]
    [InlineData(PostbackBodyFormat.Json, "{\"sid\": \"#fobs#\", \"amt\": #sa#}", "application/json", "{\"sid\": \"a b&c\", \"amt\": 1.50}")]
    public async Task Bodies_are_sent_with_their_content_type_and_utf8(PostbackBodyFormat format, string body, string mediaType, string expected)
    {
        using var mock = new MockHttpMessageHandler();
        string? contentType = null;
        string? charset = null;
        string? sent = null;
        mock.When(HttpMethod.Post, Base + "/pb").Respond(async request =>
        {
            contentType = request.Content!.Headers.ContentType!.MediaType;
            charset = request.Content.Headers.ContentType.CharSet;
            sent = await request.Content.ReadAsStringAsync();
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        await using var services = Build(mock, o => o.AddEndpoint("body", e =>
        {
            e.Url = Base + "/pb";
            e.Method = PostbackHttpMethod.Post;
            e.Body = body;
            e.BodyFormat = format;
        }));

        var results = await services.GetRequiredService<IPostbackDispatcher>().DispatchAsync(new PostbackTransaction { SubId1 = "a b&c", SaleAmount = 1.50m });

        results.Should().ContainSingle().Which.Outcome.Should().Be(PostbackOutcome.Delivered);
        contentType.Should().Be(mediaType);
        charset.Should().Be("utf-8");
        sent.Should().Be(expected);
    }

    [Fact]
    public async Task A_GET_has_no_body_and_no_content_type()
    {
        using var mock = new MockHttpMessageHandler();
        HttpContent? content = null;
        mock.When(HttpMethod.Get, Base + "/pb").Respond(request =>
        {
            content = request.Content;
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        });
        await using var services = Build(mock);

        var result = await services.GetRequiredService<IPostbackSender>().SendAsync(
            new PostbackEndpoint("get", PostbackTemplate.Parse(Base + "/pb?sid=#fobs#")), new PostbackTransaction { SubId1 = "x" });

        result.Outcome.Should().Be(PostbackOutcome.Delivered);
        result.StatusCode.Should().Be(204);
        content.Should().BeNull();
    }

    [Fact]
    public async Task A_configured_content_header_on_a_GET_is_refused_not_silently_dropped()
    {
        // A GET has no body, so a Content-* header could never reach the partner: it is refused where it is configured.
        FluentActions.Invoking(() => new PostbackEndpoint(
                "content-header",
                PostbackTemplate.Parse(Base + "/pb"),
                headers: [new("Content-Language", "en"), new("X-Other", "1")]))
            .Should().Throw<ArgumentException>().WithMessage("*'content-header'*'Content-Language'*body*");

        using var mock = new MockHttpMessageHandler();
        await using var services = Build(mock);
        var result = await services.GetRequiredService<IPostbackSender>().SendAsync(new PostbackRequest
        {
            EndpointName = "raw",
            Url = Base + "/pb",
            Headers = new Dictionary<string, string> { ["Content-Language"] = "en" },
        });

        result.Outcome.Should().Be(PostbackOutcome.Invalid);
        result.ErrorMessage.Should().Contain("Content-Language");
        mock.GetMatchCount(mock.When("*")).Should().Be(0);
    }

    [Fact]
    public async Task The_request_uses_HTTP_1_1()
    {
        using var mock = new MockHttpMessageHandler();
        Version? version = null;
        HttpVersionPolicy? policy = null;
        mock.When(Base + "/pb").Respond(request =>
        {
            version = request.Version;
            policy = request.VersionPolicy;
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        await using var services = Build(mock);

        await services.GetRequiredService<IPostbackSender>().SendAsync(new PostbackEndpoint("v", PostbackTemplate.Parse(Base + "/pb")), new PostbackTransaction());

        version.Should().Be(HttpVersion.Version11);
        policy.Should().Be(HttpVersionPolicy.RequestVersionOrLower);
    }

    [Fact]
    public async Task The_same_endpoint_and_transaction_give_the_same_key_and_any_value_change_gives_another()
    {
        using var mock = new MockHttpMessageHandler();
        mock.When("*").Respond(HttpStatusCode.OK);
        await using var services = Build(mock);
        var sender = services.GetRequiredService<IPostbackSender>();
        var endpoint = new PostbackEndpoint("k", PostbackTemplate.Parse(Base + "/pb?sid=#fobs#"));
        var other = new PostbackEndpoint("k2", PostbackTemplate.Parse(Base + "/pb?sid=#fobs#"));
        PostbackTransaction Tx(string sid, decimal amount) => new() { SubId1 = sid, SaleAmount = amount };

        var a = (await sender.SendAsync(endpoint, Tx("s", 1m))).IdempotencyKey;
        var b = (await sender.SendAsync(endpoint, Tx("s", 1m))).IdempotencyKey;
        var amount = (await sender.SendAsync(endpoint, Tx("s", 2m))).IdempotencyKey;
        var name = (await sender.SendAsync(other, Tx("s", 1m))).IdempotencyKey;

        a.Should().Be(b);
        new[] { a, amount, name }.Should().OnlyHaveUniqueItems("the amount is part of the transaction even when the template does not render it");
    }
}
