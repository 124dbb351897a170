using System;
using System.Text;

namespace Postback;

/// <summary>
/// Turns a rendered postback URL into a form safe to log: scheme, host, port and path, with every query value replaced
/// by <c>***</c> and the fragment and user-info dropped. Values are partners' and clickers' data; keys are not.
/// </summary>
public static class PostbackUrlRedactor
{
    /// <summary>The text that stands in for a redacted value.</summary>
    public const string Mask = "***";

    /// <summary>Redacts a URL, for example <c>https://t.example/pb?sid=abc&amp;o=1</c> becomes <c>https://t.example/pb?sid=***&amp;o=***</c>.</summary>
    /// <param name="url">The URL.</param>
    /// <returns>The redacted URL; for text that is not an absolute URL, <c>(not an absolute URL)</c>, since nothing in it is known to be safe.</returns>
    public static string Redact(string? url)
    {
        return url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? Redact(uri) : NotAbsolute;
    }

    private const string NotAbsolute = "(not an absolute URL)";

    /// <summary>Redacts an already-parsed URL.</summary>
    internal static string Redact(Uri uri)
    {
        if (!uri.IsAbsoluteUri || string.IsNullOrEmpty(uri.Host))
        {
            return NotAbsolute;
        }

        var url = uri.OriginalString;
        var text = new StringBuilder(url.Length);
        text.Append(uri.Scheme).Append("://");
        text.Append(uri.HostNameType == UriHostNameType.IPv6 ? "[" + uri.IdnHost + "]" : uri.IdnHost);
        if (!uri.IsDefaultPort)
        {
            text.Append(':').Append(uri.Port);
        }

        text.Append(uri.AbsolutePath);
        var query = uri.Query.AsSpan();
        if (query.Length > 1)
        {
            text.Append('?');
            var first = true;
            foreach (var range in query[1..].Split('&'))
            {
                var pair = query[1..][range];
                if (pair.IsEmpty)
                {
                    continue;
                }

                if (!first)
                {
                    text.Append('&');
                }

                first = false;
                var equals = pair.IndexOf('=');
                text.Append(equals < 0 ? pair : pair[..equals]).Append('=').Append(Mask);
            }
        }

        return text.ToString();
    }
}
