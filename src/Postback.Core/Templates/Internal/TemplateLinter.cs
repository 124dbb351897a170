using System;
using System.Collections.Generic;
using System.Globalization;

namespace Postback.Internal;

/// <summary>
/// Finds what parses but is probably wrong in a template. It reads only literal text: a macro's value is never
/// known here, and a macro's own text is not the partner's mistake.
/// </summary>
internal static class TemplateLinter
{
    private const int MaxPerCode = 5;

    // Characters an HTML editor produces when "&curren", "&para" and their kind lose their '&...;' meaning,
    // paired with the entity and the query parameter that was most likely meant.
    private static readonly (char Damaged, string Entity, string Meant)[] EntityDamage =
    [
        ('¤', "&curren", "&currency="),
        ('¶', "&para", "&param="),
        ('®', "&reg", "&region="),
        ('©', "&copy", "&copy="),
        ('¬', "&not", "&note="),
        ('×', "&times", "&timestamp="),
        ('§', "&sect", "&section="),
        ('£', "&pound", "&pound="),
        ('¢', "&cent", "&cents="),
        ('¥', "&yen", "&yen="),
        ('°', "&deg", "&degree="),
        ('µ', "&micro", "&micro="),
        ('〈', "&lang", "&lang="),
        ('ℑ', "&image", "&image="),
        ('ø', "&oslash", "&oslash="),
    ];

    private static readonly string[] PlaceholderWords = ["REPLACE", "OPTIONAL", "TRANSACTION_ID", "YOUR_", "INSERT_"];

