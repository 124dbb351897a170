using System;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Postback.Internal;

/// <summary>
/// The template parser, in two steps. The scanner splits the text into literal runs and macros; the compiler gives each
/// macro its context (URL part, form, JSON), finds the URL regions that need a check at render time, and refuses what
/// only the whole template shows. Parsing allocates only what the template keeps: the token array and macro defaults.
/// </summary>
internal static class TemplateParser
{
    /// <summary>Parses a template: scans it into tokens, then compiles them (contexts, regions, checks).</summary>
    public static bool TryParse(string text, PostbackTemplateOptions options, out ParsedTemplate parsed, [NotNullWhen(false)] out PostbackTemplateError? error)
    {
        ArgumentNullException.ThrowIfNull(options);
        parsed = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = TemplateParseErrors.Empty(text);
            return false;
        }

        if (text.Length > options.MaxTemplateLength)
        {
            error = TemplateParseErrors.TooLong(text, options);
            return false;
        }

        var buffer = ArrayPool<TemplateToken>.Shared.Rent(16);
        try
        {
            var count = Scan(text, options, ref buffer, out error);
            if (error is not null)
            {
                return false;
            }

            return Compile(text, options, buffer.AsSpan(0, count), out parsed, out error);
        }
        finally
        {
            ArrayPool<TemplateToken>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>
    /// Splits the template into literal runs and macros. The scanner jumps from one opening delimiter to the next
    /// with a vectorised search, so literal text costs almost nothing; at each delimiter it either reads a whole
    /// macro or treats that one character as literal text and moves on.
    /// </summary>
    private static int Scan(string text, PostbackTemplateOptions options, ref TemplateToken[] tokens, out PostbackTemplateError? error)
    {
        var syntax = options.Syntax;
        var count = 0;
        var literalStart = 0;
        var position = 0;
        error = null;

        while (position < text.Length)
        {
            var remaining = text.AsSpan(position);
            var found = syntax.Open.Length == 1 ? remaining.IndexOf(syntax.Open[0]) : remaining.IndexOf(syntax.Open, StringComparison.Ordinal);
            if (found < 0)
            {
                break;
            }

            var start = position + found;
            var shape = MacroReader.Read(text, start, syntax, options.Kind, out var macro);
            if (shape == MacroShape.NotAMacro)
            {
                // Not a macro here: this delimiter character is literal text. Resume one character on, so that
                // "[[[[x]]]" still finds the macro that starts at the second bracket.
                position = start + 1;
                continue;
            }

            if (shape == MacroShape.EmptyName)
            {
                error = TemplateParseErrors.EmptyMacroName(text, start, syntax);
                return 0;
            }

            var name = text.AsSpan(macro.NameStart, macro.NameLength);
            if (!options.Catalog.TryGetMacro(name, out var definition))
            {
                if (options.Catalog.AllowsAnyName)
                {
                    definition = MacroDefinition.Custom(name.ToString());
                }
                else if (options.UnknownMacros == UnknownMacroPolicy.KeepLiteral)
                {
                    // The macro stays in the literal run that surrounds it.
                    position = macro.End;
                    continue;
                }
                else if (options.UnknownMacros == UnknownMacroPolicy.Error)
                {
                    error = TemplateParseErrors.UnknownMacro(text, start, macro, options);
                    return 0;
                }
            }

            var formatKind = FormatSpec.Resolve(text, start, macro, definition, options.Syntax, out var format, out error);
            if (error is not null)
            {
                return 0;
            }

            if (start > literalStart)
            {
                Append(ref tokens, ref count, new TemplateToken { Kind = TokenKind.Literal, Start = literalStart, Length = start - literalStart });
            }

            Append(ref tokens, ref count, new TemplateToken
            {
                Kind = TokenKind.Macro,
                Start = start,
                Length = macro.End - start,
                Macro = definition,
                NameStart = macro.NameStart,
                NameLength = macro.NameLength,
                FormatKind = formatKind,
                Format = format,
                Default = macro.DefaultLength < 0 ? null : text.Substring(macro.DefaultStart, macro.DefaultLength),
            });

            position = literalStart = macro.End;
        }

        if (literalStart < text.Length)
        {
            Append(ref tokens, ref count, new TemplateToken { Kind = TokenKind.Literal, Start = literalStart, Length = text.Length - literalStart });
        }

        return count;
    }

    /// <summary>Assigns each macro its context, checks what only the whole template shows, and builds the result.</summary>
    private static bool Compile(string text, PostbackTemplateOptions options, Span<TemplateToken> tokens, out ParsedTemplate parsed, [NotNullWhen(false)] out PostbackTemplateError? error)
    {
        parsed = default;
        error = null;
        var macroCount = 0;
        var skeletonLength = 0;
        foreach (ref readonly var token in tokens)
        {
            if (token.Kind == TokenKind.Macro)
            {
                macroCount++;
                skeletonLength++;
            }
            else
            {
                skeletonLength += token.Length;
            }
        }

        var host = ValidatedRegion.None;
        var port = ValidatedRegion.None;
        var path = ValidatedRegion.None;
        var schemeEnd = -1;
        if (options.Kind == PostbackTemplateKind.FormBody)
        {
            foreach (ref var token in tokens)
            {
                token.Context = MacroContext.Form;
            }
        }
        else if (macroCount > 0 || options.Kind == PostbackTemplateKind.Url)
        {
            // A skeleton of the template, one placeholder per macro, rented: parsing allocates only what the
            // template keeps.
            var skeleton = ArrayPool<char>.Shared.Rent(skeletonLength);
            var contexts = ArrayPool<MacroContext>.Shared.Rent(Math.Max(macroCount, 1));
            try
            {
                var length = 0;
                foreach (ref readonly var token in tokens)
                {
                    if (token.Kind == TokenKind.Macro)
                    {
                        skeleton[length++] = UrlStructure.Placeholder;
                    }
                    else
                    {
                        text.AsSpan(token.Start, token.Length).CopyTo(skeleton.AsSpan(length));
                        length += token.Length;
                    }
                }

                var skeletonSpan = skeleton.AsSpan(0, length);
                if (options.Kind == PostbackTemplateKind.JsonBody)
                {
                    var escape = JsonStructure.Analyze(skeletonSpan, contexts);
                    if (escape >= 0)
                    {
                        var at = SkeletonToText(tokens, escape);
                        error = TemplateParseErrors.EscapeBeforeMacro(text, at, tokens[TokenAt(tokens, escape + 1, out _)]);
                        return false;
                    }
                }
                else
                {
                    var url = UrlStructure.Analyze(skeletonSpan, contexts);
                    if (url.ErrorSkeletonIndex >= 0)
                    {
                        ref readonly var offending = ref tokens[TokenAt(tokens, url.ErrorSkeletonIndex, out _)];
                        error = TemplateParseErrors.Structure(text, offending, url.ErrorCode);
                        return false;
                    }

                    schemeEnd = url.SchemeEnd < 0 ? -1 : SkeletonToText(tokens, url.SchemeEnd);
                    host = Region(tokens, skeletonSpan, url.HostStart, url.HostEnd);
                    port = Region(tokens, skeletonSpan, url.PortStart, url.PortEnd);
                    path = Region(tokens, skeletonSpan, url.PathStart, url.PathEnd);
                }

                var next = 0;
                foreach (ref var token in tokens)
                {
                    if (token.Kind == TokenKind.Macro)
                    {
                        token.Context = contexts[next++];
                        token.IsPlain = token.FormatKind == MacroFormat.Default
                            && token.Context is MacroContext.Path or MacroContext.Query or MacroContext.Fragment or MacroContext.UserInfo;
                    }
                }
            }
            finally
            {
                ArrayPool<char>.Shared.Return(skeleton);
                ArrayPool<MacroContext>.Shared.Return(contexts);
            }
        }

        foreach (ref readonly var token in tokens)
        {
            if (token.FormatKind == MacroFormat.Raw && token.Context is MacroContext.Host or MacroContext.Port or MacroContext.JsonString or MacroContext.JsonValue)
            {
                error = TemplateParseErrors.RawNotAllowed(text, token);
                return false;
            }
        }

        foreach (ref var token in tokens)
        {
            if (token.Kind == TokenKind.Macro)
            {
                token.Writer = TransactionRenderer.WriterFor(in token);
            }
        }

        parsed = new ParsedTemplate(tokens.ToArray(), new UrlRegions(host, port, path), schemeEnd);
        return true;
    }

    /// <summary>Finds the token that holds a skeleton index, and the index's offset within that token.</summary>
    private static int TokenAt(ReadOnlySpan<TemplateToken> tokens, int skeletonIndex, out int offset)
    {
        var skeletonStart = 0;
        for (var i = 0; i < tokens.Length; i++)
        {
            var width = tokens[i].Kind == TokenKind.Macro ? 1 : tokens[i].Length;
            if (skeletonIndex < skeletonStart + width)
            {
                offset = skeletonIndex - skeletonStart;
                return i;
            }

            skeletonStart += width;
        }

        offset = 0;
        return tokens.Length;
    }

    private static int SkeletonToText(ReadOnlySpan<TemplateToken> tokens, int skeletonIndex)
    {
        var t = TokenAt(tokens, skeletonIndex, out var offset);
        return t < tokens.Length ? tokens[t].Start + offset : -1;
    }

    /// <summary>Maps a skeleton range to token coordinates; a range without a macro needs no render-time check.</summary>
    private static ValidatedRegion Region(ReadOnlySpan<TemplateToken> tokens, ReadOnlySpan<char> skeleton, int start, int end)
    {
        if (start < 0 || end < start || skeleton[start..end].IndexOf(UrlStructure.Placeholder) < 0)
        {
            return ValidatedRegion.None;
        }

        var startToken = TokenAt(tokens, start, out var startOffset);
        var endToken = TokenAt(tokens, end, out var endOffset);
        return new ValidatedRegion(startToken, startOffset, endToken, endOffset);
    }

    private static void Append(ref TemplateToken[] tokens, ref int count, in TemplateToken token)
    {
        if (count == tokens.Length)
        {
            var larger = ArrayPool<TemplateToken>.Shared.Rent(tokens.Length * 2);
            tokens.AsSpan().CopyTo(larger);
            ArrayPool<TemplateToken>.Shared.Return(tokens, clearArray: true);
            tokens = larger;
        }

        tokens[count++] = token;
    }
}
