using System;
using System.Text;
using Postback.Internal;

namespace Postback;

/// <summary>
/// Turns a rendered postback URL into a form safe to log. Scheme, host, port and query keys are kept; every query
/// value, every bare query item, the user info and the fragment become <c>***</c>. When the URL's template is known
/// (<see cref="PostbackResult.RedactedUrl"/> of an endpoint's postback), every path segment and query key where a
/// macro stands is masked too; for a raw URL, which part of the path is a value is unknown, so the path is kept.
/// </summary>
public static class PostbackUrlRedactor
{
    /// <summary>The text that stands in for a redacted value.</summary>
    public const string Mask = "***";

    private const string NotAbsolute = "(not an absolute URL)";

    /// <summary>Redacts a URL, for example <c>https://t.example/pb?sid=abc&amp;o=1</c> becomes <c>https://t.example/pb?sid=***&amp;o=***</c>.</summary>
    /// <param name="url">The URL.</param>
    /// <returns>The redacted URL; for text that is not an absolute URL, <c>(not an absolute URL)</c>, since nothing in it is known to be safe.</returns>
    public static string Redact(string? url)
    {
        return url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? Redact(uri) : NotAbsolute;
    }

    /// <summary>Redacts an already-parsed URL, masking what the template's macros filled when the template is known.</summary>
    internal static string Redact(Uri uri, PostbackTemplate? template = null)
    {
        if (!uri.IsAbsoluteUri || string.IsNullOrEmpty(uri.Host))
        {
            return NotAbsolute;
        }

        var shape = template is { Options.Kind: PostbackTemplateKind.Url } ? UrlShape.Of(template) : null;
        var text = new StringBuilder(uri.OriginalString.Length);
        text.Append(uri.Scheme).Append("://");
        if (uri.UserInfo.Length > 0)
        {
            text.Append(Mask).Append('@');
        }

        text.Append(uri.HostNameType == UriHostNameType.IPv6 ? "[" + uri.IdnHost + "]" : uri.IdnHost);
        if (!uri.IsDefaultPort)
        {
            text.Append(':').Append(uri.Port);
        }

        AppendPath(text, uri.AbsolutePath, shape);
        AppendQuery(text, uri.Query, shape);
        if (uri.Fragment.Length > 1)
        {
            text.Append('#').Append(Mask);
        }

        return text.ToString();
    }

    private static void AppendPath(StringBuilder text, string path, UrlShape? shape)
    {
        if (shape is null)
        {
            text.Append(path);
            return;
        }

        var span = path.AsSpan();
        var matches = span.Count('/') + 1 == shape.PathSegments.Length;
        var i = 0;
        foreach (var range in span.Split('/'))
        {
            if (i > 0)
            {
                text.Append('/');
            }

            var segment = span[range];
            // When the segments do not line up with the template's, nothing in the path is known to be safe.
            text.Append(!segment.IsEmpty && (!matches || shape.PathSegments[i]) ? Mask : segment);
            i++;
        }
    }

    private static void AppendQuery(StringBuilder text, string queryWithMark, UrlShape? shape)
    {
        var query = queryWithMark.AsSpan();
        if (query.Length <= 1)
        {
            return;
        }

        query = query[1..];
        var count = 0;
        foreach (var range in query.Split('&'))
        {
            count += query[range].IsEmpty ? 0 : 1;
        }

        // Without a template, keys are kept; with one whose items do not line up, no key is known to be safe.
        var keys = shape is null ? null : count == shape.QueryKeys.Length ? shape.QueryKeys : null;
        var maskAllKeys = shape is not null && keys is null;
        text.Append('?');
        var index = 0;
        foreach (var range in query.Split('&'))
        {
            var item = query[range];
            if (item.IsEmpty)
            {
                continue;
            }

            if (index > 0)
            {
                text.Append('&');
            }

            var equals = item.IndexOf('=');
            if (equals < 0)
            {
                text.Append(Mask); // a bare item is a value as much as a key
            }
            else
            {
                text.Append(maskAllKeys || (keys is not null && keys[index]) ? Mask : item[..equals]).Append('=').Append(Mask);
            }

            index++;
        }
    }
}
