using System.Globalization;
using System.Text.Json;

namespace Postback.Tests.Rendering;

public sealed class RenderingTests
{
    private static readonly PostbackTemplateOptions Open = new() { Syntax = MacroSyntax.Braces, Catalog = MacroCatalog.Open };

    private static PostbackTransaction Extra(params (string Key, string? Value)[] values)
    {
        var tx = new PostbackTransaction();
        foreach (var (key, value) in values)
        {
            tx.Extra[key] = value;
        }

        return tx;
    }

    [Fact]
    public void Query_values_are_encoded_exactly_like_Uri_EscapeDataString()
    {
        const string value = "a b&c=d#e+f/g?h@i%j\\k~l-m.n_o*p'q(r)s!t$u,v;w:x[y]z\"<>^`{|}\u00fc\u20ac\U0001F600\r\n\t\0";
        var template = PostbackTemplate.Parse("https://t.example/?v=#fobs#");

        template.Render(new PostbackTransaction { SubId1 = value }).Should().Be("https://t.example/?v=" + Uri.EscapeDataString(value));
    }

    [Fact]
    public void Unpaired_surrogates_become_the_replacement_character()
    {
        // Built in code, not [InlineData]: xunit's test-case serialisation would itself replace a lone surrogate.
        var cases = new (string Value, string Expected)[]
        {
            ("\uD800", "%EF%BF%BD"),
            ("a\uDC00b", "a%EF%BF%BDb"),
            ("\uDC00\uD800", "%EF%BF%BD%EF%BF%BD"),
            ("\uD83D\uDE00", "%F0%9F%98%80"),
        };
        var template = PostbackTemplate.Parse("https://t.example/?v=#fobs#");

        foreach (var (value, expected) in cases)
        {
            template.Render(new PostbackTransaction { SubId1 = value }).Should().Be("https://t.example/?v=" + expected);
            Uri.EscapeDataString(value).Should().Be(expected, "the library promises the same output as Uri.EscapeDataString");
        }
    }

    [Fact]
    public void Path_values_cannot_add_segments()
    {
        PostbackTemplate.Parse("https://t.example/p/#fobs#/done").Render(new PostbackTransaction { SubId1 = "../../admin?x=1#f" })
            .Should().Be("https://t.example/p/..%2F..%2Fadmin%3Fx%3D1%23f/done");
    }

    [Fact]
    public void Fragment_and_user_info_values_are_percent_encoded()
    {
        var template = PostbackTemplate.Parse("https://{u}@t.example/#frag={f}", Open);

        template.Macros.Select(m => m.Context).Should().Equal(MacroContext.UserInfo, MacroContext.Fragment);
        template.Render(Extra(("u", "me:pw@evil"), ("f", "a b#c"))).Should().Be("https://me%3Apw%40evil@t.example/#frag=a%20b%23c");
    }

    [Theory]
    [InlineData("https://{h}/p", "track.example.com", "https://track.example.com/p")]
    [InlineData("https://{h}.example.com/p", "eu-1", "https://eu-1.example.com/p")]
    [InlineData("https://{h}:8443/p", "TRACK.example", "https://TRACK.example:8443/p")]
    [InlineData("https://{h}/p", "10.0.0.1", "https://10.0.0.1/p")]
    [InlineData("https://{h}/p", "a.example.", "https://a.example./p")]
    public void Host_macros_accept_host_names(string text, string host, string expected)
    {
        var template = PostbackTemplate.Parse(text, Open);

        template.Macros[0].Context.Should().Be(MacroContext.Host);
        template.Render(Extra(("h", host))).Should().Be(expected);
    }

