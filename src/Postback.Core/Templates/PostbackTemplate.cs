using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
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
    private readonly UrlRegions _regions;
    private readonly int _schemeEnd;
    private IReadOnlyList<PostbackTemplateWarning>? _warnings;
    private IReadOnlyList<PostbackMacroReference>? _macros;

    private PostbackTemplate(string text, PostbackTemplateOptions options, in ParsedTemplate parsed)
    {
        Text = text;
        Options = options;
        _tokens = parsed.Tokens;
        _regions = parsed.Regions;
        _schemeEnd = parsed.SchemeEnd;
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

    /// <summary>Gets the URL regions (host, port, path) that hold a macro and are checked after each render.</summary>
    internal ref readonly UrlRegions Regions => ref _regions;

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

    private static PostbackTemplate? ParseCore(string text, PostbackTemplateOptions options, out PostbackTemplateError? error) =>
        TemplateParser.TryParse(text, options, out var parsed, out error) ? new PostbackTemplate(text, options, parsed) : null;

    private PostbackMacroReference[] BuildMacroReferences()
    {
        var list = new List<PostbackMacroReference>();
        foreach (ref readonly var token in _tokens.AsSpan())
        {
            if (token.Kind == TokenKind.Macro)
            {
                list.Add(new PostbackMacroReference(
                    Text.Substring(token.NameStart, token.NameLength),
                    token.Macro,
                    token.Start,
                    token.Length,
                    token.Context,
                    FormatSpec.NameOf(token.FormatKind, token.Format),
                    token.Default));
            }
        }

        return [.. list];
    }
}
