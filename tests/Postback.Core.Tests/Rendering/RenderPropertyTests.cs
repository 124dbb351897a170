using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Postback.Tests.Rendering;

/// <summary>
/// Property tests: rendering with hostile random values never changes a template's structure, and every value can be
/// decoded back from where it was placed. Each property draws from a <see cref="Random"/> with a fixed seed, so a run
/// is deterministic; a failure names the seed, the case and the exact input (escaped).
/// </summary>
/// <remarks>
/// Unpaired surrogates cannot be encoded as UTF-8 or kept in JSON; the library replaces each with U+FFFD, so every
/// expected value is computed with <see cref="ReplaceUnpairedSurrogates"/>.
/// </remarks>
public sealed class RenderPropertyTests(ITestOutputHelper output)
{
    private const int MaxValueLength = 40;

    // The nine text macros of the FlexOffers catalog, in Sample.Texts order.
    private static readonly string[] TextMacros = ["fobs", "fobs2", "fobs3", "fobs4", "fobs5", "on", "clickid", "flx_salesid", "programid"];

    /// <summary>Everything a value may hold besides plain letters and digits. Multi-character entries are drawn as one unit.</summary>
    private static readonly string[] HostilePool =
    [
        // URL and form delimiters, escapes and the percent sign.
        "&", "=", "#", "?", "/", "@", "%", "\\", "+", ":", ";", ",", ".", "..", "[", "]", "!", "$", "'", "(", ")", "*", "~", "-", "_",
        "%2F", "%00", "%25", "%E2%80%AE", "%zz", "%",

        // White space and controls.
        " ", "\r", "\n", "\r\n", "\0", "\t", "\u007F", "\u0085", "\u00A0", "\u2028", "\uFEFF",

        // Quotes, markup and other characters a URL never holds unencoded.
        "\"", "<", ">", "{", "}", "|", "^", "`", "</script>", "\\u0000", "\\\"",

        // Unpaired surrogates, high and low (two of them next to each other may still pair up, by chance).
        "\uD800", "\uDBFF", "\uD83D", "\uDC00", "\uDFFF", "\uDE00",

        // Valid surrogate pairs: emoji, a skin-tone modifier, a flag, and non-BMP CJK.
        "\U0001F600", "\U0001F44D\U0001F3FD", "\U0001F1FA\U0001F1F8", "\U00020000", "\U00020BB7", "\U0002A6A5",

        // Right-to-left text and bidi controls: Hebrew, Arabic, RLO, RLM, PDF.
        "\u05E9\u05DC\u05D5\u05DD", "\u05D0", "\u0645\u0631\u062D\u0628\u0627", "\u0628", "\u202E", "\u200F", "\u202C",

        // Combining marks, on their own and on a base letter, and other non-ASCII.
        "e\u0301", "\u0301", "\u0308", "\u0345", "\u4E2D\u6587", "\u00FC", "\u00DF", "\u00E9",

        // Macro text, which must never be expanded.
        "#fobs2#", "#on#", "{fobs}", "#sa#",
    ];

    private static readonly string[] SingleCharPool = BuildSingleCharPool();

    private const string AlphaNumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const string HostLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
    private const string UrlChars = AlphaNumerics + "-._~:/?#[]@!$&'()*+,;=%";

    /// <summary>URL templates of several shapes: path, query, fragment and user-info macros, ports, repeats, many parameters.</summary>
    private static readonly string[] UrlShapes =
    [
        "https://t.example:8443/a/#fobs#/b?x=#fobs2#&y=#on#&z=1#frag/#clickid#",
        "http://yourdomain.com/pixel.track?sid=#fobs#&orderid=#on#&amount=#sa#&commission=#ca#&date=#et#",
        "https://api.example.com/v1/#programid#/conv/#flx_salesid#?click=#clickid#&s1=#fobs#&s2=#fobs2#&s3=#fobs3#&s4=#fobs4#&s5=#fobs5#&on=#on#&sa=#sa#&ca=#ca#&sid=#flx_salesid#&et=#et#&p=#programid#&lit=abc",
        "https://t.example/r/#fobs#-#fobs#/end?a=#fobs#&b=#fobs#&c=#on##on#&d=pre-#fobs#-post&e=#sa#/#ca#&a=#fobs#",
        "https://user-#fobs#:pw-#fobs2#@t.example:8443/p/#on#?q=#clickid#&r=#et##f/#fobs3#",
    ];

    private const string FormTemplate = "sid=#fobs#&amt=#sa#&o=#on#";

    private static readonly string[] JsonShapes =
    [
        "{\"s\": \"#fobs#\", \"o\": #on#, \"a\": #sa#, \"t\": \"#et#\", \"n\": #fobs2#}",
        "{\"nested\": {\"arr\": [#ca#, \"#clickid#\", #programid#]}, \"pre\": \"id-#fobs3#-end\", \"c\": #ca#, \"e\": [], \"o\": {}}",
    ];

    private static readonly string[] Cultures = ["de-DE", "fr-FR", "ar-SA", "hi-IN", ""];

    private static readonly PostbackTemplateOptions FormOptions = new() { Kind = PostbackTemplateKind.FormBody };
    private static readonly PostbackTemplateOptions JsonOptions = new() { Kind = PostbackTemplateKind.JsonBody };
    private static readonly PostbackTemplateOptions OpenBraces = new() { Syntax = MacroSyntax.Braces, Catalog = MacroCatalog.Open };
    private static readonly PostbackTemplateOptions FlexOffersBraces = new() { Syntax = MacroSyntax.Braces };

