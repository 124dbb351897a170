using System.Globalization;
using System.Runtime.CompilerServices;
using Postback.Internal;

namespace Postback.Tests.Rendering;

/// <summary>
/// The render loop for <see cref="PostbackTransaction"/> (fields read directly, writers chosen at parse time) against
/// the general loop for any <see cref="IPostbackValueSource"/>, reached with an explicit
/// <c>Render&lt;PostbackTransaction&gt;</c>: for every kind, context, format, default and missing-value policy, with
/// missing, empty, escaped, non-ASCII and invalid values, both render the same text or fail with the same error.
/// </summary>
public sealed class TransactionFastPathTests
{
    private const int Seed = 20_261_130;

    private static readonly string?[] Texts =
    [
        null, string.Empty, "pub-7781", "ORD-2026-000123", "spring sale/email", "a&b=c", "caf\u00E9", "\U0001F600", "\uD800x", "x\uDC00",
        "..", ".", "%2F", "8443", "host-ok", "a b+c", "#on#", "\"quoted\"\\", "\r\n\t\0", "~-._", "\u4E2D\u6587", "me:pw@evil",
    ];

    private static readonly decimal?[] Decimals = [null, 129.95m, 12.99m, 0m, -0.5m, 10.00m, 1e-28m, decimal.MaxValue, decimal.MinValue];

