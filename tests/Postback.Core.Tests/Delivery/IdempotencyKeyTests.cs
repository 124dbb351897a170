namespace Postback.Tests.Delivery;

/// <summary>The idempotency key follows what a postback renders: values that render alike give one key.</summary>
public sealed class IdempotencyKeyTests
{
    private static readonly PostbackEndpoint Typed = new("typed", PostbackTemplate.Parse("https://partner.example/pb?sid=#fobs#&on=#on#"));

    private static readonly PostbackEndpoint Custom = new("custom", PostbackTemplate.Parse("https://partner.example/pb?cid={clickid}", new PostbackTemplateOptions { Syntax = MacroSyntax.Braces, Catalog = MacroCatalog.Open }));

    private static async Task<string> KeyOf(PostbackEndpoint endpoint, PostbackTransaction transaction) =>
        (await new FakePostbackSender().SendAsync(endpoint, transaction)).IdempotencyKey!;

    [Fact]
    public async Task Null_and_empty_text_give_the_same_key()
    {
        var withNull = await KeyOf(Typed, new PostbackTransaction { SubId1 = null, OrderNumber = "ORD-1" });
        var withEmpty = await KeyOf(Typed, new PostbackTransaction { SubId1 = string.Empty, OrderNumber = "ORD-1" });

        withEmpty.Should().Be(withNull, "both render as a missing value under every MissingValuePolicy");
    }

    [Fact]
    public async Task Null_empty_and_absent_extra_values_give_the_same_key()
    {
        var withNull = await KeyOf(Custom, new PostbackTransaction { Extra = { ["clickid"] = null } });
        var withEmpty = await KeyOf(Custom, new PostbackTransaction { Extra = { ["clickid"] = string.Empty } });
        var absent = await KeyOf(Custom, new PostbackTransaction());

        withEmpty.Should().Be(withNull);
        absent.Should().Be(withNull);
    }

    [Fact]
    public async Task A_value_that_is_present_still_gives_a_different_key()
    {
        var empty = await KeyOf(Typed, new PostbackTransaction { SubId1 = string.Empty, OrderNumber = "ORD-1" });
        var space = await KeyOf(Typed, new PostbackTransaction { SubId1 = " ", OrderNumber = "ORD-1" });

        space.Should().NotBe(empty);
    }
}
