using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Postback.Tests.Support;

namespace Postback.Tests.Delivery;

/// <summary>Tests that measure process-wide allocation run alone: no other test allocates meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NonParallelTests
{
    public const string Name = "Non-parallel";
}

[Collection(NonParallelTests.Name)]
public sealed class LargeResponseTests
{
    private const int ChunkSize = 64 * 1024;
    private const int ChunkCount = 320; // 20 MiB

    [Fact]
    public async Task A_huge_response_is_cut_at_MaxResponseBodyBytes_without_buffering_it()
    {
        var chunk = new byte[ChunkSize];
        chunk.AsSpan().Fill((byte)'x');
        await using var receiver = await KestrelReceiver.StartAsync(async context =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/plain; charset=utf-8";
            context.Response.ContentLength = (long)ChunkSize * ChunkCount;
            for (var i = 0; i < ChunkCount && !context.RequestAborted.IsCancellationRequested; i++)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        });
        receiver.Enqueue(KestrelReceiver.Respond(200, "warm-up"));
        await using var services = PostbackTestHost.BuildServices(o => o.MaxResponseBodyBytes = 4096);
        var sender = services.GetRequiredService<IPostbackSender>();
        var endpoint = new PostbackEndpoint("huge", PostbackTemplate.Parse(receiver.BaseUrl + "/pb?sid=#fobs#"));

        // The first send builds the client, the pipeline and the connection; only the second is measured.
        (await sender.SendAsync(endpoint, new PostbackTransaction { SubId1 = "warm" })).Outcome.Should().Be(PostbackOutcome.Delivered);
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var result = await sender.SendAsync(endpoint, new PostbackTransaction { SubId1 = "big" });
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ToString());
        result.StatusCode.Should().Be(200);
        result.ResponseBodyTruncated.Should().BeTrue();
        result.ResponseBody.Should().NotBeNull();
        result.ResponseBody!.Length.Should().BeLessThanOrEqualTo(4096);
        result.ResponseBody.Should().Be(new string('x', 4096));
        allocated.Should().BeLessThan(5 * 1024 * 1024, "a 20 MiB body must be read only up to the limit, not buffered");
    }

    [Theory]
    [InlineData(4095, false)]
    [InlineData(4096, false)]
    [InlineData(4097, true)]
    public async Task A_body_at_the_limit_is_not_marked_truncated(int length, bool truncated)
    {
        await using var receiver = await KestrelReceiver.StartAsync(KestrelReceiver.Respond(200, new string('y', length)));
        await using var services = PostbackTestHost.BuildServices(o => o.MaxResponseBodyBytes = 4096);

        var result = await services.GetRequiredService<IPostbackSender>().SendAsync(
            new PostbackEndpoint("edge", PostbackTemplate.Parse(receiver.BaseUrl + "/pb")), new PostbackTransaction());

        result.Outcome.Should().Be(PostbackOutcome.Delivered);
        result.ResponseBodyTruncated.Should().Be(truncated);
        result.ResponseBody.Should().Be(new string('y', Math.Min(length, 4096)));
    }
}
