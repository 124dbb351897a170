using Microsoft.Extensions.DependencyInjection;
using Postback.Tests.Support;

namespace Postback.Tests.Delivery;

/// <summary><see cref="PostbackResult.RedactedUrl"/> masks every macro's value wherever it stands, using the template's macro positions.</summary>
public sealed class RedactionTests
{
    private const string Secret = "s3cr3t-value";

    private static readonly PostbackTemplateOptions Braces = new() { Syntax = MacroSyntax.Braces };

    private static readonly PostbackTransaction Values = new()
    {
        SubId1 = Secret,
        SubId2 = Secret + "-2",
        OrderNumber = Secret + "-on",
    };

    [Theory]
    [InlineData("https://t.example/pb/{fobs}?sid={fobs2}", "https://t.example/pb/***?sid=***")]
    [InlineData("https://t.example/pb/id-{fobs}/x?o=1", "https://t.example/pb/***/x?o=***")]
    [InlineData("https://t.example/{fobs}/{on}", "https://t.example/***/***")]
    [InlineData("https://{fobs}@t.example/pb", "https://***@t.example/pb")]
    [InlineData("https://t.example/pb?o=1#frag-{fobs}", "https://t.example/pb?o=***#***")]
    [InlineData("https://t.example/pb?{fobs}=1&on={on}", "https://t.example/pb?***=***&on=***")]
    [InlineData("https://t.example/pb?{fobs}&on={on}", "https://t.example/pb?***&on=***")]
    [InlineData("https://t.example/pb?abc&on={on}", "https://t.example/pb?***&on=***")]
    [InlineData("https://t.example/pb/static", "https://t.example/pb/static")]
    public async Task Every_macro_value_is_masked_wherever_it_stands(string template, string expected)
    {
        var fake = new FakePostbackSender();

        var result = await fake.SendAsync(new PostbackEndpoint("p", PostbackTemplate.Parse(template, Braces)), Values);

        result.IsDelivered.Should().BeTrue(result.ToString());
        result.RedactedUrl.Should().Be(expected).And.NotContain(Secret);
    }

    [Fact]
    public async Task The_real_sender_masks_a_path_value()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices();

        var result = await services.GetRequiredService<IPostbackSender>().SendAsync(
            new PostbackEndpoint("p", PostbackTemplate.Parse(receiver.BaseUrl + "/pb/#fobs#?sid=#fobs2#")), Values);

        result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ToString());
        receiver.Requests.Should().ContainSingle().Which.Path.Should().Be("/pb/" + Secret);
        result.RedactedUrl.Should().Be(receiver.BaseUrl + "/pb/***?sid=***");
    }

    [Fact]
    public async Task An_empty_value_in_a_bare_query_item_does_not_shift_the_masks()
    {
        var fake = new FakePostbackSender();

        var result = await fake.SendAsync(
            new PostbackEndpoint("p", PostbackTemplate.Parse("https://t.example/pb?#fobs#&k=1&on=#on#")),
            new PostbackTransaction { OrderNumber = Secret });

        result.RedactedUrl.Should().NotContain(Secret).And.StartWith("https://t.example/pb?");
    }
}
