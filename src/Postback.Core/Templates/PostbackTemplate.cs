using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Threading;
using Postback.Internal;

namespace Postback;

/// <summary>
/// A postback template, compiled once into a token array and rendered for every transaction, such as FlexOffers'
/// <c>https://tracker.example/pb?sid=#fobs#&amp;orderid=#on#&amp;amount=#sa#</c>.
/// </summary>
/// <remarks>
/// <para>
/// Rendering is a single pass: every occurrence of a macro is replaced, and a value that contains macro text is never
/// expanded again. Each value is encoded for the place it stands in, decided at parse time: percent-encoded by RFC 3986
/// in a URL's path, query and fragment, validated as a host name in the host, form-encoded in a form body,
/// escaped or quoted in a JSON body. Numbers and dates are always formatted with the invariant culture.
/// </para>
/// <para>Instances are immutable and safe to use from many threads at once.</para>
/// </remarks>
public sealed partial class PostbackTemplate
{
    private readonly TemplateToken[] _tokens;
    private readonly ValidatedRegion _host;
    private readonly ValidatedRegion _port;
    private readonly ValidatedRegion _path;
    private readonly bool _hasRegions;
    private readonly int _schemeEnd;
    private IReadOnlyList<PostbackTemplateWarning>? _warnings;
    private IReadOnlyList<PostbackMacroReference>? _macros;
    private string? _staticAuthority;
    private bool _staticAuthorityKnown;

    private PostbackTemplate(string text, PostbackTemplateOptions options, TemplateToken[] tokens, ValidatedRegion host, ValidatedRegion port, ValidatedRegion path, int schemeEnd)
    {
        _path = path;
        _hasRegions = !host.IsNone || !port.IsNone || !path.IsNone;
        Text = text;
        Options = options;
        _tokens = tokens;
        _host = host;
        _port = port;
        _schemeEnd = schemeEnd;
    }

    /// <summary>Gets the template text as it was parsed.</summary>
    public string Text { get; }

    /// <summary>Gets the options the template was parsed with.</summary>
    public PostbackTemplateOptions Options { get; }

    /// <summary>Gets the macros in the order they stand in the template.</summary>
    public IReadOnlyList<PostbackMacroReference> Macros => _macros ??= BuildMacroReferences();

    /// <summary>
    /// Gets warnings about things that parse but are probably wrong: white space in a URL, HTML-entity damage,
    /// percent-encoded delimiters, placeholder words, no scheme, <c>http</c> rather than <c>https</c>, an unclosed macro.
    /// Computed on first use.
    /// </summary>
    public IReadOnlyList<PostbackTemplateWarning> Warnings => _warnings ??= TemplateLinter.Lint(this);

    internal ReadOnlySpan<TemplateToken> Tokens => _tokens;

    /// <summary>
    /// Gets the URL's scheme, host and port when no macro stands in them (the same for every render), else <see langword="null"/>.
    /// Computed once per template, so endpoints built from a cached template share it.
    /// </summary>
    internal string? StaticAuthority
    {
        get
        {
            if (!Volatile.Read(ref _staticAuthorityKnown))
            {
                _staticAuthority = FindStaticAuthority();
                Volatile.Write(ref _staticAuthorityKnown, true);
            }

            return _staticAuthority;
        }
    }

    /// <summary>Gets the index of the ':' that ends a URL's scheme; -1 when there is none or the template is not a URL.</summary>
    internal int SchemeEnd => _schemeEnd;

    /// <summary>Parses a template.</summary>
    /// <param name="template">The template text.</param>
    /// <param name="options">The syntax, catalog, kind and policies; <see langword="null"/> for <see cref="PostbackTemplateOptions.Default"/>.</param>
    /// <returns>The compiled template.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="template"/> is <see langword="null"/>.</exception>
    /// <exception cref="PostbackTemplateException">The template is invalid; <see cref="PostbackTemplateException.Error"/> says where and why.</exception>
    public static PostbackTemplate Parse(string template, PostbackTemplateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        return ParseCore(template, options ?? PostbackTemplateOptions.Default, out var error) ?? throw new PostbackTemplateException(error!);
    }

    /// <summary>Tries to parse a template.</summary>
    /// <param name="template">The template text.</param>
    /// <param name="options">The syntax, catalog, kind and policies; <see langword="null"/> for <see cref="PostbackTemplateOptions.Default"/>.</param>
    /// <param name="result">The compiled template, on success.</param>
    /// <param name="error">What is wrong and where, on failure.</param>
    /// <returns><see langword="true"/> when the template is valid.</returns>
    public static bool TryParse(
        [NotNullWhen(true)] string? template,
        PostbackTemplateOptions? options,
        [NotNullWhen(true)] out PostbackTemplate? result,
        [NotNullWhen(false)] out PostbackTemplateError? error)
    {
        result = ParseCore(template ?? string.Empty, options ?? PostbackTemplateOptions.Default, out error);
        return result is not null;
    }

