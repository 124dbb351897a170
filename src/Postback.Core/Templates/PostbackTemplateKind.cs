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
