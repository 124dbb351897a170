using System;
using System.Text;
using System.Text.Unicode;

namespace Postback.Internal;

/// <summary>
/// Decodes the captured (bounded) response body, whatever charset the partner declares: the declared charset when .NET
/// knows it, else UTF-8 when the bytes are valid UTF-8, else Latin-1, which decodes any byte. Never throws, so the
/// outcome depends only on the status and the success check.
/// </summary>
internal static class ResponseBodyDecoder
{
    public static string Decode(ReadOnlySpan<byte> body, string? charset, bool truncated)
    {
        if (body.IsEmpty)
        {
            return string.Empty;
        }

        var declared = Known(charset);
        if (declared is not null && declared.CodePage != Encoding.UTF8.CodePage)
        {
            return declared.GetString(body);
        }

        if (Utf8.IsValid(body))
        {
            return Encoding.UTF8.GetString(body);
        }

        // A body cut at the limit can end inside a character: up to three bytes of an unfinished sequence.
        if (truncated)
        {
            for (var cut = 1; cut <= 3 && cut < body.Length; cut++)
            {
                if (Utf8.IsValid(body[..^cut]))
                {
                    return Encoding.UTF8.GetString(body[..^cut]);
                }
            }
        }

        // Declared UTF-8 stays UTF-8 (invalid bytes become U+FFFD); undeclared bytes that are not UTF-8 are read as Latin-1.
        return (declared ?? Encoding.Latin1).GetString(body);
    }

    private static Encoding? Known(string? charset)
    {
        // What nearly every partner declares: no trimming, no look-up by name.
        if (string.Equals(charset, "utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return Encoding.UTF8;
        }

        var name = charset?.Trim().Trim('"');
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            // Not an encoding this process knows (windows-1252 without a code-pages provider, or a made-up name).
            return null;
        }
    }
}
