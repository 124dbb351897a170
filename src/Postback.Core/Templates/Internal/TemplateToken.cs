namespace Postback.Internal;

/// <summary>
/// One piece of a compiled template: a literal run, copied as it is, or a macro with everything rendering needs
/// decided up front (its definition, its context, its format and default).
/// </summary>
internal struct TemplateToken
{
    /// <summary>Where the piece starts in the template text.</summary>
    public int Start;

    /// <summary>Its length in the template text; for a macro, delimiters included.</summary>
    public int Length;

    public TokenKind Kind;

    public MacroContext Context;

    public MacroFormat FormatKind;

    /// <summary>The catalog's macro; <see langword="null"/> for an unknown macro under <see cref="UnknownMacroPolicy.RenderEmpty"/>.</summary>
    public MacroDefinition? Macro;

    public int NameStart;

    public int NameLength;

    /// <summary>The custom format string, when <see cref="FormatKind"/> is <see cref="MacroFormat.Custom"/>.</summary>
    public string? Format;

    /// <summary>The text rendered when the value is missing or empty.</summary>
    public string? Default;

    /// <summary>
    /// A macro with no format in a URL part that percent-encodes (path, query, fragment, user-info), where the render
    /// loop takes its inline fast paths. Set once the context is known.
    /// </summary>
    public bool IsPlain;

    /// <summary>What rendering from a <see cref="PostbackTransaction"/> writes for this token; set once the context is known.</summary>
    /// <remarks>One byte, which fits beside the other small fields: a token stays 48 bytes, so parsing allocates no more.</remarks>
    public TransactionWriter Writer;
}