    private static readonly DateTimeOffset?[] Times =
    [
        null,
        new DateTimeOffset(2026, 11, 26, 18, 45, 0, TimeSpan.Zero),
        new DateTimeOffset(2024, 2, 29, 23, 59, 59, TimeSpan.FromHours(5.5)),
        new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero),
        DateTimeOffset.MinValue,
        DateTimeOffset.MaxValue,
        new DateTimeOffset(2000, 12, 31, 9, 5, 7, 123, TimeSpan.FromHours(-8)),
    ];

    private static readonly PostbackTemplateOptions[] Policies =
    [
        new() { MissingValues = MissingValuePolicy.Empty },
        new() { MissingValues = MissingValuePolicy.Fail },
        new() { MissingValues = MissingValuePolicy.KeepMacro },
    ];

    /// <summary>Every writer, every URL part, formats, defaults, raw values, host and port: each under every missing-value policy.</summary>
    private static readonly string[] UrlTemplates =
    [
        "http://yourdomain.com/pixel.track?sid=#fobs#&orderid=#on#&amount=#sa#&commission=#ca#&date=#et#",
        "https://user-#fobs#:pw-#fobs2#@t.example:8443/p/#on#/#fobs3#?q=#clickid#&a=#sa#&c=#ca#&t=#et#&p=#programid#&s=#flx_salesid#&f4=#fobs4#&f5=#fobs5##frag/#fobs#-#et#-#sa#",
        "https://t.example/?a=#sa:0.00#&b=#et:unix#&c=#et:unixms#&d=#et:yyyy-MM-dd HH:mm#&e=#fobs:raw#&f=#fobs2|dflt#&g=#sa|0#&h=#et|never#&i=#on|a b#&j=#ca:N2#",
        "https://#fobs#.t.example:#programid#/x/#on#?y=#sa#",
        "https://t.example/#fobs##on#/#sa##et#?#fobs2#",
    ];

    private static readonly string[] FormTemplates = ["sid=#fobs#&amt=#sa#&o=#on#&t=#et#&c=#ca#&d=#fobs2|x y#&e=#clickid:raw#"];

    private static readonly string[] JsonTemplates =
    [
        "{\"s\": \"#fobs#\", \"o\": #on#, \"a\": #sa#, \"t\": \"#et#\", \"n\": #fobs2#, \"c\": #ca|0#, \"u\": #et:unix#, \"v\": \"#sa:0.0#\"}",
    ];

    [Fact]
    public void Parse_chooses_the_dedicated_writers_only_where_the_general_path_would_do_the_same()
    {
        var template = PostbackTemplate.Parse("https://h.example/p/#fobs#?a=#on#&b=#sa#&c=#ca#&d=#et#&e=#sa:0.0#&f=#fobs:raw#&g=#fobs|x##h/#clickid#");
        var writers = template.Tokens.ToArray().Where(t => t.Kind == TokenKind.Macro).Select(t => t.Writer).ToArray();

        writers.Should().Equal(
            TransactionWriter.PercentEncodedText,
            TransactionWriter.PercentEncodedText,
            TransactionWriter.SaleAmount,
            TransactionWriter.CommissionAmount,
            TransactionWriter.EventTime,
            TransactionWriter.Value,
            TransactionWriter.Value,
            TransactionWriter.PercentEncodedText,
            TransactionWriter.PercentEncodedText);
        template.Tokens.ToArray().Where(t => t.Kind == TokenKind.Literal).Should().OnlyContain(t => t.Writer == TransactionWriter.Literal);

        var form = PostbackTemplate.Parse("a=#fobs#&b=#et#", new() { Kind = PostbackTemplateKind.FormBody });
        form.Tokens.ToArray().Where(t => t.Kind == TokenKind.Macro).Select(t => t.Writer).Should().Equal(TransactionWriter.FormEncodedText, TransactionWriter.EventTime);

        var json = PostbackTemplate.Parse("{\"a\": \"#fobs#\", \"b\": #sa#}", new() { Kind = PostbackTemplateKind.JsonBody });
        json.Tokens.ToArray().Where(t => t.Kind == TokenKind.Macro).Should().OnlyContain(t => t.Writer == TransactionWriter.Value);

        var host = PostbackTemplate.Parse("https://#fobs#.example:#programid#/");
        host.Tokens.ToArray().Where(t => t.Kind == TokenKind.Macro).Should().OnlyContain(t => t.Writer == TransactionWriter.Value);

        var open = PostbackTemplate.Parse("https://t.example/?a={transaction_id}", new() { Syntax = MacroSyntax.Braces, Catalog = MacroCatalog.Open });
        open.Tokens.ToArray().Where(t => t.Kind == TokenKind.Macro).Should().OnlyContain(t => t.Writer == TransactionWriter.Value);
    }

    [Fact]
    public void The_writer_fits_in_the_token_so_a_parsed_template_is_no_larger()
    {
        // Three references, five ints and four one-byte fields: the writer took the padding byte.
        Unsafe.SizeOf<TemplateToken>().Should().Be(48);
    }

    [Fact]
    public void Fast_path_and_general_path_render_identically_for_every_kind_context_format_and_policy()
    {
        var templates = UrlTemplates.SelectMany(t => Policies.Select(p => PostbackTemplate.Parse(t, p)))
            .Concat(FormTemplates.SelectMany(t => Policies.Select(p => PostbackTemplate.Parse(t, p with { Kind = PostbackTemplateKind.FormBody }))))
            .Concat(JsonTemplates.SelectMany(t => Policies.Select(p => PostbackTemplate.Parse(t, p with { Kind = PostbackTemplateKind.JsonBody }))))
            .ToArray();
        var rng = new Random(Seed);
        var buffer = new char[8192];
        var outcomes = new HashSet<string>();

        for (var i = 0; i < 3_000; i++)
        {
            var tx = RandomTransaction(rng);
            foreach (var template in templates)
            {
                var fast = Outcome(() => template.Render(tx));
                var general = Outcome(() => template.Render<PostbackTransaction>(tx));
                fast.Should().Be(general, "case {0} of seed {1}, template {2}", i, Seed, template.Text);
                outcomes.Add(fast[..fast.IndexOf(':', StringComparison.Ordinal)]);

                var fastSpan = Outcome(() => template.TryRender(tx, buffer, out var n) ? new string(buffer, 0, n) : "<too small>");
                fastSpan.Should().Be(general, "span, case {0} of seed {1}, template {2}", i, Seed, template.Text);

                var fastTry = template.TryRender(tx, out var fastText, out var fastError);
                var generalTry = template.TryRender<PostbackTransaction>(tx, out var generalText, out var generalError);
                fastTry.Should().Be(generalTry);
                fastText.Should().Be(generalText);
                (fastError?.Code, fastError?.Position, fastError?.MacroName).Should().Be((generalError?.Code, generalError?.Position, generalError?.MacroName));

                if (fastTry)
                {
                    template.GetRenderedLength(tx).Should().Be(template.GetRenderedLength<PostbackTransaction>(tx)).And.Be(fastText!.Length);
                }
            }
        }

        // Both outcomes occur, so the comparison covered failures as well as renders.
        outcomes.Should().BeEquivalentTo(["ok", "error"]);
    }

    [Fact]
    public void Custom_macros_and_unknown_macros_render_the_same_on_both_paths()
    {
        var open = PostbackTemplate.Parse("https://t.example/{path}?a={transaction_id}&b={missing}&c={Transaction_ID}", new() { Syntax = MacroSyntax.Braces, Catalog = MacroCatalog.Open });
        var catalog = MacroCatalog.FlexOffers.ToBuilder().Add(MacroDefinition.Custom("campaign")).Build();
        var custom = PostbackTemplate.Parse("https://t.example/?c=#campaign#&s=#fobs#", new() { Catalog = catalog });
        var unknown = PostbackTemplate.Parse("https://t.example/?u=#nope#&s=#fobs#", new() { UnknownMacros = UnknownMacroPolicy.RenderEmpty });

        foreach (var value in Texts)
        {
            var tx = new PostbackTransaction { SubId1 = value };
            tx.Extra["transaction_id"] = value;
            tx.Extra["path"] = value;
            tx.Extra["campaign"] = value;
            foreach (var template in new[] { open, custom, unknown })
            {
                Outcome(() => template.Render(tx)).Should().Be(Outcome(() => template.Render<PostbackTransaction>(tx)), "value {0}", Escape(value));
            }
        }
    }

    [Fact]
    public void Span_rendering_reports_too_small_at_every_boundary_and_fits_exactly_at_the_length()
    {
        var rng = new Random(Seed + 1);
        var templates = UrlTemplates.Select(t => PostbackTemplate.Parse(t))
            .Concat(FormTemplates.Select(t => PostbackTemplate.Parse(t, new() { Kind = PostbackTemplateKind.FormBody })))
            .Concat(JsonTemplates.Select(t => PostbackTemplate.Parse(t, new() { Kind = PostbackTemplateKind.JsonBody })))
            .ToArray();

        for (var i = 0; i < 60; i++)
        {
            var tx = RandomTransaction(rng);
            foreach (var template in templates)
            {
                if (!template.TryRender(tx, out var expected, out _))
                {
                    continue;
                }

                for (var size = 0; size <= expected.Length + 2; size++)
                {
                    // A dirty buffer, so that a writer that reports success without writing cannot pass.
                    var fastBuffer = new char[size];
                    var generalBuffer = new char[size];
                    fastBuffer.AsSpan().Fill('\uFFFF');
                    generalBuffer.AsSpan().Fill('\uFFFF');

                    var fast = template.TryRender(tx, fastBuffer, out var fastWritten);
                    var general = template.TryRender<PostbackTransaction>(tx, generalBuffer, out var generalWritten);

                    fast.Should().Be(size >= expected.Length, "size {0} for a {1}-char render of {2}", size, expected.Length, template.Text);
                    general.Should().Be(fast);
                    if (fast)
                    {
                        fastWritten.Should().Be(expected.Length);
                        generalWritten.Should().Be(expected.Length);
                        new string(fastBuffer, 0, fastWritten).Should().Be(expected);
                    }
                }
            }
        }
    }

    [Fact]
    public void Every_text_property_reads_and_writes_its_own_field()
    {
        var tx = new PostbackTransaction
        {
            SubId1 = "s1", SubId2 = "s2", SubId3 = "s3", SubId4 = "s4", SubId5 = "s5", OrderNumber = "on", ClickId = "ci",
            SalesId = "si", ProgramId = "pi", TrafficSource = "ts", PublisherId = "pu", SaleAmount = 1m, CommissionAmount = 2m,
        };
        var expected = new Dictionary<PostbackField, string>
        {
            [PostbackField.SubId1] = "s1", [PostbackField.SubId2] = "s2", [PostbackField.SubId3] = "s3", [PostbackField.SubId4] = "s4",
            [PostbackField.SubId5] = "s5", [PostbackField.OrderNumber] = "on", [PostbackField.ClickId] = "ci", [PostbackField.SalesId] = "si",
            [PostbackField.ProgramId] = "pi", [PostbackField.TrafficSource] = "ts", [PostbackField.PublisherId] = "pu",
        };

        (tx.SubId1, tx.SubId2, tx.SubId3, tx.SubId4, tx.SubId5, tx.OrderNumber).Should().Be(("s1", "s2", "s3", "s4", "s5", "on"));
        (tx.ClickId, tx.SalesId, tx.ProgramId, tx.TrafficSource, tx.PublisherId).Should().Be(("ci", "si", "pi", "ts", "pu"));
        foreach (var (field, text) in expected)
        {
            tx.GetText(field).Should().Be(text);
            tx.GetValue(MacroDefinition.ForField("m", field)).Should().Be(PostbackValue.FromText(text));
        }

        tx.SubId3 = null;
        tx.SubId3.Should().BeNull();
        tx.SubId2.Should().Be("s2");
        tx.SubId4.Should().Be("s4");
    }

    [Fact]
    public void The_iso_time_writer_matches_the_framework_for_every_kind_of_date()
    {
        var rng = new Random(Seed + 2);
        var times = new List<DateTime> { DateTime.MinValue, DateTime.MaxValue, new(2024, 2, 29, 23, 59, 59), new(1900, 3, 1), new(2000, 2, 29, 12, 0, 0, 999) };
        for (var i = 0; i < 20_000; i++)
        {
            times.Add(new DateTime(rng.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks + 1), DateTimeKind.Utc));
        }

        Span<char> buffer = stackalloc char[IsoTime.EscapedLength];
        foreach (var time in times)
        {
            var plain = time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            new string(buffer[..IsoTime.WriteUnescaped(time.Ticks, buffer)]).Should().Be(plain);
            new string(buffer[..IsoTime.WriteEscaped(time.Ticks, buffer)]).Should().Be(plain.Replace(":", "%3A", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Literal_runs_of_every_length_are_copied_exactly_and_nothing_around_them_is_written()
    {
        var text = string.Concat(Enumerable.Range(0, 200).Select(i => (char)('!' + (i % 90))));
        for (var start = 0; start < 5; start++)
        {
            for (var length = 0; length <= 130; length++)
            {
                var output = new char[length + 20];
                output.AsSpan().Fill('\uFFFF');
                LiteralCopy.Copy(ref Unsafe.Add(ref LiteralCopy.Start(text), start), ref output[10], length);

                new string(output, 10, length).Should().Be(text.Substring(start, length));
                output.Take(10).Concat(output.Skip(10 + length)).Should().OnlyContain(c => c == '\uFFFF', "length {0} from {1}", length, start);
            }
        }
    }

    private static PostbackTransaction RandomTransaction(Random rng) => new()
    {
        SubId1 = Pick(rng, Texts),
        SubId2 = Pick(rng, Texts),
        SubId3 = Pick(rng, Texts),
        SubId4 = Pick(rng, Texts),
        SubId5 = Pick(rng, Texts),
        OrderNumber = Pick(rng, Texts),
        ClickId = Pick(rng, Texts),
        SalesId = Pick(rng, Texts),
        ProgramId = Pick(rng, Texts),
        SaleAmount = Pick(rng, Decimals),
        CommissionAmount = Pick(rng, Decimals),
        EventTime = Pick(rng, Times),
    };

    private static T Pick<T>(Random rng, T[] values) => values[rng.Next(values.Length)];

    private static string Outcome(Func<string> render)
    {
        try
        {
            return "ok:" + render();
        }
        catch (PostbackRenderException e)
        {
            return $"error:{e.Error?.Code} at {e.Error?.Position} ({e.Error?.MacroName})";
        }
    }

    private static string Escape(string? value) => value is null ? "null" : string.Concat(value.Select(c => c < 0x20 || c > 0x7E ? $"\\u{(int)c:X4}" : c.ToString()));
}
