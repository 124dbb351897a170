using System;
using System.Buffers;

namespace Postback.Internal;

/// <summary>
/// Reads one macro at an opening delimiter: <c>open name [":" format] ["|" default] close</c>.
/// Anything that does not match exactly is not a macro, and the caller treats the delimiter as literal text.
/// </summary>
internal static class MacroReader
{
    public const int MaxFormatLength = 64;
    public const int MaxDefaultLength = 256;

    // A format or default never holds these: they would swallow URL structure ('&', '?', '#') or break a JSON body
    // ('"'). Requiring their absence keeps "a#b:c&d=#on#" from reading as one macro named 'b'.
    private static readonly SearchValues<char> Stoppers = SearchValues.Create("&?#\"\r\n\t\0");

    /// <summary>The parts of a macro, as indices into the template text; a length of -1 means absent.</summary>
    public struct Parts
    {
        public int NameStart;
        public int NameLength;
        public int FormatStart;
        public int FormatLength;
        public int DefaultStart;
        public int DefaultLength;

        /// <summary>The index just past the closing delimiter.</summary>
        public int End;
    }

    public static MacroShape Read(string text, int start, MacroSyntax syntax, PostbackTemplateKind kind, out Parts parts)
    {
        parts = default;
        parts.FormatLength = -1;
        parts.DefaultLength = -1;
        var i = start + syntax.Open.Length;
        var rest = text.AsSpan(i);

        if (rest.StartsWith(syntax.Close, StringComparison.Ordinal))
        {
            // "{}" in a URL or form body is a mistake worth reporting. In a JSON body it is an empty object
            // (or "[[]]" an empty array), which is literal text.
            return kind == PostbackTemplateKind.JsonBody ? MacroShape.NotAMacro : MacroShape.EmptyName;
        }

        // With '%' delimiters, a '%' followed by two hex digits is a percent-encoded octet ("%C3%A9s%20"), never the
        // start of a macro, whatever the catalog: otherwise "%A9s%" would read as a macro named "A9s".
        if (IsPercentEncodedOctet(text, start, syntax))
        {
            return MacroShape.NotAMacro;
        }

        var nameLength = MacroName.Scan(rest);
        if (nameLength == 0)
        {
            return MacroShape.NotAMacro;
        }

        parts.NameStart = i;
        parts.NameLength = nameLength;
        i += nameLength;

        if (i < text.Length && text[i] == ':')
        {
            var length = ScanPart(text, i + 1, syntax.Close, MaxFormatLength, stopAtBar: true);
            if (length <= 0)
            {
                return MacroShape.NotAMacro;
            }

            parts.FormatStart = i + 1;
            parts.FormatLength = length;
            i += 1 + length;
        }

        if (i < text.Length && text[i] == '|')
        {
            var length = ScanPart(text, i + 1, syntax.Close, MaxDefaultLength, stopAtBar: false);
            if (length < 0)
            {
                return MacroShape.NotAMacro;
            }

            parts.DefaultStart = i + 1;
            parts.DefaultLength = length;
            i += 1 + length;
        }

        if (!text.AsSpan(i).StartsWith(syntax.Close, StringComparison.Ordinal))
        {
            return MacroShape.NotAMacro;
        }

        parts.End = i + syntax.Close.Length;
        return MacroShape.Macro;
    }

    /// <summary>Returns whether the opening delimiter at <paramref name="start"/> is the '%' of a percent-encoded octet (<c>%XX</c>).</summary>
    public static bool IsPercentEncodedOctet(string text, int start, MacroSyntax syntax) =>
        syntax.Open == "%" && start + 2 < text.Length && char.IsAsciiHexDigit(text[start + 1]) && char.IsAsciiHexDigit(text[start + 2]);

    /// <summary>Returns the length of a format or default up to the closing delimiter (or '|'), or -1 when it is not one.</summary>
    private static int ScanPart(string text, int start, string close, int maxLength, bool stopAtBar)
    {
        for (var i = start; i < text.Length && i - start <= maxLength; i++)
        {
            var c = text[i];
            if (text.AsSpan(i).StartsWith(close, StringComparison.Ordinal) || (stopAtBar && c == '|'))
            {
                return i - start;
            }

            if (Stoppers.Contains(c) || (!stopAtBar && c == '|'))
            {
                return -1;
            }
        }

        return -1;
    }
}