    /// <summary>Tries to parse a template with the default options.</summary>
    /// <param name="template">The template text.</param>
    /// <param name="result">The compiled template, on success.</param>
    /// <returns><see langword="true"/> when the template is valid.</returns>
    public static bool TryParse([NotNullWhen(true)] string? template, [NotNullWhen(true)] out PostbackTemplate? result) =>
        TryParse(template, null, out result, out _);

    /// <summary>Tries to parse a template with the default options, reporting what is wrong.</summary>
    /// <param name="template">The template text.</param>
    /// <param name="result">The compiled template, on success.</param>
    /// <param name="error">What is wrong and where, on failure.</param>
    /// <returns><see langword="true"/> when the template is valid.</returns>
    public static bool TryParse(
        [NotNullWhen(true)] string? template,
        [NotNullWhen(true)] out PostbackTemplate? result,
        [NotNullWhen(false)] out PostbackTemplateError? error) =>
        TryParse(template, null, out result, out error);

    /// <summary>Returns the template text.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Text;

    private static PostbackTemplate? ParseCore(string text, PostbackTemplateOptions options, out PostbackTemplateError? error)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(text))
        {
            error = new(PostbackTemplateErrorCode.Empty, 0, text, "The postback template is empty.");
            return null;
        }

        if (text.Length > options.MaxTemplateLength)
        {
            error = new(
                PostbackTemplateErrorCode.TooLong,
                options.MaxTemplateLength,
                string.Empty,
                $"The postback template is {text.Length} characters long; the limit is {options.MaxTemplateLength} ({nameof(PostbackTemplateOptions)}.{nameof(PostbackTemplateOptions.MaxTemplateLength)}).");
            return null;
        }

        var buffer = ArrayPool<TemplateToken>.Shared.Rent(16);
        try
        {
            var count = Scan(text, options, ref buffer, out error);
            if (error is not null)
            {
                return null;
            }

            return Compile(text, options, buffer.AsSpan(0, count), out error);
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
                var empty = text.Substring(start, syntax.Open.Length + syntax.Close.Length);
                error = new(
                    PostbackTemplateErrorCode.EmptyMacroName,
                    start,
                    empty,
                    $"Empty macro '{empty}' at position {start}: a macro needs a name between '{syntax.Open}' and '{syntax.Close}'.");
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
                    error = UnknownMacro(text, start, macro, options);
                    return 0;
                }
            }

            var formatKind = ResolveFormat(text, start, macro, definition, options.Syntax, out var format, out error);
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
    private static PostbackTemplate? Compile(string text, PostbackTemplateOptions options, Span<TemplateToken> tokens, out PostbackTemplateError? error)
    {
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
                    JsonStructure.Analyze(skeletonSpan, contexts);
                }
                else
                {
                    var url = UrlStructure.Analyze(skeletonSpan, contexts);
                    if (url.ErrorSkeletonIndex >= 0)
                    {
                        ref readonly var offending = ref tokens[TokenAt(tokens, url.ErrorSkeletonIndex, out _)];
                        error = StructureError(text, offending, url.ErrorCode);
                        return null;
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
                var macroText = text.Substring(token.Start, token.Length);
                var where = token.Context switch
                {
                    MacroContext.Host => "the host, where a value must be a valid host name",
                    MacroContext.Port => "the port, where a value must be a number",
                    _ => "a JSON body, which must stay valid JSON whatever the values",
                };
                error = new(
                    PostbackTemplateErrorCode.RawNotAllowed,
                    token.Start,
                    macroText,
                    $"Macro '{macroText}' at position {token.Start} uses 'raw' in {where}. 'raw' is allowed only in a URL's path, query, fragment or user-info, and in form bodies.");
                return null;
            }
        }

        return new PostbackTemplate(text, options, tokens.ToArray(), host, port, path, schemeEnd);
    }

    private static MacroFormat ResolveFormat(
        string text,
        int start,
        in MacroReader.Parts macro,
        MacroDefinition? definition,
        MacroSyntax syntax,
        out string? format,
        out PostbackTemplateError? error)
    {
        format = null;
        error = null;
        if (macro.FormatLength < 0)
        {
            return MacroFormat.Default;
        }

        var spec = text.AsSpan(macro.FormatStart, macro.FormatLength);
        if (spec.Equals("raw", StringComparison.OrdinalIgnoreCase))
        {
            return MacroFormat.Raw;
        }

        var type = definition?.ValueType ?? MacroValueType.Text;
        switch (type)
        {
            case MacroValueType.DateTime when spec.Equals("unix", StringComparison.OrdinalIgnoreCase):
                return MacroFormat.Unix;
            case MacroValueType.DateTime when spec.Equals("unixms", StringComparison.OrdinalIgnoreCase):
                return MacroFormat.UnixMilliseconds;
            case MacroValueType.DateTime or MacroValueType.Decimal when FormatWorks(spec, type):
                format = spec.ToString();
                return MacroFormat.Custom;
        }

        var macroText = text.Substring(start, macro.End - start);
        var name = text.AsSpan(macro.NameStart, macro.NameLength);
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
        error = new(
            PostbackTemplateErrorCode.InvalidFormat,
            start,
            macroText,
            $"Macro '{macroText}' at position {start} has the format '{spec}', which does not fit it: '{name}' {kind}, and accepts {accepted}. Write it without a format as '{syntax.Open}{name}{syntax.Close}'.");
        return MacroFormat.Default;

        static bool FormatWorks(ReadOnlySpan<char> spec, MacroValueType type)
        {
            // A format is tried once here on two unlike samples, so it can never fail at render time. .NET copies
            // unknown characters through, so "0.00" is a "valid" date format and "yyyy" a "valid" number format;
            // a format whose output does not change with the value does not fit the field.
            Span<char> first = stackalloc char[256];
            Span<char> second = stackalloc char[256];
            try
            {
                int a, b;
                var formatted = type == MacroValueType.Decimal
                    ? 1234.5678m.TryFormat(first, out a, spec, CultureInfo.InvariantCulture) & 9876.1m.TryFormat(second, out b, spec, CultureInfo.InvariantCulture)
                    : new DateTime(2026, 12, 31, 23, 59, 58, 999, DateTimeKind.Utc).TryFormat(first, out a, spec, CultureInfo.InvariantCulture)
                      & new DateTime(2001, 2, 3, 4, 5, 6, 7, DateTimeKind.Utc).TryFormat(second, out b, spec, CultureInfo.InvariantCulture);
                return formatted && a > 0 && !first[..a].SequenceEqual(second[..b]) && FormatSpec.HasNoStrayLetters(spec, type);
            }
            catch (FormatException)
            {
                return false;
            }
        }
    }

    private static PostbackTemplateError UnknownMacro(string text, int start, in MacroReader.Parts macro, PostbackTemplateOptions options)
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

    private static PostbackTemplateError StructureError(string text, in TemplateToken token, PostbackTemplateErrorCode code)
    {
        var macroText = text.Substring(token.Start, token.Length);
        var message = code == PostbackTemplateErrorCode.MacroInScheme
            ? $"Macro '{macroText}' at position {token.Start} stands in the URL's scheme. The scheme must be literal text, such as 'https://'."
            : $"Macro '{macroText}' at position {token.Start} stands inside an IPv6 literal host ('[...]'), which is not supported. Put the whole host in a host macro, or write the address literally.";
        return new(code, token.Start, macroText, message);
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

    private string? FindStaticAuthority()
    {
        if (Options.Kind != PostbackTemplateKind.Url)
        {
            return null;
        }

        foreach (ref readonly var token in _tokens.AsSpan())
        {
            if (token.Kind == TokenKind.Macro && token.Context is MacroContext.Host or MacroContext.Port)
            {
                return null;
            }
        }

        // No macro stands in the authority, so any render has the same one: render once with no values.
        return TryRender(new PostbackTransaction(), out var sample, out _) && Uri.TryCreate(sample, UriKind.Absolute, out var uri)
            ? uri.GetLeftPart(UriPartial.Authority)
            : null;
    }

    private PostbackMacroReference[] BuildMacroReferences()
    {
        var list = new List<PostbackMacroReference>();
        foreach (ref readonly var token in _tokens.AsSpan())
        {
            if (token.Kind == TokenKind.Macro)
            {
                var format = token.FormatKind switch
                {
                    MacroFormat.Custom => token.Format,
                    MacroFormat.Unix => "unix",
                    MacroFormat.UnixMilliseconds => "unixms",
                    MacroFormat.Raw => "raw",
                    _ => null,
                };
                list.Add(new PostbackMacroReference(
                    Text.Substring(token.NameStart, token.NameLength),
                    token.Macro,
                    token.Start,
                    token.Length,
                    token.Context,
                    format,
                    token.Default));
            }
        }

        return [.. list];
    }
}
