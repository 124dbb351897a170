using Postback.Internal;

namespace Postback.Tests.Templates;

public sealed class TemplateCacheTests
{
    private static readonly PostbackTemplateOptions Options = PostbackTemplateOptions.Default;

    [Fact]
    public void A_template_is_compiled_once_per_text_and_options()
    {
        var cache = new TemplateCache(capacity: 10);

        cache.TryGet("https://t.example/?s=#fobs#", Options, out var first, out _).Should().BeTrue();
        cache.TryGet("https://t.example/?s=#fobs#", Options, out var again, out _).Should().BeTrue();
        cache.TryGet("https://t.example/?s=#fobs#", Options with { MissingValues = MissingValuePolicy.Fail }, out var other, out _).Should().BeTrue();

        again.Should().BeSameAs(first);
        other.Should().NotBeSameAs(first);
        cache.Count.Should().Be(2);
    }

    [Fact]
    public void The_cache_is_bounded_by_clearing_when_full()
    {
        var cache = new TemplateCache(capacity: 3);

        for (var i = 0; i < 10; i++)
        {
            cache.TryGet($"https://t.example/{i}?s=#fobs#", Options, out _, out _).Should().BeTrue();
            cache.Count.Should().BeLessThanOrEqualTo(3);
        }
    }

    [Fact]
    public void Long_texts_and_invalid_templates_are_not_kept()
    {
        var cache = new TemplateCache(capacity: 10);

        cache.TryGet("https://t.example/?a=" + new string('x', 5000), Options, out var longOne, out _).Should().BeTrue();
        cache.TryGet("https://t.example/?s=#fob#", Options, out _, out var error).Should().BeFalse();

        longOne.Should().NotBeNull();
        error!.Code.Should().Be(PostbackTemplateErrorCode.UnknownMacro);
        cache.Count.Should().Be(0);
    }

    [Theory]
    [InlineData("https://t.example:8443/p/#fobs#?o=#on#", "https://t.example:8443")]
    [InlineData("https://{h}/p", null)]
    [InlineData("https://t.example:{port}/p", null)]
    public void The_static_authority_is_known_only_when_no_macro_can_change_it(string text, string? expected)
    {
        var template = PostbackTemplate.Parse(text, new() { Syntax = text.Contains('{', StringComparison.Ordinal) ? MacroSyntax.Braces : MacroSyntax.Hash, Catalog = text.Contains('{', StringComparison.Ordinal) ? MacroCatalog.Open : MacroCatalog.FlexOffers });

        PartnerAuthority.StaticOf(template).Should().Be(expected);
        new PostbackEndpoint("e", template).StaticAuthority.Should().Be(expected);
    }
}
