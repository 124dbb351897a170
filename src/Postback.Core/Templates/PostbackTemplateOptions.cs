namespace Postback;

/// <summary>How a template is parsed: its syntax, catalog, kind and policies.</summary>
public sealed record PostbackTemplateOptions
{
    /// <summary>The default longest template accepted, in characters.</summary>
    public const int DefaultMaxTemplateLength = 16 * 1024;

    /// <summary>Gets the default options: <see cref="MacroSyntax.Hash"/>, <see cref="MacroCatalog.FlexOffers"/>, a URL, unknown macros are errors, missing values render empty.</summary>
    public static PostbackTemplateOptions Default { get; } = new();

    /// <summary>Gets the macro delimiters. The default is <see cref="MacroSyntax.Hash"/> (<c>#name#</c>).</summary>
    public MacroSyntax Syntax { get; init; } = MacroSyntax.Hash;

    /// <summary>Gets the macros the template may use. The default is <see cref="MacroCatalog.FlexOffers"/>.</summary>
    public MacroCatalog Catalog { get; init; } = MacroCatalog.FlexOffers;

    /// <summary>Gets what the template produces. The default is <see cref="PostbackTemplateKind.Url"/>.</summary>
    public PostbackTemplateKind Kind { get; init; } = PostbackTemplateKind.Url;

    /// <summary>Gets what parsing does with an unknown macro. The default is <see cref="UnknownMacroPolicy.Error"/>.</summary>
    public UnknownMacroPolicy UnknownMacros { get; init; } = UnknownMacroPolicy.Error;

    /// <summary>Gets what rendering does with a missing value. The default is <see cref="MissingValuePolicy.Empty"/>.</summary>
    public MissingValuePolicy MissingValues { get; init; } = MissingValuePolicy.Empty;

    /// <summary>Gets the longest template accepted, in characters. The default is <see cref="DefaultMaxTemplateLength"/> (16 384).</summary>
    public int MaxTemplateLength { get; init; } = DefaultMaxTemplateLength;
}
