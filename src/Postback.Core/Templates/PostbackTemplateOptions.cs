namespace Postback;

/// <summary>What a template produces, which decides how values are encoded.</summary>
public enum PostbackTemplateKind
{
    /// <summary>A postback URL. Values are percent-encoded by RFC 3986 in the path, query and fragment, and must be a valid host name in the host.</summary>
    Url = 0,

    /// <summary>An <c>application/x-www-form-urlencoded</c> body. Values are form-encoded (space becomes <c>+</c>).</summary>
    FormBody,

    /// <summary>
    /// A JSON body. Inside a JSON string, values are JSON-escaped; outside quotes, numbers are written as JSON numbers,
    /// other values as complete quoted strings, and a missing value as <c>null</c>.
    /// </summary>
    JsonBody,
}

/// <summary>What parsing does with a well-formed macro whose name the catalog does not know.</summary>
public enum UnknownMacroPolicy
{
    /// <summary>Parsing fails, naming the macro and suggesting close matches. The default.</summary>
    Error = 0,

    /// <summary>The macro is kept in the output exactly as written in the template.</summary>
    KeepLiteral,

    /// <summary>The macro renders empty (or as its <c>|default</c>).</summary>
    RenderEmpty,
}

/// <summary>What rendering does when a macro's value is missing or empty and the macro has no <c>|default</c>.</summary>
public enum MissingValuePolicy
{
    /// <summary>The macro renders empty; in a JSON body outside quotes, as <c>null</c>. The default.</summary>
    Empty = 0,

    /// <summary>The macro's own text is rendered, encoded for its place like any value (so <c>#fobs#</c> in a query becomes <c>%23fobs%23</c>).</summary>
    KeepMacro,

    /// <summary>Rendering fails with an error that names the macro.</summary>
    Fail,
}

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
