namespace Postback.Tests.Templates;

public sealed class ParserTests
{
    private static readonly PostbackTemplateOptions Open = new() { Syntax = MacroSyntax.Braces, Catalog = MacroCatalog.Open };

    [Fact]
    public void Parse_keeps_the_template_text_and_lists_macros_in_order()
    {
        var template = PostbackTemplate.Parse("https://t.example/pb?sid=#fobs#&o=#on#&sa=#sa:0.00#&s=#fobs2|none#");

        template.Text.Should().Be("https://t.example/pb?sid=#fobs#&o=#on#&sa=#sa:0.00#&s=#fobs2|none#");
        template.ToString().Should().Be(template.Text);
        template.Macros.Select(m => (m.Name, m.Position, m.Length, m.Format, m.DefaultValue)).Should().Equal(
            ("fobs", 25, 6, null, null),
            ("on", 34, 4, null, null),
            ("sa", 42, 9, "0.00", null),
            ("fobs2", 54, 12, null, "none"));
        template.Macros.Select(m => m.Definition!.Field).Should().Equal(
            PostbackField.SubId1, PostbackField.OrderNumber, PostbackField.SaleAmount, PostbackField.SubId2);
    }

    [Fact]
    public void FlexOffers_names_ignore_case_but_the_template_is_never_lowercased()
    {
        var template = PostbackTemplate.Parse("https://T.example/PB?Sid=#FOBS#&X=ABC");

        template.Render(new PostbackTransaction { SubId1 = "MiXeD" }).Should().Be("https://T.example/PB?Sid=MiXeD&X=ABC");
    }

    [Theory]
    [InlineData("https://t.example/app#/route?o=#on#", "https://t.example/app#/route?o=5")]
    [InlineData("https://t.example/#top", "https://t.example/#top")]
    [InlineData("https://t.example/?a=#on##on#", "https://t.example/?a=55")]
    [InlineData("https://t.example/?a=#on", "https://t.example/?a=#on")]
    [InlineData("https://t.example/?a=#o n#&b=#on#", "https://t.example/?a=#o n#&b=5")]
    [InlineData("https://t.example/?a=#1on#&b=#on#", "https://t.example/?a=#1on#&b=5")]
    [InlineData("https://t.example/?a=#on:#", "https://t.example/?a=#on:#")]
    public void Only_a_complete_macro_is_a_macro(string text, string expected)
    {
        PostbackTemplate.Parse(text).Render(new PostbackTransaction { OrderNumber = "5" }).Should().Be(expected);
    }

    [Theory]
    [InlineData("#et:yyyy'T'HH#")]
    [InlineData("#et:O#")]
    [InlineData("#et:yyyy-MM-dd\\THH:mm:ss#")]
    [InlineData("#sa:N2#")]
    [InlineData("#sa:0.00' USD'#")]
    [InlineData("#sa:0.000E+0#")]
    public void Formats_with_quoted_or_escaped_letters_are_accepted(string macro)
    {
        PostbackTemplate.TryParse("https://t.example/?a=" + macro, out var template).Should().BeTrue();
        template!.Macros[0].Format.Should().NotBeNull();
    }

    [Fact]
    public void Adjacent_macros_are_two_macros()
    {
        var template = PostbackTemplate.Parse("https://t.example/?c=#s2##s3#", new() { Catalog = MacroCatalog.Open });

        template.Macros.Select(m => m.Name).Should().Equal("s2", "s3");
    }

    [Theory]
    [InlineData("braces", "https://t.example/?cid={}&p={payout}", 23, "{}")]
    [InlineData("hash", "https://t.example/?cid=##", 23, "##")]
    [InlineData("triple-brackets", "https://t.example/?cid=[[[]]]", 23, "[[[]]]")]
    public void Empty_macro_is_an_error_with_its_position(string syntaxName, string text, int position, string offending)
    {
        MacroSyntax.TryGetBuiltIn(syntaxName, out var syntax).Should().BeTrue();

        PostbackTemplate.TryParse(text, new() { Syntax = syntax!, Catalog = MacroCatalog.Open }, out var template, out var error).Should().BeFalse();

        template.Should().BeNull();
        error!.Code.Should().Be(PostbackTemplateErrorCode.EmptyMacroName);
        error.Position.Should().Be(position);
        error.Text.Should().Be(offending);
        error.Message.Should().Contain($"position {position}").And.Contain(offending);
    }

    [Fact]
    public void Empty_braces_in_a_json_body_are_an_empty_object()
    {
        var template = PostbackTemplate.Parse("{\"meta\": {}, \"id\": \"{clickid}\"}", Open with { Kind = PostbackTemplateKind.JsonBody });
        var tx = new PostbackTransaction();
        tx.Extra["clickid"] = "c1";

        template.Render(tx).Should().Be("{\"meta\": {}, \"id\": \"c1\"}");
    }

