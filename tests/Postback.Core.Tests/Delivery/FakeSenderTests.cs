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
}