    // ---------------------------------------------------------------------------------------------------------------
    // 1. URL templates
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Url_templates_keep_their_structure_and_every_value_decodes_back()
    {
        const int seed = 1_000_001;
        const int casesPerShape = 1_000;
        output.WriteLine($"seed {seed}, {UrlShapes.Length} shapes x {casesPerShape} cases");
        var rng = new Random(seed);

        foreach (var shape in UrlShapes)
        {
            var template = PostbackTemplate.Parse(shape);
            var safe = new Uri(template.Render(Sample.Safe().ToTransaction()), UriKind.Absolute);
            var markers = Sample.Markers();
            var marked = new Uri(template.Render(markers.ToTransaction()), UriKind.Absolute);
            var markedRaw = RawQueryAndFragment(marked.OriginalString);
            var markedQuery = SplitQuery(markedRaw.Query);

            // The marker render has the structure of the safe one, so it can stand for it below.
            marked.Host.Should().Be(safe.Host, shape);
            marked.Port.Should().Be(safe.Port, shape);
            var safeSegments = safe.AbsolutePath.Split('/').Length;
            var markedSegments = marked.AbsolutePath.Split('/');
            markedSegments.Should().HaveCount(safeSegments, shape);
            markedQuery.Select(p => p.Key).Should().Equal(SplitQuery(safe.Query).Select(p => p.Key), shape);
            marked.Query.Should().Be(markedRaw.Query, shape);
            markedQuery.Should().NotBeEmpty(shape);

            for (var i = 0; i < casesPerShape; i++)
            {
                // A whole-segment value of "." or ".." is a dot-segment: see the skipped test
                // Path_macro_value_that_is_a_dot_segment_cannot_change_the_path.
                var sample = Sample.Draw(rng, allowDotSegments: false);
                var c = new CaseInfo(seed, i, shape, sample);
                var rendered = template.Render(sample.ToTransaction());

                Check(rendered.All(ch => UrlChars.Contains(ch)), c, $"the rendered URL holds only URL characters: {Show(rendered)}");
                Check(PercentEscapesAreWellFormed(rendered), c, $"every '%' starts an uppercase %XX escape: {Show(rendered)}");
                Check(Uri.TryCreate(rendered, UriKind.Absolute, out var uri), c, $"the rendered URL parses: {Show(rendered)}");

                Same(uri!.Scheme, safe.Scheme, c, "scheme");
                Same(uri.Host, safe.Host, c, "host");
                Same(uri.HostNameType.ToString(), safe.HostNameType.ToString(), c, "host name type");
                Same(uri.Port.ToString(CultureInfo.InvariantCulture), safe.Port.ToString(CultureInfo.InvariantCulture), c, "port");

                // Path: the same number of segments (an empty last one counts), and each decodes to what the template puts there.
                var segments = uri.AbsolutePath.Split('/');
                Same(segments.Length.ToString(CultureInfo.InvariantCulture), safeSegments.ToString(CultureInfo.InvariantCulture), c, $"number of path segments in {Show(uri.AbsolutePath)}");
                for (var s = 0; s < segments.Length; s++)
                {
                    Same(Uri.UnescapeDataString(segments[s]), sample.Expand(Uri.UnescapeDataString(markedSegments[s])), c, $"path segment {s}");
                }

                // Query: Uri sees the raw query; the same keys in the same order; each value decodes to exactly the original.
                var raw = RawQueryAndFragment(rendered);
                Same(uri.Query, raw.Query, c, "Uri.Query is the query as rendered");
                var query = SplitQuery(raw.Query);
                Check(query.Select(p => p.Key).SequenceEqual(markedQuery.Select(p => p.Key)), c, $"query keys of {Show(raw.Query)}");
                for (var q = 0; q < query.Count; q++)
                {
                    Same(Uri.UnescapeDataString(query[q].Value), sample.Expand(Uri.UnescapeDataString(markedQuery[q].Value)), c, $"query value '{query[q].Key}' ({q})");
                }

                // Fragment: decoded from the rendered text, because System.Uri drops a trailing "%20" from a fragment when
                // the URL also holds percent-encoded non-ASCII (IRI parsing); that is Uri's quirk, not the renderer's.
                Check(SameFragment(uri.Fragment, raw.Fragment), c, $"Uri.Fragment {Show(uri.Fragment)} is the fragment as rendered, {Show(raw.Fragment)}");
                Same(Uri.UnescapeDataString(raw.Fragment), sample.Expand(Uri.UnescapeDataString(markedRaw.Fragment)), c, "fragment");
                Same(Uri.UnescapeDataString(uri.UserInfo), sample.Expand(Uri.UnescapeDataString(marked.UserInfo)), c, "user-info");
            }
        }
    }