    [Fact]
    public void Unknown_macro_names_the_macro_its_position_and_close_matches()
    {
        var ex = FluentActions.Invoking(() => PostbackTemplate.Parse("https://t.example/pb?s=#fob#&c=#clikid#"))
            .Should().Throw<PostbackTemplateException>().Which;

        ex.Error!.Code.Should().Be(PostbackTemplateErrorCode.UnknownMacro);
        ex.Error.Position.Should().Be(23);
        ex.Error.Text.Should().Be("#fob#");
        ex.Message.Should().Contain("'#fob#'").And.Contain("position 23").And.Contain("Did you mean '#fobs#'?").And.Contain("Known macros: fobs, fobs2");
        ex.Should().BeAssignableTo<FormatException>();
    }

    [Fact]
    public void Unknown_macro_suggestion_handles_transpositions()
    {
        PostbackTemplate.TryParse("https://t.example/?c=#clikcid#", null, out _, out var error).Should().BeFalse();

        error!.Message.Should().Contain("Did you mean '#clickid#'?");
    }

    [Fact]
    public void Unknown_macro_can_be_kept_literally()
    {
        var template = PostbackTemplate.Parse(
            "https://t.example/?s=#fobs#&x=#partner_macro#",
            new() { UnknownMacros = UnknownMacroPolicy.KeepLiteral });

        template.Macros.Should().ContainSingle();
        template.Render(new PostbackTransaction { SubId1 = "a" }).Should().Be("https://t.example/?s=a&x=#partner_macro#");
    }

    [Fact]
    public void Unknown_macro_can_render_empty_or_as_its_default()
    {
        var template = PostbackTemplate.Parse(
            "https://t.example/?x=#partner_macro#&y=#other|d#",
            new() { UnknownMacros = UnknownMacroPolicy.RenderEmpty });

        template.Macros.Select(m => m.Definition).Should().AllSatisfy(d => d.Should().BeNull());
        template.Render(new PostbackTransaction()).Should().Be("https://t.example/?x=&y=d");
    }

    [Fact]
    public void Open_catalog_turns_any_name_into_a_custom_macro()
    {
        var template = PostbackTemplate.Parse("https://t.example/?t={transaction_id}&a={Amount}", Open);

        template.Macros.Select(m => (m.Definition!.Field, m.Definition.Key)).Should().Equal(
            (PostbackField.Custom, "transaction_id"), (PostbackField.Custom, "Amount"));
    }

    [Theory]
    [InlineData("https://t.example/pb?s=#fobs:unix#", "is text")]
    [InlineData("https://t.example/pb?s=#fobs:0.00#", "is text")]
    [InlineData("https://t.example/pb?s=#sa:unix#", "is a number")]
    [InlineData("https://t.example/pb?s=#sa:Q#", "is a number")]
    [InlineData("https://t.example/pb?s=#et:0.00#", "is a date and time")]
    [InlineData("https://t.example/pb?s=#sa:yyyy-MM-dd#", "is a number")]
    [InlineData("https://t.example/pb?s=#et:K#", "is a date and time")]
    [InlineData("https://t.example/pb?s=#et:iso#", "is a date and time")]
    [InlineData("https://t.example/pb?s=#et:unixs#", "is a date and time")]
    [InlineData("https://t.example/pb?s=#sa:unixms#", "is a number")]
    [InlineData("https://t.example/pb?s=#sa:0.00 USD#", "is a number")]
    public void Format_that_does_not_fit_the_field_is_an_error(string text, string why)
    {
        PostbackTemplate.TryParse(text, null, out _, out var error).Should().BeFalse();

        error!.Code.Should().Be(PostbackTemplateErrorCode.InvalidFormat);
        error.Position.Should().Be(23);
        error.Message.Should().Contain(why).And.Contain("position 23");
    }

    [Theory]
    [InlineData("{scheme}://t.example/", 0)]
    [InlineData("ht{s}://t.example/", 2)]
    public void Macro_in_the_scheme_is_an_error(string text, int position)
    {
        PostbackTemplate.TryParse(text, Open, out _, out var error).Should().BeFalse();

        error!.Code.Should().Be(PostbackTemplateErrorCode.MacroInScheme);
        error.Position.Should().Be(position);
        error.Message.Should().Contain("scheme");
    }

    [Fact]
    public void Macro_inside_an_ipv6_literal_is_an_error()
    {
        PostbackTemplate.TryParse("https://[2001:db8::{x}]/", Open, out _, out var error).Should().BeFalse();

        error!.Code.Should().Be(PostbackTemplateErrorCode.MacroInIpLiteral);
        error.Position.Should().Be(19);
    }