    [Theory]
    [InlineData("https://{h}/p", "evil.example@10.0.0.1")]
    [InlineData("https://{h}/p", "evil.example/x")]
    [InlineData("https://{h}/p", "evil.example:80")]
    [InlineData("https://{h}/p", "evil.example\\x")]
    [InlineData("https://{h}/p", "evil.example#x")]
    [InlineData("https://{h}/p", "evil.example?x")]
    [InlineData("https://{h}/p", "evil%2eexample")]
    [InlineData("https://{h}/p", "evil example")]
    [InlineData("https://{h}/p", "evil.example\r\nHost: x")]
    [InlineData("https://{h}/p", "b\u00fccher.example")]
    [InlineData("https://{h}/p", "")]
    [InlineData("https://{h}/p", null)]
    [InlineData("https://{h}/p", "a..example")]
    [InlineData("https://{h}/p", "-a.example")]
    [InlineData("https://{h}.example.com/p", "")]
    [InlineData("https://{h}.example.com/p", "a.")]
    public void Host_macros_refuse_anything_but_a_host_name(string text, string? host)
    {
        var template = PostbackTemplate.Parse(text, Open);

        template.TryRender(Extra(("h", host)), out var result, out var error).Should().BeFalse();

        result.Should().BeNull();
        error!.Code.Should().Be(PostbackRenderErrorCode.InvalidHost);
        error.MacroName.Should().Be("h");
        error.Position.Should().Be(8);
        error.Message.Should().Contain("{h}").And.Contain("position 8").And.Contain("host name");
        if (!string.IsNullOrEmpty(host))
        {
            error.Message.Should().NotContain(host, "a render error never echoes the untrusted value");
        }
    }

    [Theory]
    [InlineData("8443", true)]
    [InlineData("65535", true)]
    [InlineData("65536", false)]
    [InlineData("80@evil", false)]
    [InlineData("-1", false)]
    public void Port_macros_accept_only_port_numbers(string port, bool valid)
    {
        var template = PostbackTemplate.Parse("https://t.example:{p}/x", Open);
        template.Macros[0].Context.Should().Be(MacroContext.Port);

        template.TryRender(Extra(("p", port)), out var result, out var error).Should().Be(valid);

        if (valid)
        {
            result.Should().Be($"https://t.example:{port}/x");
        }
        else
        {
            error!.Code.Should().Be(PostbackRenderErrorCode.InvalidPort);
        }
    }

    [Fact]
    public void Amounts_are_culture_invariant_and_keep_their_scale()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            var tx = new PostbackTransaction { SaleAmount = 1234.50m, CommissionAmount = -0.5m };

