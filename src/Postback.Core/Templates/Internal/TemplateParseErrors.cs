using System;
using System.Collections.Generic;

namespace Postback.Internal;

/// <summary>The parser's error texts: what is wrong, where, and how to write it instead.</summary>
internal static class TemplateParseErrors
{
    public static PostbackTemplateError Empty(string text) =>
        new(PostbackTemplateErrorCode.Empty, 0, text, "The postback template is empty.");

    public static PostbackTemplateError TooLong(string text, PostbackTemplateOptions options) =>
        new(
            PostbackTemplateErrorCode.TooLong,
            options.MaxTemplateLength,
            string.Empty,
            $"The postback template is {text.Length} characters long; the limit is {options.MaxTemplateLength} ({nameof(PostbackTemplateOptions)}.{nameof(PostbackTemplateOptions.MaxTemplateLength)}).");

    public static PostbackTemplateError EmptyMacroName(string text, int start, MacroSyntax syntax)
    {
        var empty = text.Substring(start, syntax.Open.Length + syntax.Close.Length);
        return new(
            PostbackTemplateErrorCode.EmptyMacroName,
            start,
            empty,
            $"Empty macro '{empty}' at position {start}: a macro needs a name between '{syntax.Open}' and '{syntax.Close}'.");
    }

    public static PostbackTemplateError InvalidFormat(string text, int start, in MacroReader.Parts macro, ReadOnlySpan<char> spec, MacroValueType type, MacroSyntax syntax, bool tooLong)
    {
        var macroText = text.Substring(start, macro.End - start);
        var name = text.AsSpan(macro.NameStart, macro.NameLength);
        if (tooLong)
        {
            var extreme = type == MacroValueType.Decimal ? "79228162514264337593543950335 or -9223372036854775808" : "0001-01-01 or 9999-12-31";
            return new(
                PostbackTemplateErrorCode.InvalidFormat,
                start,
                macroText,
                $"Macro '{macroText}' at position {start} has the format '{spec}', whose output is too long for some values (such as {extreme}): a formatted value may be at most {FormatSpec.MaxOutputLength} characters. Use a shorter format, or a smaller precision.");
        }

        var accepted = type switch
        {
            MacroValueType.Decimal => "a .NET numeric format string such as '0.00', or 'raw'",
            MacroValueType.DateTime => "'unix', 'unixms', a .NET date and time format string such as 'yyyy-MM-dd HH:mm:ss', or 'raw'",
            _ => "only 'raw'",
        };
        var kind = type switch
        {
            MacroValueType.Decimal => "is a number",
            MacroValueType.DateTime => "is a date and time",
            _ => "is text",
        };
        return new(
            PostbackTemplateErrorCode.InvalidFormat,
            start,
            macroText,
            $"Macro '{macroText}' at position {start} has the format '{spec}', which does not fit it: '{name}' {kind}, and accepts {accepted}. Write it without a format as '{syntax.Open}{name}{syntax.Close}'.");
    }

    public static PostbackTemplateError RawNotAllowed(string text, in TemplateToken token)
    {
        var macroText = text.Substring(token.Start, token.Length);
        var where = token.Context switch
        {
            MacroContext.Host => "the host, where a value must be a valid host name",
            MacroContext.Port => "the port, where a value must be a number",
            _ => "a JSON body, which must stay valid JSON whatever the values",
        };
        return new(
            PostbackTemplateErrorCode.RawNotAllowed,
            token.Start,
            macroText,
            $"Macro '{macroText}' at position {token.Start} uses 'raw' in {where}. 'raw' is allowed only in a URL's path, query, fragment or user-info, and in form bodies.");
    }

    public static PostbackTemplateError UnknownMacro(string text, int start, in MacroReader.Parts macro, PostbackTemplateOptions options)
    {
        var macroText = text.Substring(start, macro.End - start);
        var name = text.AsSpan(macro.NameStart, macro.NameLength);
        var suggestions = options.Catalog.SuggestNames(name);
        var hint = suggestions.Length switch
        {
            0 => string.Empty,
            1 => $" Did you mean '{options.Syntax.Open}{suggestions[0]}{options.Syntax.Close}'?",
            _ => $" Did you mean one of: {string.Join(", ", Array.ConvertAll(suggestions, s => options.Syntax.Open + s + options.Syntax.Close))}?",
        };
        var known = options.Catalog.Macros.Count == 0
            ? string.Empty
            : $" Known macros: {string.Join(", ", ToNames(options.Catalog.Macros))}.";
        return new(
            PostbackTemplateErrorCode.UnknownMacro,
            start,
            macroText,
            $"Unknown macro '{macroText}' at position {start}.{hint}{known}");

        static IEnumerable<string> ToNames(IReadOnlyList<MacroDefinition> macros)
        {
            foreach (var m in macros)
            {
                yield return m.Name;
            }
        }
    }

    public static PostbackTemplateError EscapeBeforeMacro(string text, int backslash, in TemplateToken macro)
    {
        var macroText = text.Substring(macro.Start, macro.Length);
        return new(
            PostbackTemplateErrorCode.EscapeBeforeMacro,
            backslash,
            "\\" + macroText,
            $"A backslash at position {backslash} stands right before macro '{macroText}' inside a JSON string, so it would escape the value's first character. Remove it, or write '\\\\' for a literal backslash.");
    }

    public static PostbackTemplateError Structure(string text, in TemplateToken token, PostbackTemplateErrorCode code)
    {
        var macroText = text.Substring(token.Start, token.Length);
        var message = code == PostbackTemplateErrorCode.MacroInScheme
            ? $"Macro '{macroText}' at position {token.Start} stands in the URL's scheme. The scheme must be literal text, such as 'https://'."
            : $"Macro '{macroText}' at position {token.Start} stands inside an IPv6 literal host ('[...]'), which is not supported. Put the whole host in a host macro, or write the address literally.";
        return new(code, token.Start, macroText, message);
    }
}