    [Theory]
    [InlineData("https://{h:raw}/p", PostbackTemplateKind.Url)]
    [InlineData("https://t.example:{p:raw}/p", PostbackTemplateKind.Url)]
    [InlineData("{\"a\": \"{v:raw}\"}", PostbackTemplateKind.JsonBody)]
    public void Raw_is_refused_where_values_must_be_checked(string text, PostbackTemplateKind kind)
    {
        PostbackTemplate.TryParse(text, Open with { Kind = kind }, out _, out var error).Should().BeFalse();

        error!.Code.Should().Be(PostbackTemplateErrorCode.RawNotAllowed);
        error.Message.Should().Contain("raw");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_template_is_an_error(string text)
    {
        PostbackTemplate.TryParse(text, null, out _, out var error).Should().BeFalse();

        error!.Code.Should().Be(PostbackTemplateErrorCode.Empty);
    }

    [Fact]
    public void Template_over_the_limit_is_an_error_naming_the_option()
    {
        PostbackTemplate.TryParse("https://t.example/?" + new string('a', 100), new() { MaxTemplateLength = 50 }, out _, out var error).Should().BeFalse();

        error!.Code.Should().Be(PostbackTemplateErrorCode.TooLong);
        error.Message.Should().Contain("MaxTemplateLength").And.Contain("50");
    }

    [Fact]
    public void Null_template_throws_ArgumentNullException_and_TryParse_returns_false()
    {
        FluentActions.Invoking(() => PostbackTemplate.Parse(null!)).Should().Throw<ArgumentNullException>();
        PostbackTemplate.TryParse(null, out var template).Should().BeFalse();
        template.Should().BeNull();
    }

    [Theory]
    [InlineData("hash", "https://t.example/?a=#on#&b=#on:raw#")]
    [InlineData("braces", "https://t.example/?a={on}&b={on:raw}")]
    [InlineData("double-braces", "https://t.example/?a={{on}}&b={{on:raw}}")]
    [InlineData("double-brackets", "https://t.example/?a=[[on]]&b=[[on:raw]]")]
    [InlineData("triple-brackets", "https://t.example/?a=[[[on]]]&b=[[[on:raw]]]")]
    [InlineData("double-bang", "https://t.example/?a=!!on!!&b=!!on:raw!!")]
    [InlineData("triple-bang", "https://t.example/?a=!!!on!!!&b=!!!on:raw!!!")]
    [InlineData("angle", "https://t.example/?a=<on>&b=<on:raw>")]
    [InlineData("percent", "https://t.example/?a=%on%&b=%on:raw%")]
    [InlineData("dollar-braces", "https://t.example/?a=${on}&b=${on:raw}")]
    public void Every_built_in_syntax_reads_macros_with_formats(string syntaxName, string text)
    {
        MacroSyntax.TryGetBuiltIn(syntaxName, out var syntax).Should().BeTrue();

        var template = PostbackTemplate.Parse(text, new() { Syntax = syntax! });

        template.Render(new PostbackTransaction { OrderNumber = "a/b" }).Should().Be("https://t.example/?a=a%2Fb&b=a/b");
    }

    [Theory]
    [InlineData("hash", "https://t.example/?a=#sa:0.00#&b=#fobs|none#&t=#et:yyyy-MM-dd HH:mm:ss#")]
    [InlineData("braces", "https://t.example/?a={sa:0.00}&b={fobs|none}&t={et:yyyy-MM-dd HH:mm:ss}")]
    [InlineData("triple-bang", "https://t.example/?a=!!!sa:0.00!!!&b=!!!fobs|none!!!&t=!!!et:yyyy-MM-dd HH:mm:ss!!!")]
    [InlineData("dollar-braces", "https://t.example/?a=${sa:0.00}&b=${fobs|none}&t=${et:yyyy-MM-dd HH:mm:ss}")]
    public void Formats_and_defaults_work_in_every_syntax(string syntaxName, string text)
    {
        MacroSyntax.TryGetBuiltIn(syntaxName, out var syntax).Should().BeTrue();
        var tx = new PostbackTransaction { SaleAmount = 7.5m, EventTime = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)) };

