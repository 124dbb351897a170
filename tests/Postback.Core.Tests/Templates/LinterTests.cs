namespace Postback.Tests.Templates;

public sealed class LinterTests
{
    private static IReadOnlyList<PostbackTemplateWarning> Lint(string text, PostbackTemplateOptions? options = null) =>
        PostbackTemplate.Parse(text, options).Warnings;

    [Fact]
    public void A_clean_https_template_has_no_warnings()
    {
        Lint("https://t.example/pb?sid=#fobs#&o=#on#").Should().BeEmpty();
    }

    [Fact]
    public void Http_instead_of_https()
    {
        var warning = Lint("http://yourdomain.com/pixel.track?sid=#fobs#").Should().ContainSingle().Which;

        warning.Code.Should().Be(PostbackTemplateWarningCode.InsecureScheme);
        warning.Id.Should().Be("PB106");
        warning.Position.Should().Be(0);
        warning.ToString().Should().StartWith("PB106: ").And.Contain("https");
    }

    [Theory]
    [InlineData("yourdomain.com/pixel?sid=#fobs#")]
    [InlineData("//yourdomain.com/pixel?sid=#fobs#")]
    [InlineData("/pixel?sid=#fobs#")]
    public void No_scheme(string text)
    {
        Lint(text).Select(w => w.Code).Should().Equal(PostbackTemplateWarningCode.NoScheme);
    }

    [Theory]
    [InlineData("https://t.example/pb?sid=#fobs# &o=1", 31, "a space")]
    [InlineData("https://t.example/pb?sid=#fobs#\r\n", 31, "a carriage return")]
    [InlineData(" https://t.example/pb", 0, "a space")]
    public void Whitespace_in_the_url(string text, int position, string described)
    {
        var warning = Lint(text).First(w => w.Code == PostbackTemplateWarningCode.Whitespace);

        warning.Position.Should().Be(position);
        warning.Message.Should().Contain(described);
    }

    [Theory]
    [InlineData("https://t.example/pb?sid=#fobs#¤cy=USD", '¤', "&curren")]
    [InlineData("https://t.example/pb?sid=#fobs#¶m=1", '¶', "&para")]
    [InlineData("https://t.example/pb?sid=#fobs#®ion=eu", '®', "&reg")]
    public void Html_entity_damage(string text, char damaged, string entity)
    {
        var warning = Lint(text).Should().ContainSingle(w => w.Code == PostbackTemplateWarningCode.HtmlEntityDamage).Which;

        warning.Position.Should().Be(text.IndexOf(damaged, StringComparison.Ordinal));
        warning.Message.Should().Contain(entity);
    }

    [Theory]
    [InlineData("https://t.example/pb?sid=%23fobs%23", "hash", 25, "#fobs#")]
    [InlineData("https://t.example/pb?sid=%7Bclickid%7D", "braces", 25, "{clickid}")]
    [InlineData("https://t.example/pb?sid=%7bclickid%7d", "braces", 25, "{clickid}")]
    [InlineData("https://t.example/pb?sid=%5B%5B%5Bid%5D%5D%5D", "triple-brackets", 25, "[[[id]]]")]
    public void Percent_encoded_delimiters(string text, string syntaxName, int position, string suggestion)
    {
        MacroSyntax.TryGetBuiltIn(syntaxName, out var syntax).Should().BeTrue();

        var warning = Lint(text, new() { Syntax = syntax!, Catalog = MacroCatalog.Open })
            .Should().ContainSingle(w => w.Code == PostbackTemplateWarningCode.EncodedDelimiters).Which;

        warning.Position.Should().Be(position);
        warning.Message.Should().Contain(suggestion);
    }

    [Theory]
    [InlineData("https://t.example/pb?sid=REPLACE&o=#on#", "REPLACE")]
    [InlineData("https://t.example/pb?sid=#fobs#&x=OPTIONAL", "OPTIONAL")]
    [InlineData("https://t.example/pb?tid=TRANSACTION_ID", "TRANSACTION_ID")]
    public void Leftover_placeholder_words(string text, string word)
    {
        var warning = Lint(text).Should().ContainSingle(w => w.Code == PostbackTemplateWarningCode.PlaceholderText).Which;

        warning.Position.Should().Be(text.IndexOf(word, StringComparison.Ordinal));
        warning.Message.Should().Contain(word);
    }

    [Fact]
    public void Placeholder_words_inside_a_macro_are_not_flagged()
    {
        Lint("https://t.example/pb?tid={TRANSACTION_ID}", new() { Syntax = MacroSyntax.Braces, Catalog = MacroCatalog.Open }).Should().BeEmpty();
    }

    [Fact]
    public void Unclosed_macro_with_a_known_name()
    {
        var warning = Lint("https://t.example/pb?sid=#fobs&o=#on#").Should().ContainSingle(w => w.Code == PostbackTemplateWarningCode.UnclosedMacro).Which;

        warning.Position.Should().Be(25);
        warning.Message.Should().Contain("#fobs#");
    }

    [Fact]
    public void A_fragment_word_that_is_not_a_macro_name_is_left_alone()
    {
        Lint("https://t.example/app#section").Should().BeEmpty();
    }

    [Fact]
    public void Warnings_are_ordered_by_position_and_each_code_is_capped()
    {
        var warnings = Lint("http://t.example/a b c d e f g h?x=¤");

        warnings.Select(w => w.Position).Should().BeInAscendingOrder();
        warnings.Count(w => w.Code == PostbackTemplateWarningCode.Whitespace).Should().Be(5);
        warnings.Should().Contain(w => w.Code == PostbackTemplateWarningCode.HtmlEntityDamage);
    }

    [Fact]
    public void Body_templates_are_not_held_to_url_rules()
    {
        Lint("{\"sid\": \"#fobs#\", \"note\": \"a b\"}", new() { Kind = PostbackTemplateKind.JsonBody }).Should().BeEmpty();
    }
}
