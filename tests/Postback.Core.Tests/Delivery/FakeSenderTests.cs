using Microsoft.Extensions.DependencyInjection;
using Postback.Tests.Support;

namespace Postback.Tests.Delivery;

/// <summary>FakePostbackSender shares the real sender's request building and checks.</summary>
public sealed class FakeSenderTests
{
    [Theory]
    [InlineData("relative/path")]
    [InlineData("ftp://partner.example/pb")]
    [InlineData("")]
    public async Task A_request_the_real_sender_refuses_is_refused_and_not_recorded(string url)
    {
        var fake = new FakePostbackSender();

        var result = await fake.SendAsync(new PostbackRequest { EndpointName = "p", Url = url });

        result.Outcome.Should().Be(PostbackOutcome.Invalid);
        result.ErrorType.Should().Be(PostbackErrorTypes.InvalidRequest);
        fake.Sent.Should().BeEmpty();
    }

    [Fact]
    public async Task Reserved_headers_and_a_body_without_POST_are_refused_as_by_the_real_sender()
    {
        var fake = new FakePostbackSender();

        var host = await fake.SendAsync(new PostbackRequest
        {
            EndpointName = "p",
            Url = "https://partner.example/pb",
            Headers = new Dictionary<string, string> { ["Host"] = "evil.example" },
        });
        var body = await fake.SendAsync(new PostbackRequest { EndpointName = "p", Url = "https://partner.example/pb", Body = "a=1", ContentType = "text/plain" });

        host.Outcome.Should().Be(PostbackOutcome.Invalid);
        body.ErrorMessage.Should().Be("A body needs the POST method.");
        fake.Sent.Should().BeEmpty();
    }

    [Fact]
    public async Task An_endpoint_postback_is_rendered_and_recorded_with_the_real_idempotency_key()
    {
        var fake = new FakePostbackSender();
        var endpoint = new PostbackEndpoint("p", PostbackTemplate.Parse("https://partner.example/pb?sid=#fobs#"));

        var result = await fake.SendAsync(endpoint, new PostbackTransaction { SubId1 = "a b" });

        result.Outcome.Should().Be(PostbackOutcome.Delivered);
        var sent = fake.Sent.Should().ContainSingle().Subject;
        sent.Url.Should().Be("https://partner.example/pb?sid=a%20b");
        sent.IdempotencyKey.Should().Be(result.IdempotencyKey).And.NotBeNullOrEmpty();
    }

    private static (string Name, PostbackRequest Request)[] RefusedRequests(string baseUrl) =>
    [
        ("relative", new PostbackRequest { EndpointName = "p", Url = "/pb" }),
        ("ftp", new PostbackRequest { EndpointName = "p", Url = "ftp://127.0.0.1/pb" }),
        ("too long", new PostbackRequest { EndpointName = "p", Url = baseUrl + "/pb?x=" + new string('a', 9000) }),
        ("body without POST", new PostbackRequest { EndpointName = "p", Url = baseUrl + "/pb", Body = "a=1", ContentType = "text/plain" }),
        ("body without type", new PostbackRequest { EndpointName = "p", Url = baseUrl + "/pb", Method = PostbackHttpMethod.Post, Body = "a=1" }),
        ("reserved header", new PostbackRequest { EndpointName = "p", Url = baseUrl + "/pb", Headers = new Dictionary<string, string> { ["Transfer-Encoding"] = "chunked" } }),
        ("idempotency header", new PostbackRequest { EndpointName = "p", Url = baseUrl + "/pb", Headers = new Dictionary<string, string> { ["Idempotency-Key"] = "forged" } }),
        ("CR LF value", new PostbackRequest { EndpointName = "p", Url = baseUrl + "/pb", Headers = new Dictionary<string, string> { ["X-A"] = "a\r\nHost: evil" } }),
        ("control value", new PostbackRequest { EndpointName = "p", Url = baseUrl + "/pb", Headers = new Dictionary<string, string> { ["X-A"] = "a\u0001" } }),
        ("non-ASCII value", new PostbackRequest { EndpointName = "p", Url = baseUrl + "/pb", Headers = new Dictionary<string, string> { ["X-A"] = "caf\u00e9" } }),
        ("content header without body", new PostbackRequest { EndpointName = "p", Url = baseUrl + "/pb", Headers = new Dictionary<string, string> { ["Content-Language"] = "en" } }),
    ];

    [Fact]
    public async Task A_PostbackRequest_the_real_sender_refuses_is_refused_by_the_fake_with_the_same_message()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices(o => o.MaxRetryAttempts = 0);
        var real = services.GetRequiredService<IPostbackSender>();
        var fake = new FakePostbackSender();

        foreach (var (name, request) in RefusedRequests(receiver.BaseUrl))
        {
            var fromReal = await real.SendAsync(request);
            var fromFake = await fake.SendAsync(request);

            fromReal.Outcome.Should().Be(PostbackOutcome.Invalid, $"{name}: {fromReal}");
            fromFake.Outcome.Should().Be(PostbackOutcome.Invalid, name);
            fromFake.ErrorMessage.Should().Be(fromReal.ErrorMessage, name);
        }

        fake.Sent.Should().BeEmpty();
        receiver.HitCount.Should().Be(0);
    }
}