        PostbackTemplate.Parse(text, new() { Syntax = syntax! }).Render(tx)
            .Should().Be("https://t.example/?a=7.50&b=none&t=2026-01-02%2001%3A04%3A05");
    }

    [Theory]
    [InlineData("https://t.example/?a=%AB%&b=%on%", "https://t.example/?a=%AB%&b=5")]
    [InlineData("https://t.example/?a=%E2%80%93&b=%on%", "https://t.example/?a=%E2%80%93&b=5")]
    public void Percent_syntax_leaves_percent_encoded_octets_alone(string text, string expected)
    {
        PostbackTemplate.Parse(text, new() { Syntax = MacroSyntax.Percent }).Render(new PostbackTransaction { OrderNumber = "5" }).Should().Be(expected);
    }

    [Fact]
    public void A_format_or_default_cannot_swallow_url_structure()
    {
        // Without the rule, "#b:c&d=#" would read as macro 'b' with format "c&d=".
        var template = PostbackTemplate.Parse("https://t.example/x#b:c&d=#on#", new() { UnknownMacros = UnknownMacroPolicy.Error });

        template.Macros.Select(m => m.Name).Should().Equal("on");
    }

    [Fact]
    public void Custom_catalog_with_aliases_and_case_sensitivity()
    {
        var catalog = MacroCatalog.CreateBuilder()
            .WithIgnoreCase(false)
            .Add(MacroDefinition.ForField("subid", PostbackField.SubId1, "sub1", "aff_sub"))
            .Add(MacroDefinition.Custom("campaign", key: "cmp"))
            .Build();
        var options = new PostbackTemplateOptions { Syntax = MacroSyntax.Braces, Catalog = catalog };
        var tx = new PostbackTransaction { SubId1 = "s" };
        tx.Extra["cmp"] = "c";

        PostbackTemplate.Parse("https://t.example/?a={subid}&b={sub1}&c={aff_sub}&d={campaign}", options).Render(tx)
            .Should().Be("https://t.example/?a=s&b=s&c=s&d=c");
        PostbackTemplate.TryParse("https://t.example/?a={SUBID}", options, out _, out var error).Should().BeFalse();
        error!.Message.Should().Contain("Did you mean '{subid}'?");
    }

    [Fact]
    public void Extending_a_catalog_keeps_its_macros()
    {
        var catalog = MacroCatalog.FlexOffers.ToBuilder().Add(MacroDefinition.Custom("campaign")).Build();

        catalog.Macros.Select(m => m.Name).Should().Contain(["fobs", "et", "programid", "campaign"]);
        catalog.IgnoreCase.Should().BeTrue();
    }

    [Fact]
    public void Duplicate_names_are_refused_when_the_catalog_is_built()
    {
        var builder = MacroCatalog.CreateBuilder()
            .Add(MacroDefinition.ForField("subid", PostbackField.SubId1))
            .Add(MacroDefinition.Custom("SubId"));

        FluentActions.Invoking(builder.Build).Should().Throw<ArgumentException>().WithMessage("*'SubId'*declared twice*");
    }

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("a b")]
    [InlineData("a#")]
    public void Invalid_macro_names_are_refused(string name)
    {
        FluentActions.Invoking(() => MacroDefinition.Custom(name)).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Custom_syntax_from_any_pair_and_built_ins_are_reused()
    {
        MacroSyntax.Create("{", "}").Should().BeSameAs(MacroSyntax.Braces);
        var custom = MacroSyntax.Create("<<", ">>");
        custom.Name.Should().Be("custom");
        custom.ToString().Should().Be("<<name>>");

        PostbackTemplate.Parse("https://t.example/?a=<<on>>", new() { Syntax = custom }).Render(new PostbackTransaction { OrderNumber = "1" })
            .Should().Be("https://t.example/?a=1");
    }

    [Theory]
    [InlineData("", "x")]
    [InlineData("a", "}")]
    [InlineData("{", "")]
    [InlineData("{ ", "}")]
    [InlineData("123456789", "}")]
    [InlineData(":", ":")]
    public void Custom_syntax_rejects_delimiters_that_clash_with_macros(string open, string close)
    {
        FluentActions.Invoking(() => MacroSyntax.Create(open, close)).Should().Throw<ArgumentException>();
    }

    [Theory]
    [InlineData("triple-brackets")]
    [InlineData("TripleBrackets")]
    [InlineData("triple_brackets")]
    public void Built_in_syntax_is_found_by_name(string name)
    {
        MacroSyntax.TryGetBuiltIn(name, out var syntax).Should().BeTrue();
        syntax.Should().BeSameAs(MacroSyntax.TripleBrackets);
        MacroSyntax.TryGetBuiltIn("nope", out _).Should().BeFalse();
    }

    [Fact]
    public void A_parsed_template_is_safe_to_render_from_many_threads()
    {
        var template = PostbackTemplate.Parse("https://t.example/pb?s=#fobs#&o=#on#&a=#sa#");

        Parallel.For(0, 2000, i =>
        {
            var tx = new PostbackTransaction { SubId1 = "s " + i, OrderNumber = i.ToString(System.Globalization.CultureInfo.InvariantCulture), SaleAmount = i };
            template.Render(tx).Should().Be($"https://t.example/pb?s=s%20{i}&o={i}&a={i}");
        });
    }
}
