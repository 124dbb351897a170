using System.Text;

namespace Postback.Benchmarks;

/// <summary>
/// Proves that every approach measured renders exactly what the library renders, so no row of the results is
/// fast because it does less. Every benchmark class calls it from its [GlobalSetup]; a difference throws.
/// </summary>
internal static class Verification
{
    public static void Verify(TemplateCase templateCase)
    {
        var text = Scenarios.Template(templateCase);
        var template = PostbackTemplate.Parse(text);
        var tx = Scenarios.Transaction(templateCase);
        var expected = template.Render(tx);

        if (templateCase == TemplateCase.FlexOffers)
        {
            Same("the hand-written expected text", Scenarios.FlexOffersExpected, expected);
        }

        if (template.Macros.Count != (templateCase == TemplateCase.FlexOffers ? 5 : 15))
        {
            throw new InvalidOperationException($"{templateCase}: the template has {template.Macros.Count} macros.");
        }

        // Render to string.
        Same("Render<OrderValues>", expected, template.Render(new OrderValues(Scenarios.Order(templateCase))));
        Same("hand-written (stackalloc)", expected, HandWrittenRenderer.Render(templateCase, tx));
        Same("hand-written (exact length)", expected, HandWrittenRenderer.RenderExactLength(templateCase, tx));
        Same("string.Replace chain", expected, ReplaceChainRenderer.Render(templateCase, tx));
        Same("Regex.Replace", expected, RegexRenderer.Render(templateCase, tx));
        Same("CompositeFormat", expected, CompositeFormatRenderer.Render(templateCase, tx));
        Same("Std.UriTemplate", expected, StdUriTemplateRenderer.Render(templateCase, tx));
        Same("Handlebars.Net", expected, HandlebarsRenderer.Render(templateCase, tx));

        // The library's PostbackTransaction fast path and its general path (any IPostbackValueSource) agree.
        Same("Render<PostbackTransaction> (general path)", expected, template.Render<PostbackTransaction>(tx));

        // The hand-written escaping loop is Uri.EscapeDataString, value for value.
        foreach (var value in EscapeSamples)
        {
            var escaped = new char[value.Length * 12];
            var pos = 0;
            var first = value.AsSpan().IndexOfAnyExcept(Unreserved);
            var done = HandWrittenRenderer.EscapedFrom(value, first, escaped, ref pos);
            Same($"hand-written escaping of \"{value}\"", Uri.EscapeDataString(value), done ? new string(escaped, 0, pos) : "<too small>");
        }

        // Render to span, into a dirty buffer so that a renderer which writes too little cannot pass.
        var buffer = new char[4096];
        Same("TryRender(PostbackTransaction, Span<char>)", expected, Span(buffer, b => (template.TryRender(tx, b, out var n), n)));
        Same("TryRender<OrderValues>(Span<char>)", expected, Span(buffer, b => (template.TryRender(new OrderValues(Scenarios.Order(templateCase)), b, out var n), n)));
        Same("hand-written span", expected, Span(buffer, b => (HandWrittenRenderer.TryWrite(templateCase, tx, b, out var n), n)));

        // The parse benchmarks' inputs produce the same output.
        Same("Parse", expected, PostbackTemplate.Parse(text).Render(tx));
        Same(
            "Handlebars.Net compiled from the benchmark's text",
            expected,
            HandlebarsRenderer.Environment.Compile(HandlebarsRenderer.Text(templateCase))(Macros.Map(Macros.Names(templateCase), tx, escape: true)));
        var composite = CompositeFormat.Parse(Macros.ToCompositeFormat(templateCase));
        if (composite.MinimumArgumentCount != Macros.Names(templateCase).Length)
        {
            throw new InvalidOperationException($"{templateCase}: the composite format takes {composite.MinimumArgumentCount} arguments.");
        }

        void Same(string what, string want, string actual)
        {
            if (!string.Equals(want, actual, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{templateCase}: {what} differs from the library.{Environment.NewLine}  library: {want}{Environment.NewLine}  {what}: {actual}");
            }
        }
    }

    private static readonly System.Buffers.SearchValues<char> Unreserved =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");

    private static readonly string[] EscapeSamples =
        ["spring sale/email", "a&b=c", "café", "", "%", " ", "~-._", "\u00E9\u4E2D\U0001F600x", "\uD800", "a\uDC00b", "\uD83D\uDE00", "\u007F\u0000#?&=+"];

    private static string Span(char[] buffer, Func<char[], (bool Done, int Written)> render)
    {
        buffer.AsSpan().Fill('\uFFFF');
        var (done, written) = render(buffer);
        return done ? new string(buffer, 0, written) : "<destination too small>";
    }
}