            PostbackTemplate.Parse("https://t.example/?sa=#sa#&ca=#ca#&f=#sa:N2#").Render(tx).Should().Be("https://t.example/?sa=1234.50&ca=-0.5&f=1%2C234.50");
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Event_time_defaults_to_utc_iso_8601_and_supports_unix_and_custom_formats()
    {
        var tx = new PostbackTransaction { EventTime = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2)) };
        var template = PostbackTemplate.Parse("https://t.example/?a=#et#&b=#et:unix#&c=#et:unixms#&d=#et:yyyyMMdd#&e=#et:raw#");

        template.Render(tx).Should().Be("https://t.example/?a=2026-01-02T01%3A04%3A05Z&b=1767315845&c=1767315845678&d=20260102&e=2026-01-02T01:04:05Z");
    }

    [Fact]
    public void Defaults_apply_to_missing_and_empty_values_and_are_encoded()
    {
        var template = PostbackTemplate.Parse("https://t.example/?a=#fobs|none#&b=#fobs2|n a#&c=#fobs3|x#");

        template.Render(new PostbackTransaction { SubId2 = "", SubId3 = "set" }).Should().Be("https://t.example/?a=none&b=n%20a&c=set");
    }

    [Fact]
    public void Missing_values_render_empty_by_default()
    {
        PostbackTemplate.Parse("https://t.example/?a=#fobs#&b=#sa#&c=#et#").Render(new PostbackTransaction())
            .Should().Be("https://t.example/?a=&b=&c=");
    }

    [Fact]
    public void Missing_values_can_keep_the_macro_text_encoded_for_its_place()
    {
        var template = PostbackTemplate.Parse("https://t.example/?a=#fobs#&b=#on#", new() { MissingValues = MissingValuePolicy.KeepMacro });

        template.Render(new PostbackTransaction { OrderNumber = "1" }).Should().Be("https://t.example/?a=%23fobs%23&b=1");
    }

    [Fact]
    public void Missing_values_can_fail_the_render_naming_the_macro()
    {
        var template = PostbackTemplate.Parse("https://t.example/?o=#on#&a=#fobs#", new() { MissingValues = MissingValuePolicy.Fail });

        var ex = FluentActions.Invoking(() => template.Render(new PostbackTransaction { OrderNumber = "1" })).Should().Throw<PostbackRenderException>().Which;

        ex.Error!.Code.Should().Be(PostbackRenderErrorCode.MissingValue);
        ex.Error.MacroName.Should().Be("fobs");
        ex.Error.Position.Should().Be(28);
        ex.Message.Should().Contain("'#fobs#'").And.Contain("position 28").And.Contain("#fobs|none#");
    }

    [Theory]
    [InlineData("abc%2Fdef", "https://t.example/?a=abc%2Fdef")]
    [InlineData("a=1&b=2", "https://t.example/?a=a=1&b=2")]
    public void Raw_values_skip_encoding(string value, string expected)
    {
        PostbackTemplate.Parse("https://t.example/?a=#fobs:raw#").Render(new PostbackTransaction { SubId1 = value }).Should().Be(expected);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("a\r\nb")]
    [InlineData("\u00fc")]
    [InlineData("a\"b")]
    [InlineData("<x>")]
    [InlineData("a{b}")]
    public void Raw_values_still_refuse_characters_never_valid_in_a_url(string value)
    {
        var template = PostbackTemplate.Parse("https://t.example/?a=#fobs:raw#");

        template.TryRender(new PostbackTransaction { SubId1 = value }, out _, out var error).Should().BeFalse();

        error!.Code.Should().Be(PostbackRenderErrorCode.InvalidRawValue);
    }

    [Fact]
    public void Form_bodies_use_form_encoding()
    {
        var template = PostbackTemplate.Parse("sid=#fobs#&amt=#sa#&t=#et#", new() { Kind = PostbackTemplateKind.FormBody });
        var tx = new PostbackTransaction { SubId1 = "a b&c=d+e*f~\u00fc", SaleAmount = 3.00m, EventTime = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero) };

        template.Macros.Should().AllSatisfy(m => m.Context.Should().Be(MacroContext.Form));
        template.Render(tx).Should().Be("sid=a+b%26c%3Dd%2Be*f%7E%C3%BC&amt=3.00&t=2026-01-02T03%3A04%3A05Z");
    }

    [Fact]
    public void Json_bodies_escape_inside_strings_and_quote_outside()
    {
        var template = PostbackTemplate.Parse(
            "{\"s\": \"#fobs#\", \"raw\": #fobs#, \"sa\": #sa#, \"et\": #et#, \"missing\": #fobs2#, \"inside\": \"#fobs2#\", \"n\": #sa:0.00#, \"c\": #sa:C#}",
            new() { Kind = PostbackTemplateKind.JsonBody });
        var tx = new PostbackTransaction { SubId1 = "q\"b\\s/\r\n\t\u0001\u2028\uD800", SaleAmount = 12.5m, EventTime = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero) };

        var body = template.Render(tx);

        body.Should().Be("{\"s\": \"q\\\"b\\\\s/\\r\\n\\t\\u0001\u2028\uFFFD\", \"raw\": \"q\\\"b\\\\s/\\r\\n\\t\\u0001\u2028\uFFFD\", \"sa\": 12.5, \"et\": \"2026-01-02T03:04:05Z\", \"missing\": null, \"inside\": \"\", \"n\": 12.50, \"c\": \"\u00a412.50\"}");
        using var json = JsonDocument.Parse(body);
        json.RootElement.GetProperty("s").GetString().Should().Be("q\"b\\s/\r\n\t\u0001\u2028\uFFFD");
        json.RootElement.GetProperty("sa").GetDecimal().Should().Be(12.5m);
        json.RootElement.GetProperty("missing").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public void Json_number_default_stays_a_number_and_text_default_is_quoted()
    {
        var template = PostbackTemplate.Parse("{\"a\": #sa|0#, \"b\": #fobs|0#, \"c\": #ca|n/a#}", new() { Kind = PostbackTemplateKind.JsonBody });

        template.Render(new PostbackTransaction()).Should().Be("{\"a\": 0, \"b\": \"0\", \"c\": \"n/a\"}");
    }

    [Fact]
    public void A_macro_after_an_escaped_backslash_in_a_json_string_is_inside_the_string()
    {
        // A lone backslash right before a macro is a parse error (see TemplateHardeningTests); an escaped one is text.
        var template = PostbackTemplate.Parse("{\"a\": \"x\\\\#fobs#\"}", new() { Kind = PostbackTemplateKind.JsonBody });

        template.Macros[0].Context.Should().Be(MacroContext.JsonString);
    }

    [Fact]
    public void Long_output_moves_from_the_stack_to_a_pooled_buffer()
    {
        var value = new string('\u00fc', 5000);
        var template = PostbackTemplate.Parse("https://t.example/?a=#fobs#&b=#fobs#");
        var expected = "https://t.example/?a=" + Uri.EscapeDataString(value) + "&b=" + Uri.EscapeDataString(value);
        var tx = new PostbackTransaction { SubId1 = value };

        template.Render(tx).Should().Be(expected);
        template.GetRenderedLength(tx).Should().Be(expected.Length);
    }

    [Fact]
    public void Output_beyond_the_limit_is_an_error_not_an_endless_buffer()
    {
        var template = PostbackTemplate.Parse("https://t.example/?a=#fobs#");

        template.TryRender(new PostbackTransaction { SubId1 = new string('\u00fc', 200_000) }, out _, out var error).Should().BeFalse();

        error!.Code.Should().Be(PostbackRenderErrorCode.OutputTooLong);
    }

    [Fact]
    public void Custom_value_source_renders_typed_values_without_a_transaction()
    {
        var template = PostbackTemplate.Parse("https://t.example/?o=#on#&sa=#sa:0.00#&p=#programid#&t=#et:unix#&c=#campaign#",
            new() { Catalog = MacroCatalog.FlexOffers.ToBuilder().Add(MacroDefinition.Custom("campaign")).Build() });
        var order = new Order("A-1", 19.9m, 172, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), "spring sale");

        template.Render(new OrderValues(order)).Should().Be("https://t.example/?o=A-1&sa=19.90&p=172&t=1767225600&c=spring%20sale");
        Span<char> buffer = stackalloc char[256];
        template.TryRender(new OrderValues(order), buffer, out var written).Should().BeTrue();
        buffer[..written].ToString().Should().Be("https://t.example/?o=A-1&sa=19.90&p=172&t=1767225600&c=spring%20sale");
    }

    [Fact]
    public void A_format_with_a_value_of_another_kind_is_a_clear_error()
    {
        var template = PostbackTemplate.Parse("https://t.example/?sa=#sa:0.00#");

        template.TryRender(new TextOnly("12.5"), out _, out var error).Should().BeFalse();

        error!.Code.Should().Be(PostbackRenderErrorCode.ValueKindMismatch);
        error.MacroName.Should().Be("sa");
    }

    [Fact]
    public void Values_convert_implicitly_and_report_emptiness()
    {
        PostbackValue none = (string?)null;
        PostbackValue empty = "";
        PostbackValue number = 1.50m;
        PostbackValue integer = 7;
        PostbackValue time = new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.FromHours(1));

        none.Kind.Should().Be(PostbackValueKind.None);
        none.IsEmpty.Should().BeTrue();
        empty.IsEmpty.Should().BeTrue();
        number.Kind.Should().Be(PostbackValueKind.Decimal);
        number.ToString().Should().Be("1.50");
        integer.Kind.Should().Be(PostbackValueKind.Int64);
        time.ToString().Should().Be("2026-01-01T00:00:00.0000000Z");
        ((PostbackValue)"x").Should().Be((PostbackValue)"x");
        ((PostbackValue)"x").Should().NotBe((PostbackValue)"y");
    }

    private sealed record Order(string Number, decimal Total, long ProgramId, DateTimeOffset CompletedAt, string Campaign);

    private readonly struct OrderValues(Order order) : IPostbackValueSource
    {
        public PostbackValue GetValue(MacroDefinition macro) => macro.Field switch
        {
            PostbackField.OrderNumber => order.Number,
            PostbackField.SaleAmount => order.Total,
            PostbackField.ProgramId => order.ProgramId,
            PostbackField.EventTime => order.CompletedAt,
            PostbackField.Custom when macro.Key == "campaign" => order.Campaign,
            _ => PostbackValue.None,
        };
    }

    private readonly struct TextOnly(string text) : IPostbackValueSource
    {
        public PostbackValue GetValue(MacroDefinition macro) => text;
    }
}
