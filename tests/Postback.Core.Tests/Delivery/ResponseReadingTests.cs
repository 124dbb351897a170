using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Postback.Tests.Support;

namespace Postback.Tests.Delivery;

/// <summary>What a partner answers decides the outcome through its status and the success check only: odd charsets and odd headers included.</summary>
public sealed class ResponseReadingTests
{
    private static PostbackTransaction Sale() => new() { SubId1 = "pub-1", OrderNumber = "ORD-1" };

    private static PostbackEndpoint Endpoint(string url, string? successBodyContains = null) =>
        new("charset", PostbackTemplate.Parse(url + "?sid=#fobs#"), successBodyContains: successBodyContains);

    [Theory]
    [InlineData("text/plain; charset=windows-1252", new byte[] { 0x63, 0x61, 0x66, 0xE9, 0x20, 0x6F, 0x6B }, "caf\u00e9 ok")]
    [InlineData("text/plain; charset=x-unknown", new byte[] { 0x63, 0x61, 0x66, 0xC3, 0xA9, 0x20, 0x6F, 0x6B }, "caf\u00e9 ok")]
    [InlineData("text/plain; charset=utf-8", new byte[] { 0x63, 0x61, 0x66, 0xC3, 0xA9, 0x20, 0x6F, 0x6B }, "caf\u00e9 ok")]
    [InlineData("text/plain; charset=iso-8859-1", new byte[] { 0x63, 0x61, 0x66, 0xE9, 0x20, 0x6F, 0x6B }, "caf\u00e9 ok")]
    [InlineData("text/plain; charset=\"\"", new byte[] { 0x6F, 0x6B }, "ok")]
    [InlineData("application/json", new byte[] { 0x6F, 0x6B, 0xFF }, "ok\u00ff")]
    public async Task A_2xx_with_any_charset_is_delivered_and_its_body_decoded_tolerantly(string contentType, byte[] body, string expected)
    {
        await using var receiver = await KestrelReceiver.StartAsync(Raw(200, contentType, body));
        await using var services = PostbackTestHost.BuildServices();

        var result = await services.GetRequiredService<IPostbackSender>().SendAsync(Endpoint(receiver.BaseUrl + "/pb", successBodyContains: "ok"), Sale());

        result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ToString());
        result.ResponseBody.Should().Be(expected);
        result.Attempts.Should().Be(1);
    }

    [Fact]
    public async Task A_body_cut_inside_a_UTF8_character_still_decodes_as_UTF8()
    {
        var body = Encoding.UTF8.GetBytes("ok \u00e9\u00e9");
        await using var receiver = await KestrelReceiver.StartAsync(Raw(200, "text/plain", body));
        await using var services = PostbackTestHost.BuildServices(o => o.MaxResponseBodyBytes = body.Length - 1);

        var result = await services.GetRequiredService<IPostbackSender>().SendAsync(Endpoint(receiver.BaseUrl + "/pb"), Sale());

        result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ToString());
        result.ResponseBody.Should().Be("ok \u00e9");
        result.ResponseBodyTruncated.Should().BeTrue();
    }

    [Fact]
    public async Task A_Retry_After_too_large_to_parse_ends_as_retry_after_too_long_after_one_attempt()
    {
        await using var receiver = await KestrelReceiver.StartAsync(KestrelReceiver.Respond(503, null, ("Retry-After", "99999999999")));
        await using var services = PostbackTestHost.BuildServices();

        var result = await services.GetRequiredService<IPostbackSender>().SendAsync(Endpoint(receiver.BaseUrl + "/pb"), Sale());

        result.Outcome.Should().Be(PostbackOutcome.Failed);
        result.ErrorType.Should().Be(PostbackErrorTypes.RetryAfterTooLong, result.ToString());
        result.Attempts.Should().Be(1);
        result.RetryAfter.Should().BeGreaterThan(TimeSpan.FromDays(365));
        receiver.HitCount.Should().Be(1);
    }

    private static Func<HttpContext, Task> Raw(int status, string contentType, byte[] body) => async context =>
    {
        context.Response.StatusCode = status;
        context.Response.Headers.ContentType = contentType;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    };
}