    [Fact]
    public void Url_value_encoding_is_exactly_Uri_EscapeDataString_in_every_part_of_the_url()
    {
        const int seed = 1_000_002;
        const int casesPerPart = 1_250;
        (string Template, string Prefix, string Suffix)[] parts =
        [
            ("https://t.example/?v=#fobs#", "https://t.example/?v=", ""),
            ("https://t.example/p/#fobs#/q", "https://t.example/p/", "/q"),
            ("https://t.example/p#f/#fobs#", "https://t.example/p#f/", ""),
            ("https://#fobs#@t.example/p", "https://", "@t.example/p"),
        ];
        output.WriteLine($"seed {seed}, {parts.Length} parts x {casesPerPart} cases");
        var rng = new Random(seed);

        foreach (var (text, prefix, suffix) in parts)
        {
            var template = PostbackTemplate.Parse(text);
            for (var i = 0; i < casesPerPart; i++)
            {
                var value = RandomText(rng, allowDotSegments: true);
                var c = new CaseInfo(seed, i, text, Show(value));
                var rendered = template.Render(new PostbackTransaction { SubId1 = value });

                Check(rendered.StartsWith(prefix, StringComparison.Ordinal) && rendered.EndsWith(suffix, StringComparison.Ordinal), c, $"literal text around the value is kept: {Show(rendered)}");
                var encoded = rendered[prefix.Length..^suffix.Length];
                Same(encoded, Uri.EscapeDataString(value ?? string.Empty), c, "the encoded value");
                Same(Uri.UnescapeDataString(encoded), ReplaceUnpairedSurrogates(value ?? string.Empty), c, "the decoded value");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 2. Host macros
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Host_macro_either_fails_or_the_host_is_exactly_the_value()
    {
        const int seed = 1_000_003;
        const int cases = 5_000;
        var template = PostbackTemplate.Parse("https://{h}/p?x={v}", OpenBraces);
        var hostileForHosts = HostilePool.Where(a => a.Any(ch => !HostLetters.Contains(ch) && ch != '.')).ToArray();
        int rendered = 0, failed = 0, readAsIpv4 = 0;
        var rng = new Random(seed);

        for (var i = 0; i < cases; i++)
        {
            var host = RandomHost(rng, hostileForHosts);
            var value = RandomText(rng, allowDotSegments: true);
            var c = new CaseInfo(seed, i, template.Text, $"h={Show(host)}, v={Show(value)}");
            var tx = new PostbackTransaction();
            tx.Extra["h"] = host;
            tx.Extra["v"] = value;

            var ok = template.TryRender(tx, out var result, out var error);
            Same(ok.ToString(), IsValidHostName(host).ToString(), c, "rendering succeeds exactly when the value is a valid host name");
            if (!ok)
            {
                failed++;
                Same(result, null, c, "no result on failure");
                Same(error!.Code.ToString(), nameof(PostbackRenderErrorCode.InvalidHost), c, "error code");
                Same(error.MacroName, "h", c, "error macro");
                Check(host.Length < 8 || !error.Message.Contains(host, StringComparison.Ordinal), c, $"the error message does not repeat the value: {Show(error.Message)}");
                Check(Throws<PostbackRenderException>(() => template.Render(tx)), c, "Render throws PostbackRenderException");
                continue;
            }

            rendered++;
            Check(host.All(ch => HostLetters.Contains(ch) || ch == '.'), c, "a rendered host holds only [A-Za-z0-9.-]");
            Check(Uri.TryCreate(result, UriKind.Absolute, out var uri), c, $"the rendered URL parses: {Show(result)}");
            Same(uri!.Scheme, "https", c, "scheme");
            Same(uri.Port.ToString(CultureInfo.InvariantCulture), "443", c, "port");
            Same(uri.AbsolutePath, "/p", c, "path");
            Same(uri.Fragment, string.Empty, c, "fragment");
            Same(uri.UserInfo, string.Empty, c, "user-info");
            var query = SplitQuery(uri.Query);
            Same(query.Count.ToString(CultureInfo.InvariantCulture), "1", c, "one query parameter");
            Same(Uri.UnescapeDataString(query[0].Value), ReplaceUnpairedSurrogates(value ?? string.Empty), c, "query value");

            if (uri.HostNameType == UriHostNameType.IPv4)
            {
                // Only a canonical dotted quad may render: any other numeric notation ("0x7f.1", "1.2.3") is refused.
                readAsIpv4++;
                Check(IsCanonicalIpv4(host), c, $"only a canonical dotted quad renders as an IPv4 host, not {Show(host)}");
            }

            Same(uri.Host, host.ToLowerInvariant(), c, "Uri.Host is the value, lowercased");
        }

        output.WriteLine($"seed {seed}, {cases} cases: {rendered} rendered, {failed} rejected, {readAsIpv4} canonical IPv4 hosts");
        rendered.Should().BeGreaterThan(cases / 5, "the generator must produce valid hosts too");
        failed.Should().BeGreaterThan(cases / 5, "the generator must produce invalid hosts too");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 3. Form bodies
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Form_body_keeps_its_keys_and_every_value_decodes_back()
    {
        const int seed = 1_000_004;
        const int cases = 5_000;
        output.WriteLine($"seed {seed}, {cases} cases");
        var template = PostbackTemplate.Parse(FormTemplate, FormOptions);
        var rng = new Random(seed);

        for (var i = 0; i < cases; i++)
        {
            var sample = Sample.Draw(rng, allowDotSegments: true);
            var c = new CaseInfo(seed, i, FormTemplate, sample);
            var body = template.Render(sample.ToTransaction());

            var pairs = body.Split('&');
            Same(pairs.Length.ToString(CultureInfo.InvariantCulture), "3", c, $"number of fields in {Show(body)}");
            string[] keys = ["sid", "amt", "o"];
            string[] expected = [sample.Plain("fobs"), sample.Plain("sa"), sample.Plain("on")];
            for (var p = 0; p < pairs.Length; p++)
            {
                var eq = pairs[p].IndexOf('=', StringComparison.Ordinal);
                Check(eq > 0, c, $"field {p} has a key: {Show(body)}");
                Same(pairs[p][..eq], keys[p], c, $"key {p}");
                var raw = pairs[p][(eq + 1)..];
                Same(raw, FormEncode(expected[p]), c, $"value '{keys[p]}' is WHATWG form-encoded");
                Same(WebUtility.UrlDecode(raw), expected[p], c, $"value '{keys[p]}' decodes back");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 4. JSON bodies
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Json_body_always_parses_and_every_value_decodes_back_under_any_culture()
    {
        const int seed = 1_000_005;
        const int cases = 5_000;
        output.WriteLine($"seed {seed}, {cases} cases x {JsonShapes.Length} shapes");
        var first = PostbackTemplate.Parse(JsonShapes[0], JsonOptions);
        var second = PostbackTemplate.Parse(JsonShapes[1], JsonOptions);
        var rng = new Random(seed);
        var previous = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            for (var i = 0; i < cases; i++)
            {
                var culture = CultureInfo.GetCultureInfo(Cultures[rng.Next(Cultures.Length)]);
                CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = culture;
                var sample = Sample.Draw(rng, allowDotSegments: true);
                var c = new CaseInfo(seed, i, JsonShapes[0], sample, culture.Name);

                var body = first.Render(sample.ToTransaction());
                using (var document = ParseJson(body, c))
                {
                    var root = document.RootElement;
                    Same(root.ValueKind.ToString(), nameof(JsonValueKind.Object), c, "root");
                    Same(string.Join(",", root.EnumerateObject().Select(p => p.Name)), "s,o,a,t,n", c, "property names");
                    ExpectJsonString(root.GetProperty("s"), sample.Plain("fobs"), c, "s");
                    ExpectJsonTextOrNull(root.GetProperty("o"), sample.Text("on"), c, "o");
                    ExpectJsonNumberOrNull(root.GetProperty("a"), sample.Sale, c, "a");
                    ExpectJsonString(root.GetProperty("t"), sample.Plain("et"), c, "t");
                    ExpectJsonTextOrNull(root.GetProperty("n"), sample.Text("fobs2"), c, "n");
                }

                c = c with { Template = JsonShapes[1] };
                body = second.Render(sample.ToTransaction());
                using (var document = ParseJson(body, c))
                {
                    var root = document.RootElement;
                    var arr = root.GetProperty("nested").GetProperty("arr");
                    Same(arr.GetArrayLength().ToString(CultureInfo.InvariantCulture), "3", c, "array length");
                    ExpectJsonNumberOrNull(arr[0], sample.Commission, c, "arr[0]");
                    ExpectJsonString(arr[1], sample.Plain("clickid"), c, "arr[1]");
                    ExpectJsonTextOrNull(arr[2], sample.Text("programid"), c, "arr[2]");
                    ExpectJsonString(root.GetProperty("pre"), "id-" + sample.Plain("fobs3") + "-end", c, "pre");
                    ExpectJsonNumberOrNull(root.GetProperty("c"), sample.Commission, c, "c");
                    Same(root.GetProperty("e").GetRawText(), "[]", c, "empty array literal");
                    Same(root.GetProperty("o").GetRawText(), "{}", c, "empty object literal");
                }
            }
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = previous;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 5. Single pass
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void A_value_holding_macro_text_is_never_expanded()
    {
        const int seed = 1_000_006;
        const int cases = 4_000;
        output.WriteLine($"seed {seed}, {cases} cases");
        var hash = PostbackTemplate.Parse("https://t.example/?a=#fobs#&b=#fobs2#");
        var braces = PostbackTemplate.Parse("https://t.example/?a={fobs}&b={fobs2}", FlexOffersBraces);
        string[] macroTexts = ["#fobs2#", "#on#", "#fobs#", "#FOBS2#", "##fobs2##", "#fobs2|dflt#", "#sa:0.00#", "{fobs2}", "{on}", "{fobs}", "{{fobs2}}"];
        var rng = new Random(seed);

        for (var i = 0; i < cases; i++)
        {
            var template = i % 2 == 0 ? hash : braces;
            var macro = macroTexts[rng.Next(macroTexts.Length)];
            var tail = RandomText(rng, allowDotSegments: true) ?? string.Empty;
            var value = rng.Next(3) switch
            {
                0 => macro + tail,
                1 => tail + macro,
                _ => tail + macro + macro + tail,
            };
            var other = RandomText(rng, allowDotSegments: true) ?? "2";
            var c = new CaseInfo(seed, i, template.Text, $"fobs={Show(value)}, fobs2={Show(other)}");
            var tx = new PostbackTransaction { SubId1 = value, SubId2 = other, OrderNumber = "ORDER", SaleAmount = 1.5m };

            var uri = new Uri(template.Render(tx), UriKind.Absolute);
            var query = SplitQuery(uri.Query);
            Same(string.Join(",", query.Select(p => p.Key)), "a,b", c, "query keys");
            Same(Uri.UnescapeDataString(query[0].Value), ReplaceUnpairedSurrogates(value), c, "a is the value as it was, macro text and all");
            Same(Uri.UnescapeDataString(query[1].Value), ReplaceUnpairedSurrogates(other), c, "b");
            Same(uri.Fragment, string.Empty, c, "no fragment appears");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 6. Span rendering and length
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Span_rendering_and_rendered_length_agree_with_Render()
    {
        const int seed = 1_000_007;
        const int cases = 5_000;
        var longTemplate = "https://t.example/long?" + string.Join("&", Enumerable.Range(0, 30).Select(i => $"k{i}=#{TextMacros[i % TextMacros.Length]}#"));
        var templates = UrlShapes.Select(t => PostbackTemplate.Parse(t))
            .Append(PostbackTemplate.Parse(longTemplate))
            .Append(PostbackTemplate.Parse(FormTemplate, FormOptions))
            .Concat(JsonShapes.Select(t => PostbackTemplate.Parse(t, JsonOptions)))
            .ToArray();
        output.WriteLine($"seed {seed}, {cases} cases over {templates.Length} templates");
        var rng = new Random(seed);
        var longest = 0;

        for (var i = 0; i < cases; i++)
        {
            var template = templates[rng.Next(templates.Length)];
            var sample = Sample.Draw(rng, allowDotSegments: true);
            var c = new CaseInfo(seed, i, template.Text, sample);
            var tx = sample.ToTransaction();

            var expected = template.Render(tx);
            longest = Math.Max(longest, expected.Length);
            var length = template.GetRenderedLength(tx);
            Same(length.ToString(CultureInfo.InvariantCulture), expected.Length.ToString(CultureInfo.InvariantCulture), c, "GetRenderedLength");

            Check(template.TryRender(tx, out var viaTry, out var error), c, $"TryRender succeeds: {error}");
            Same(viaTry, expected, c, "TryRender(out string)");

            var exact = new char[length];
            Check(template.TryRender(tx, exact, out var written), c, "TryRender into an exact buffer succeeds");
            Same(written.ToString(CultureInfo.InvariantCulture), length.ToString(CultureInfo.InvariantCulture), c, "chars written");
            Same(new string(exact, 0, written), expected, c, "span rendering");

            var roomy = new char[length + rng.Next(1, 64)];
            Check(template.TryRender(tx, roomy, out written), c, "TryRender into a larger buffer succeeds");
            Same(new string(roomy, 0, written), expected, c, "span rendering into a larger buffer");

            Check(!template.TryRender(tx, new char[length - 1], out _), c, "a buffer one char too small does not fit");
            Check(!template.TryRender(tx, new char[rng.Next(length)], out _), c, "a smaller buffer does not fit");
        }

        output.WriteLine($"longest render: {longest} chars");
        longest.Should().BeGreaterThan(1024, "some renders must go past the 1024-char stack buffer");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 7. Allocation
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Rendering_into_a_span_allocates_nothing_and_Render_allocates_only_its_string()
    {
        const int calls = 1_000;
        var template = PostbackTemplate.Parse("http://yourdomain.com/pixel.track?sid=#fobs#&orderid=#on#&amount=#sa#&commission=#ca#&date=#et#");
        var tx = new PostbackTransaction
        {
            SubId1 = "pub-\u00FC\u65E5\u672C-\U0001F600",
            OrderNumber = "ORD-2026-000123",
            SaleAmount = 129.950m,
            CommissionAmount = -12.99m,
            EventTime = new DateTimeOffset(2026, 11, 26, 18, 45, 7, TimeSpan.FromHours(-5)),
        };
        const string expected = "http://yourdomain.com/pixel.track?sid=pub-%C3%BC%E6%97%A5%E6%9C%AC-%F0%9F%98%80&orderid=ORD-2026-000123&amount=129.950&commission=-12.99&date=2026-11-26T23%3A45%3A07Z";
        template.Render(tx).Should().Be(expected);
        var buffer = new char[template.GetRenderedLength(tx)];

        // Warm up: every path jitted (and tiered) before anything is counted.
        string? last = null;
        for (var i = 0; i < 200; i++)
        {
            template.TryRender(tx, buffer, out _).Should().BeTrue();
            last = template.Render(tx);
            last = new string('x', expected.Length);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var ok = true;
        for (var i = 0; i < calls; i++)
        {
            ok &= template.TryRender(tx, buffer, out _);
        }

        var spanDelta = GC.GetAllocatedBytesForCurrentThread() - before;
        ok.Should().BeTrue();
        new string(buffer).Should().Be(expected);
        spanDelta.Should().Be(0, "TryRender into a span allocates nothing");

        before = GC.GetAllocatedBytesForCurrentThread();
        last = new string('x', expected.Length);
        var oneString = GC.GetAllocatedBytesForCurrentThread() - before;
        oneString.Should().BeGreaterThan(2L * expected.Length);

        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < calls; i++)
        {
            last = template.Render(tx);
        }

        var renderDelta = GC.GetAllocatedBytesForCurrentThread() - before;
        last.Should().Be(expected);
        output.WriteLine($"span: {spanDelta} bytes for {calls} calls; Render: {renderDelta} bytes for {calls} calls; one {expected.Length}-char string: {oneString} bytes");
        renderDelta.Should().Be(calls * oneString, "Render allocates its result string and nothing else");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Library bugs found by the properties above (skipped until fixed)
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Path_macro_value_that_is_a_dot_segment_is_refused()
    {
        // Found by the URL property: "https://t.example/a/../b" resolves to "/b". Percent-encoding cannot help
        // (Uri removes %2E%2E too), so such a value is a render error.
        var template = PostbackTemplate.Parse("https://t.example/a/#fobs#/b?x=1");
        var suffixed = PostbackTemplate.Parse("https://t.example/a/#fobs#./b?x=1");
        foreach (var (t, value) in new[] { (template, ".."), (template, "."), (suffixed, "."), (suffixed, "") })
        {
            t.TryRender(new PostbackTransaction { SubId1 = value }, out var rendered, out var error).Should().BeFalse($"fobs={Show(value)} rendered {rendered}");
            error!.Code.Should().Be(PostbackRenderErrorCode.DotSegment);
        }

        template.Render(new PostbackTransaction { SubId1 = "..." }).Should().Be("https://t.example/a/.../b?x=1", "three dots are an ordinary segment");
        template.Render(new PostbackTransaction { SubId1 = ".a" }).Should().Be("https://t.example/a/.a/b?x=1");
    }

    [Fact]
    public void Host_macro_value_is_never_read_as_a_different_address()
    {
        // Found by the host property: URL parsers read "0x7f.1" and "2130706433" as 127.0.0.1, "010.0.0.1" as 8.0.0.1.
        var template = PostbackTemplate.Parse("https://{h}/p?x={v}", OpenBraces);
        foreach (var host in new[] { "0x7f.1", "2130706433", "1.2.3", "010.0.0.1", "1", "0x7f000001", "1.2.3.256", "a.0x10", "0X1.2.3.4" })
        {
            var tx = new PostbackTransaction();
            tx.Extra["h"] = host;
            tx.Extra["v"] = "x";
            template.TryRender(tx, out var rendered, out var error).Should().BeFalse($"h={Show(host)} rendered {rendered}");
            error!.Code.Should().Be(PostbackRenderErrorCode.InvalidHost);
        }

        foreach (var host in new[] { "10.0.0.1", "1.2.3.4", "a1.example", "0x.example", "1a", "example.0a" })
        {
            var tx = new PostbackTransaction();
            tx.Extra["h"] = host;
            var rendered = template.Render(tx);
            new Uri(rendered, UriKind.Absolute).Host.Should().Be(host.ToLowerInvariant(), $"h={Show(host)} rendered {rendered}");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Generators
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>A random value: null (missing) now and then, else 0 to 40 chars of letters, digits and the hostile pool.</summary>
    private static string? RandomText(Random rng, bool allowDotSegments)
    {
        while (true)
        {
            if (rng.Next(12) == 0)
            {
                return null;
            }

            var target = rng.Next(MaxValueLength + 1);
            var builder = new StringBuilder(target);
            var plainShare = rng.NextDouble(); // some values are mostly plain, some mostly hostile
            while (builder.Length < target)
            {
                var atom = rng.NextDouble() < plainShare
                    ? AlphaNumerics[rng.Next(AlphaNumerics.Length)].ToString()
                    : HostilePool[rng.Next(HostilePool.Length)];
                if (builder.Length + atom.Length > target)
                {
                    atom = SingleCharPool[rng.Next(SingleCharPool.Length)];
                }

                builder.Append(atom);
            }

            var value = builder.ToString();
            if (allowDotSegments || value is not ("." or ".."))
            {
                return value;
            }
        }
    }

    private static string[] BuildSingleCharPool() =>
        HostilePool.Where(a => a.Length == 1).Concat(AlphaNumerics.Select(ch => ch.ToString())).ToArray();

    /// <summary>A random host: a well-formed name, host characters at random, or a name with hostile characters inserted.</summary>
    private static string RandomHost(Random rng, string[] hostile)
    {
        switch (rng.Next(5))
        {
            case 0:
            case 1:
                {
                    // Labels of host letters, joined by dots, sometimes with a trailing dot: mostly valid.
                    var labels = Enumerable.Range(0, rng.Next(1, 5)).Select(_ => RandomFrom(rng, HostLetters, rng.Next(1, 12)));
                    var name = string.Join(".", labels);
                    return rng.Next(6) == 0 ? name + "." : name;
                }

            case 2:
                // Host characters and dots at random, 0 to 40 of them: often invalid (empty labels, edge hyphens).
                return RandomFrom(rng, HostLetters + "...--", rng.Next(MaxValueLength + 1));

            case 3:
                // Digits and dots: IPv4 addresses and numeric names.
                return string.Join(".", Enumerable.Range(0, rng.Next(1, 5)).Select(_ => rng.Next(3) == 0 ? "0" + rng.Next(400) : rng.Next(400).ToString(CultureInfo.InvariantCulture)));

            default:
                {
                    // A good name with 1 to 3 hostile pieces put in: always invalid.
                    var builder = new StringBuilder(RandomFrom(rng, HostLetters, rng.Next(1, 10)) + ".example");
                    for (var n = rng.Next(1, 4); n > 0; n--)
                    {
                        builder.Insert(rng.Next(builder.Length + 1), hostile[rng.Next(hostile.Length)]);
                    }

                    return builder.ToString();
                }
        }
    }

    private static string RandomFrom(Random rng, string alphabet, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet[rng.Next(alphabet.Length)];
        }

        return new string(chars);
    }

    private static decimal? RandomDecimal(Random rng)
    {
        if (rng.Next(10) == 0)
        {
            return null;
        }

        var size = rng.Next(4);
        var lo = size == 0 ? rng.Next(100_000) : NextInt32(rng);
        var mid = size >= 2 ? NextInt32(rng) : 0;
        var hi = size == 3 ? NextInt32(rng) : 0;
        return new decimal(lo, mid, hi, rng.Next(2) == 0, (byte)rng.Next(29));

        static int NextInt32(Random rng) => unchecked((int)(uint)rng.NextInt64(0, 1L << 32));
    }

    private static DateTimeOffset? RandomTime(Random rng)
    {
        if (rng.Next(10) == 0)
        {
            return null;
        }

        // A day's margin at each end keeps every offset in range.
        var ticks = rng.Next(2) == 0
            ? rng.NextInt64(new DateTime(1, 1, 2).Ticks, new DateTime(9999, 12, 30).Ticks)
            : rng.NextInt64(new DateTime(1990, 1, 1).Ticks, new DateTime(2040, 1, 1).Ticks);
        return new DateTimeOffset(new DateTime(ticks, DateTimeKind.Unspecified), TimeSpan.FromMinutes(rng.Next(-14 * 60, (14 * 60) + 1)));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Oracles
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The observed rule for text that is not valid UTF-16: each unpaired surrogate becomes U+FFFD; pairs stay.</summary>
    private static string ReplaceUnpairedSurrogates(string value)
    {
        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var ch = value[i];
            if (char.IsHighSurrogate(ch) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(ch).Append(value[++i]);
            }
            else
            {
                builder.Append(char.IsSurrogate(ch) ? '\uFFFD' : ch);
            }
        }

        return builder.ToString();
    }

    /// <summary>The WHATWG application/x-www-form-urlencoded byte serializer, as a reference.</summary>
    private static string FormEncode(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'*' or (byte)'-' or (byte)'.' or (byte)'_')
            {
                builder.Append((char)b);
            }
            else if (b == (byte)' ')
            {
                builder.Append('+');
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>A reference host-name check: 1 to 253 chars (a trailing dot allowed), labels of 1 to 63 [A-Za-z0-9-] not starting or ending with '-'.</summary>
    private static bool IsValidHostName(string host)
    {
        var name = host.EndsWith('.') ? host[..^1] : host;
        var labels = name.Split('.');
        return name.Length is > 0 and <= 253
            && labels.All(label => label.Length is > 0 and <= 63 && label.All(HostLetters.Contains) && label[0] != '-' && label[^1] != '-')
            && (!EndsInANumber(labels[^1]) || IsCanonicalIpv4(name));

        // WHATWG URL: a last label of digits, or "0x" and hex digits, makes the parser read the host as IPv4.
        static bool EndsInANumber(string label) =>
            label.All(char.IsAsciiDigit) || (label.Length >= 2 && label[0] == '0' && label[1] is 'x' or 'X' && label[2..].All(char.IsAsciiHexDigit));
    }

    private static bool IsCanonicalIpv4(string host)
    {
        var parts = host.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && (p.Length == 1 || p[0] != '0') && int.Parse(p, CultureInfo.InvariantCulture) <= 255);
    }

    private static bool PercentEscapesAreWellFormed(string text)
    {
        for (var i = text.IndexOf('%', StringComparison.Ordinal); i >= 0; i = text.IndexOf('%', i + 1))
        {
            if (i + 2 >= text.Length || !IsUpperHex(text[i + 1]) || !IsUpperHex(text[i + 2]))
            {
                return false;
            }
        }

        return true;

        static bool IsUpperHex(char ch) => char.IsAsciiDigit(ch) || ch is >= 'A' and <= 'F';
    }

    /// <summary>The query and fragment of a rendered URL, each with its '?' or '#', as written: values are encoded, so the first '#' starts the fragment.</summary>
    private static (string Query, string Fragment) RawQueryAndFragment(string url)
    {
        var hash = url.IndexOf('#', StringComparison.Ordinal);
        var beforeFragment = hash < 0 ? url : url[..hash];
        var question = beforeFragment.IndexOf('?', StringComparison.Ordinal);
        return (question < 0 ? string.Empty : beforeFragment[question..], hash < 0 ? string.Empty : url[hash..]);
    }

    /// <summary>Uri's fragment equals the rendered one, but for trailing "%20"s that System.Uri drops under IRI parsing.</summary>
    private static bool SameFragment(string uriFragment, string rendered)
    {
        if (string.Equals(uriFragment, rendered, StringComparison.Ordinal))
        {
            return true;
        }

        var rest = rendered.StartsWith(uriFragment, StringComparison.Ordinal) ? rendered[uriFragment.Length..] : "?";
        return rest.Length > 0 && rest.Replace("%20", string.Empty, StringComparison.Ordinal).Length == 0;
    }

    /// <summary>Splits <see cref="Uri.Query"/> (with its '?') on '&amp;', then each part on its first '='.</summary>
    private static List<(string Key, string Value)> SplitQuery(string query)
    {
        var raw = query.StartsWith('?') ? query[1..] : query;
        var pairs = new List<(string Key, string Value)>();
        if (raw.Length == 0)
        {
            return pairs;
        }

        foreach (var part in raw.Split('&'))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            pairs.Add(eq < 0 ? (part, string.Empty) : (part[..eq], part[(eq + 1)..]));
        }

        return pairs;
    }

    private static JsonDocument ParseJson(string body, CaseInfo c)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            Assert.Fail($"the body is not valid JSON ({e.Message}): {Show(body)}\n{c}");
            throw;
        }
    }

    private static void ExpectJsonString(JsonElement element, string expected, CaseInfo c, string what)
    {
        Same(element.ValueKind.ToString(), nameof(JsonValueKind.String), c, $"{what} is a string: {Show(element.GetRawText())}");
        Same(element.GetString(), expected, c, what);
    }

    /// <summary>Outside quotes: a quoted string, or null when the value is missing or empty.</summary>
    private static void ExpectJsonTextOrNull(JsonElement element, string? value, CaseInfo c, string what)
    {
        if (string.IsNullOrEmpty(value))
        {
            Same(element.ValueKind.ToString(), nameof(JsonValueKind.Null), c, $"{what} is null: {Show(element.GetRawText())}");
            return;
        }

        ExpectJsonString(element, ReplaceUnpairedSurrogates(value), c, what);
    }

    private static void ExpectJsonNumberOrNull(JsonElement element, decimal? value, CaseInfo c, string what)
    {
        if (value is not { } number)
        {
            Same(element.ValueKind.ToString(), nameof(JsonValueKind.Null), c, $"{what} is null: {Show(element.GetRawText())}");
            return;
        }

        Same(element.ValueKind.ToString(), nameof(JsonValueKind.Number), c, $"{what} is a number: {Show(element.GetRawText())}");
        Same(element.GetRawText(), number.ToString(CultureInfo.InvariantCulture), c, $"{what} is written invariantly, keeping its scale");
        Check(element.TryGetDecimal(out var parsed) && parsed == number, c, $"{what} reads back as the same decimal");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Assertion helpers: cheap on success, exact on failure
    // ---------------------------------------------------------------------------------------------------------------

    private static void Check(bool condition, CaseInfo c, string what)
    {
        if (!condition)
        {
            Assert.Fail($"Property failed: {what}\n{c}");
        }
    }

    private static void Same(string? actual, string? expected, CaseInfo c, string what)
    {
        if (!string.Equals(actual, expected, StringComparison.Ordinal))
        {
            Assert.Fail($"Property failed: {what}\n  expected: {Show(expected)}\n  actual:   {Show(actual)}\n{c}");
        }
    }

    private static bool Throws<TException>(Action action)
        where TException : Exception
    {
        try
        {
            action();
            return false;
        }
        catch (TException)
        {
            return true;
        }
    }

    /// <summary>A string as a C# literal: printable ASCII as is, everything else as \uXXXX, so the exact input can be replayed.</summary>
    private static string Show(string? value)
    {
        if (value is null)
        {
            return "null";
        }

        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var ch in value)
        {
            if (ch is '"' or '\\')
            {
                builder.Append('\\').Append(ch);
            }
            else if (ch is >= ' ' and <= '~')
            {
                builder.Append(ch);
            }
            else
            {
                builder.Append("\\u").Append(((int)ch).ToString("X4", CultureInfo.InvariantCulture));
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>Where a property failed. <paramref name="Input"/> is a <see cref="Sample"/> or text already escaped with <see cref="Show"/>.</summary>
    private sealed record CaseInfo(int Seed, int Index, string Template, object Input, string? Culture = null)
    {
        public override string ToString() =>
            $"  seed {Seed}, case {Index}{(Culture is null ? string.Empty : $", culture '{Culture}'")}\n  template: {Template}\n  input: {Input}";
    }

    /// <summary>The values of one random transaction, and what each macro should decode to.</summary>
    private sealed class Sample
    {
        private const decimal SaleMarker = 700001m;
        private const decimal CommissionMarker = 700002m;
        private const string TimeMarker = "2001-02-03T04:05:06Z";

        private string?[] Texts { get; } = new string?[TextMacros.Length];

        public decimal? Sale { get; private set; }

        public decimal? Commission { get; private set; }

        public DateTimeOffset? Time { get; private set; }

        public static Sample Draw(Random rng, bool allowDotSegments)
        {
            var sample = new Sample();
            for (var i = 0; i < TextMacros.Length; i++)
            {
                sample.Texts[i] = RandomText(rng, allowDotSegments);
            }

            sample.Sale = RandomDecimal(rng);
            sample.Commission = RandomDecimal(rng);
            sample.Time = RandomTime(rng);
            return sample;
        }

        /// <summary>Safe values, "x" and plain numbers, for the reference structure.</summary>
        public static Sample Safe()
        {
            var sample = new Sample { Sale = 1m, Commission = 2m, Time = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero) };
            Array.Fill(sample.Texts, "x");
            return sample;
        }

        /// <summary>Safe values that are unique and findable in the output: "~t0~" for fobs and so on, 700001 for sa.</summary>
        public static Sample Markers()
        {
            var sample = new Sample { Sale = SaleMarker, Commission = CommissionMarker, Time = DateTimeOffset.Parse(TimeMarker, CultureInfo.InvariantCulture) };
            for (var i = 0; i < TextMacros.Length; i++)
            {
                sample.Texts[i] = Marker(i);
            }

            return sample;
        }

        public string? Text(string macro) => Texts[Array.IndexOf(TextMacros, macro)];

        /// <summary>What a macro's value decodes to: the text with unpaired surrogates replaced, or the invariant number or UTC time; empty when missing.</summary>
        public string Plain(string macro) => macro switch
        {
            "sa" => Sale?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
            "ca" => Commission?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
            "et" => Time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? string.Empty,
            _ => ReplaceUnpairedSurrogates(Text(macro) ?? string.Empty),
        };

        /// <summary>Replaces each marker in a decoded marker render with what this sample's value decodes to, in one pass.</summary>
        public string Expand(string decodedMarkers)
        {
            var builder = new StringBuilder();
            var i = 0;
            while (i < decodedMarkers.Length)
            {
                var (marker, macro) = MarkerAt(decodedMarkers, i);
                if (marker is null)
                {
                    builder.Append(decodedMarkers[i++]);
                    continue;
                }

                builder.Append(Plain(macro!));
                i += marker.Length;
            }

            return builder.ToString();
        }

        public PostbackTransaction ToTransaction() => new()
        {
            SubId1 = Texts[0],
            SubId2 = Texts[1],
            SubId3 = Texts[2],
            SubId4 = Texts[3],
            SubId5 = Texts[4],
            OrderNumber = Texts[5],
            ClickId = Texts[6],
            SalesId = Texts[7],
            ProgramId = Texts[8],
            SaleAmount = Sale,
            CommissionAmount = Commission,
            EventTime = Time,
        };

        public override string ToString()
        {
            var parts = TextMacros.Select((name, i) => $"{name}={Show(Texts[i])}").ToList();
            parts.Add($"sa={Sale?.ToString(CultureInfo.InvariantCulture) ?? "null"}m");
            parts.Add($"ca={Commission?.ToString(CultureInfo.InvariantCulture) ?? "null"}m");
            parts.Add($"et={Time?.ToString("O", CultureInfo.InvariantCulture) ?? "null"}");
            return string.Join(", ", parts);
        }

        private static string Marker(int index) => "~t" + index.ToString(CultureInfo.InvariantCulture) + "~";

        private static (string? Marker, string? Macro) MarkerAt(string text, int index)
        {
            var rest = text.AsSpan(index);
            for (var m = 0; m < TextMacros.Length; m++)
            {
                var marker = Marker(m);
                if (rest.StartsWith(marker, StringComparison.Ordinal))
                {
                    return (marker, TextMacros[m]);
                }
            }

            var sale = SaleMarker.ToString(CultureInfo.InvariantCulture);
            var commission = CommissionMarker.ToString(CultureInfo.InvariantCulture);
            return rest.StartsWith(sale, StringComparison.Ordinal) ? (sale, "sa")
                : rest.StartsWith(commission, StringComparison.Ordinal) ? (commission, "ca")
                : rest.StartsWith(TimeMarker, StringComparison.Ordinal) ? (TimeMarker, "et")
                : (null, null);
        }
    }
}
