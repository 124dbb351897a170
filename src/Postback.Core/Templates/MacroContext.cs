namespace Postback;

/// <summary>Where a macro stands in its template, decided at parse time; it decides how the value is encoded.</summary>
public enum MacroContext
{
    /// <summary>The user-info part of a URL's authority: percent-encoded.</summary>
    UserInfo = 1,

    /// <summary>A URL's host: the value must be a valid ASCII host name, or rendering fails.</summary>
    Host,

    /// <summary>A URL's port: the value must be digits, or rendering fails.</summary>
    Port,

    /// <summary>A URL's path: percent-encoded, so <c>/</c> becomes <c>%2F</c>.</summary>
    Path,

    /// <summary>A URL's query: percent-encoded, so <c>&amp;</c> and <c>=</c> cannot add parameters.</summary>
    Query,

    /// <summary>A URL's fragment: percent-encoded.</summary>
    Fragment,

    /// <summary>An <c>application/x-www-form-urlencoded</c> body: form-encoded.</summary>
    Form,

    /// <summary>Inside a JSON string: JSON-escaped.</summary>
    JsonString,

    /// <summary>A JSON value outside quotes: a number, a quoted string, or <c>null</c>.</summary>
    JsonValue,
}
