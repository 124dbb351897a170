namespace Postback;

/// <summary>Why a template that parses is probably wrong.</summary>
public enum PostbackTemplateWarningCode
{
    /// <summary>White space or a line break stands in the URL's literal text (PB101).</summary>
    Whitespace = 101,

    /// <summary>
    /// A character such as <c>¤</c> or <c>¶</c> stands where an HTML editor probably turned <c>&amp;curren</c> or
    /// <c>&amp;para</c> into an entity (PB102).
    /// </summary>
    HtmlEntityDamage = 102,

    /// <summary>A macro's delimiters were percent-encoded, such as <c>%7Bx%7D</c> or <c>%23x%23</c>, so it will not be replaced (PB103).</summary>
    EncodedDelimiters = 103,

    /// <summary>A placeholder word such as <c>REPLACE</c>, <c>OPTIONAL</c> or <c>TRANSACTION_ID</c> was left in (PB104).</summary>
    PlaceholderText = 104,

    /// <summary>The URL has no scheme, such as <c>https://</c> (PB105).</summary>
    NoScheme = 105,

    /// <summary>The URL uses <c>http</c> rather than <c>https</c> (PB106).</summary>
    InsecureScheme = 106,

    /// <summary>A known macro name follows an opening delimiter but the macro is never closed (PB107).</summary>
    UnclosedMacro = 107,
}
