using System.Globalization;

namespace Postback.Tests.Templates;

/// <summary>What a careful review found in the template engine: percent-encoded text read as macros, formats that
/// render nothing for extreme values, a JSON escape that swallows a value's first character.</summary>
public sealed class TemplateHardeningTests
{
    private const string EncodedText = "https://t.example/p?q=caf%C3%A9s%20%C3%A9t%C3%A9&sid=%fobs%";

    [Theory]
    [InlineData("flexoffers")]
    [InlineData("open")]
    public void Percent_syntax_never_reads_a_percent_encoded_octet_as_a_macro(string catalog)
    {
        var options = new PostbackTemplateOptions { Syntax = MacroSyntax.Percent, Catalog = catalog == "open" ? MacroCatalog.Open : MacroCatalog.FlexOffers };
        var transaction = new PostbackTransaction { SubId1 = "pub 7" };
        transaction.Extra["fobs"] = "pub 7";

        PostbackTemplate.TryParse(EncodedText, options, out var template, out var error).Should().BeTrue(error?.Message);
        template!.Macros.Select(m => (m.Name, m.Position)).Should().Equal([("fobs", EncodedText.IndexOf("%fobs%", StringComparison.Ordinal))]);
        template.Render(transaction).Should().Be("https://t.example/p?q=caf%C3%A9s%20%C3%A9t%C3%A9&sid=pub%207");
    }

    [Theory]
    [InlineData("https://t.example/?a=%ABC%&b=%on%", "https://t.example/?a=%ABC%&b=5")]
    [InlineData("https://t.example/?a=%C3%A9t%C3%A9&b=%on%", "https://t.example/?a=%C3%A9t%C3%A9&b=5")]
    [InlineData("https://t.example/?a=%on%%20", "https://t.example/?a=5%20")]
    public void Percent_syntax_two_hex_digits_after_a_percent_are_always_an_octet(string text, string expected)
    {
        var options = new PostbackTemplateOptions { Syntax = MacroSyntax.Percent, Catalog = MacroCatalog.Open };
        var transaction = new PostbackTransaction();
        transaction.Extra["on"] = "5";

        PostbackTemplate.Parse(text, options).Render(transaction).Should().Be(expected);
    }

    [Theory]
    [InlineData("#sa:N240#")]
    [InlineData("#sa:N100000#")]
    [InlineData("#sa:E250#")]
    [InlineData("#sa:F250#")]
    public void A_format_whose_output_for_extreme_values_would_not_fit_is_refused_at_parse_time(string macro)
    {
        PostbackTemplate.TryParse("https://t.example/?amt=" + macro + "&x=1", out _, out var error).Should().BeFalse();
        error!.Code.Should().Be(PostbackTemplateErrorCode.InvalidFormat);
        error.Message.Should().Contain("too long");
    }

    public static TheoryData<string, object> ExtremeValues() => new()
    {
        { "#sa:N200#", decimal.MaxValue },
        { "#sa:N200#", decimal.MinValue },
        { "#sa:0,0.00' USD'#", decimal.MinValue },
        { "#sa:N200#", long.MinValue },
        { "#sa:E100#", long.MaxValue },
        { "#et:dddd, dd MMMM yyyy HH:mm:ss.fffffff#", DateTimeOffset.MaxValue },
        { "#et:dddd, dd MMMM yyyy HH:mm:ss.fffffff#", DateTimeOffset.MinValue },
        { "#et:unix#", DateTimeOffset.MinValue },
        { "#et:unixms#", DateTimeOffset.MaxValue },
    };

    [Theory]
    [MemberData(nameof(ExtremeValues))]
    public void Extreme_values_render_in_full_in_a_url_and_in_json(string macro, object value)
    {
        var source = new Source(value);
        var url = PostbackTemplate.Parse("https://t.example/?amt=" + macro + "&x=1");
        var json = PostbackTemplate.Parse("{\"amt\":\"" + macro + "\",\"x\":1}", new() { Kind = PostbackTemplateKind.JsonBody });
        var expected = Expected(macro, value);

        url.Render(source).Should().Be("https://t.example/?amt=" + Uri.EscapeDataString(expected) + "&x=1");
        json.Render(source).Should().Be("{\"amt\":\"" + expected + "\",\"x\":1}");
        expected.Should().NotBeEmpty();
    }

    [Theory]
    [InlineData("{\"a\":\"x\\#fobs#\"}", 7)]
    [InlineData("{\"a\":\"\\#fobs#\", \"b\": 1}", 6)]
    [InlineData("{\"a\":\"x\\\\\\#fobs#\"}", 9)]
    public void A_backslash_right_before_a_macro_in_a_json_string_is_a_parse_error_with_its_position(string text, int position)
    {
        PostbackTemplate.TryParse(text, new() { Kind = PostbackTemplateKind.JsonBody }, out _, out var error).Should().BeFalse();
        error!.Code.Should().Be(PostbackTemplateErrorCode.EscapeBeforeMacro);
        error.Position.Should().Be(position);
        error.Message.Should().Contain("position " + position.ToString(CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("{\"a\":\"x\\\\#fobs#\"}", "{\"a\":\"x\\\\v\\\"\"}")]
    [InlineData("{\"a\":\"x\\n#fobs#\"}", "{\"a\":\"x\\nv\\\"\"}")]
    public void An_escaped_backslash_or_another_escape_before_a_macro_is_fine(string text, string expected)
    {
        PostbackTemplate.Parse(text, new() { Kind = PostbackTemplateKind.JsonBody }).Render(new PostbackTransaction { SubId1 = "v\"" }).Should().Be(expected);
    }

    private static string Expected(string macro, object value)
    {
        var format = macro[(macro.IndexOf(':', StringComparison.Ordinal) + 1)..^1];
        return value switch
        {
            decimal d => d.ToString(format, CultureInfo.InvariantCulture),
            long l => l.ToString(format, CultureInfo.InvariantCulture),
            DateTimeOffset t when format == "unix" => t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            DateTimeOffset t when format == "unixms" => t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            DateTimeOffset t => t.UtcDateTime.ToString(format, CultureInfo.InvariantCulture),
            _ => throw new ArgumentOutOfRangeException(nameof(value)),
        };
    }

    private readonly struct Source(object value) : IPostbackValueSource
    {
        public PostbackValue GetValue(MacroDefinition macro) => value switch
        {
            decimal d => PostbackValue.FromDecimal(d),
            long l => PostbackValue.FromInt64(l),
            DateTimeOffset t => PostbackValue.FromDateTime(t),
            _ => default,
        };
    }
}