    public static IReadOnlyList<PostbackTemplateWarning> Lint(PostbackTemplate template)
    {
        var warnings = new List<PostbackTemplateWarning>();
        var text = template.Text;
        var options = template.Options;
        var isUrl = options.Kind == PostbackTemplateKind.Url;
        var counts = new Dictionary<PostbackTemplateWarningCode, int>();

        if (isUrl)
        {
            if (template.SchemeEnd < 0)
            {
                Add(PostbackTemplateWarningCode.NoScheme, 0, "The URL has no scheme. Start it with 'https://'; only absolute http(s) URLs can be delivered.");
            }
            else if (text.AsSpan(0, template.SchemeEnd).Equals("http", StringComparison.OrdinalIgnoreCase))
            {
                Add(PostbackTemplateWarningCode.InsecureScheme, 0, "The URL uses 'http', so the postback and its values travel unencrypted. Use 'https' if the partner supports it.");
            }
        }

        foreach (ref readonly var token in template.Tokens)
        {
            if (token.Kind != TokenKind.Literal)
            {
                continue;
            }

            var literal = text.AsSpan(token.Start, token.Length);
            for (var i = 0; i < literal.Length; i++)
            {
                var c = literal[i];
                var at = token.Start + i;
                if (isUrl && char.IsWhiteSpace(c))
                {
                    var shown = c switch { '\r' => "a carriage return", '\n' => "a line feed", '\t' => "a tab", ' ' => "a space", _ => $"white space (U+{(int)c:X4})" };
                    Add(PostbackTemplateWarningCode.Whitespace, at, $"The URL holds {shown} at position {at.ToString(CultureInfo.InvariantCulture)}. Remove it, or write it as %20 if it is meant.");
                }

                foreach (var (damaged, entity, meant) in EntityDamage)
                {
                    if (c == damaged)
                    {
                        Add(
                            PostbackTemplateWarningCode.HtmlEntityDamage,
                            at,
                            $"'{c}' at position {at.ToString(CultureInfo.InvariantCulture)} looks like an HTML editor turned '{entity}' into an entity: was '{meant}' meant? Copy the URL from plain text.");
                    }
                }
            }

            foreach (var word in PlaceholderWords)
            {
                var index = literal.IndexOf(word, StringComparison.Ordinal);
                if (index >= 0)
                {
                    var at = token.Start + index;
                    Add(PostbackTemplateWarningCode.PlaceholderText, at, $"'{word}' at position {at.ToString(CultureInfo.InvariantCulture)} looks like placeholder text from a partner's documentation. Replace it with a real value or a macro.");
                }
            }

            FindEncodedDelimiters(literal, token.Start);
            FindUnclosedMacros(literal, token.Start);
        }

        warnings.Sort(static (a, b) => a.Position != b.Position ? a.Position.CompareTo(b.Position) : a.Code.CompareTo(b.Code));
        return warnings.ToArray();

        void Add(PostbackTemplateWarningCode code, int position, string message)
        {
            counts.TryGetValue(code, out var seen);
            if (seen < MaxPerCode)
            {
                counts[code] = seen + 1;
                warnings.Add(new PostbackTemplateWarning(code, position, message));
            }
        }

        void FindEncodedDelimiters(ReadOnlySpan<char> literal, int offset)
        {
            // "%7Bclickid%7D" or "%23fobs%23": the partner's form encoded the macro, so it would be sent as it is.
            var open = Encode(options.Syntax.Open);
            var close = Encode(options.Syntax.Close);
            var from = 0;
            while (NextName(literal, open, StringComparison.OrdinalIgnoreCase, ref from, out var start, out var nameStart, out var nameLength))
            {
                if (literal[(nameStart + nameLength)..].StartsWith(close, StringComparison.OrdinalIgnoreCase))
                {
                    var at = offset + start;
                    var decoded = options.Syntax.Open + literal.Slice(nameStart, nameLength).ToString() + options.Syntax.Close;
                    Add(
                        PostbackTemplateWarningCode.EncodedDelimiters,
                        at,
                        $"'{literal.Slice(start, open.Length + nameLength + close.Length)}' at position {at.ToString(CultureInfo.InvariantCulture)} is a percent-encoded macro and will not be replaced. Write it as '{decoded}'.");
                }
            }
        }

        void FindUnclosedMacros(ReadOnlySpan<char> literal, int offset)
        {
            // An opening delimiter and a declared name, in literal text: the closing delimiter is missing or the
            // macro is malformed. Only declared names count, so "#section" in a fragment is left alone.
            var openText = options.Syntax.Open;
            var from = 0;
            while (NextName(literal, openText, StringComparison.Ordinal, ref from, out var start, out var nameStart, out var nameLength))
            {
                if (options.Catalog.TryGetMacro(literal.Slice(nameStart, nameLength), out var macro))
                {
                    var at = offset + start;
                    if (openText == "%" && nameLength >= 2 && char.IsAsciiHexDigit(literal[nameStart]) && char.IsAsciiHexDigit(literal[nameStart + 1]))
                    {
                        // "%ca%": a '%' and two hex digits is a percent-encoded octet, never a macro (see MacroReader).
                        Add(
                            PostbackTemplateWarningCode.UnclosedMacro,
                            at,
                            $"'%{literal.Slice(nameStart, 2)}' at position {at.ToString(CultureInfo.InvariantCulture)} is a percent-encoded octet, so macro '{macro.Name}' cannot be written with the percent syntax. Use another syntax, such as '#{macro.Name}#'.");
                        continue;
                    }

                    Add(
                        PostbackTemplateWarningCode.UnclosedMacro,
                        at,
                        $"'{openText}{literal.Slice(nameStart, nameLength)}' at position {at.ToString(CultureInfo.InvariantCulture)} starts macro '{macro.Name}' but is not a complete macro, so it is sent as text. Write it as '{openText}{macro.Name}{options.Syntax.Close}'.");
                }
            }
        }
    }

    /// <summary>
    /// Finds the next <paramref name="open"/> that a macro name follows, searching from <paramref name="from"/>, which
    /// moves past the delimiter so the next search resumes there.
    /// </summary>
    private static bool NextName(ReadOnlySpan<char> literal, string open, StringComparison comparison, ref int from, out int start, out int nameStart, out int nameLength)
    {
        while (from < literal.Length)
        {
            var index = literal[from..].IndexOf(open, comparison);
            if (index < 0)
            {
                break;
            }

            start = from + index;
            nameStart = start + open.Length;
            nameLength = MacroName.Scan(literal[nameStart..]);
            from = nameStart;
            if (nameLength > 0)
            {
                return true;
            }
        }

        start = nameStart = nameLength = 0;
        return false;
    }

    private static string Encode(string delimiter)
    {
        var encoded = new char[delimiter.Length * 3];
        for (var i = 0; i < delimiter.Length; i++)
        {
            encoded[i * 3] = '%';
            encoded[(i * 3) + 1] = "0123456789ABCDEF"[delimiter[i] >> 4];
            encoded[(i * 3) + 2] = "0123456789ABCDEF"[delimiter[i] & 0xF];
        }

        return new string(encoded);
    }
}
