using System;
using System.Buffers;

namespace Postback.Internal;

/// <summary>What an endpoint's configured headers may be: safe to put on the wire as they are.</summary>
internal static class HeaderRules
{
    // RFC 9110 token characters.
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    // Headers the transport or the library owns. Letting configuration set them would allow request smuggling
    // (Content-Length, Transfer-Encoding), virtual-host games (Host) or a forged idempotency key.
    private static readonly string[] Reserved =
        ["Host", "Content-Length", "Transfer-Encoding", "Connection", "Content-Type", "Upgrade", "TE", "Trailer", "Keep-Alive", "Proxy-Connection"];

    public static string? Check(string? name, string? value, string? idempotencyHeader = null)
    {
        if (string.IsNullOrEmpty(name) || name.AsSpan().ContainsAnyExcept(TokenChars))
        {
            return $"the header name '{Printable(name)}' is not a valid HTTP token.";
        }

        foreach (var reserved in Reserved)
        {
            if (name.Equals(reserved, StringComparison.OrdinalIgnoreCase))
            {
                return $"the header '{name}' is reserved and cannot be set by configuration.";
            }
        }

        if (idempotencyHeader is not null && name.Equals(idempotencyHeader, StringComparison.OrdinalIgnoreCase))
        {
            return $"the header '{name}' carries the idempotency key and cannot be set by configuration.";
        }

        if (value is null || value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            return $"the value of header '{name}' is missing or holds CR, LF or NUL.";
        }

        return null;
    }

    /// <summary>Headers that describe a body: they can only be sent with one.</summary>
    public static bool IsContentHeader(string name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Expires", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Last-Modified", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Allow", StringComparison.OrdinalIgnoreCase);

    public static bool IsToken(string? name) => !string.IsNullOrEmpty(name) && !name.AsSpan().ContainsAnyExcept(TokenChars);

    private static string Printable(string? text) =>
        text is null ? "(null)" : text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
