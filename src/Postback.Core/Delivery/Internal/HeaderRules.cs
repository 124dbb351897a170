using System;
using System.Buffers;

namespace Postback.Internal;

/// <summary>What an endpoint's configured headers may be: safe to put on the wire as they are.</summary>
internal static class HeaderRules
{
    // RFC 9110 token characters.
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    // RFC 9110 field values as sent without encoding: visible ASCII, space and horizontal tab. Anything else either
    // fails when the request is written (non-ASCII) or is a control character a partner's parser may mishandle.
    private static readonly SearchValues<char> ValueChars = SearchValues.Create(
        "\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

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

        if (IsReserved(name))
        {
            return $"the header '{name}' is reserved and cannot be set by configuration.";
        }

        if (idempotencyHeader is not null && name.Equals(idempotencyHeader, StringComparison.OrdinalIgnoreCase))
        {
            return $"the header '{name}' carries the idempotency key and cannot be set by configuration.";
        }

        if (value is null || value.AsSpan().ContainsAnyExcept(ValueChars))
        {
            return $"the value of header '{name}' is missing or holds a character other than visible ASCII, space and tab (control characters, CR, LF and non-ASCII text cannot be sent as they are).";
        }

        return null;
    }

    /// <summary>Checks the name of the header that carries the idempotency key: a token that neither the transport nor a body owns.</summary>
    public static string? CheckIdempotencyHeaderName(string? name)
    {
        if (!IsToken(name))
        {
            return "is not a valid HTTP header name (an RFC 9110 token).";
        }

        if (IsReserved(name!) || IsContentHeader(name!) || name!.Equals("Expect", StringComparison.OrdinalIgnoreCase))
        {
            return "is a header the transport or the body owns; choose another name, such as Idempotency-Key.";
        }

        return null;
    }

    /// <summary>Headers that describe a body: they can only be sent with one.</summary>
    public static bool IsContentHeader(string name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Expires", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Last-Modified", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Allow", StringComparison.OrdinalIgnoreCase);

    private static bool IsReserved(string name)
    {
        foreach (var reserved in Reserved)
        {
            if (name.Equals(reserved, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsToken(string? name) => !string.IsNullOrEmpty(name) && !name.AsSpan().ContainsAnyExcept(TokenChars);

    private static string Printable(string? text) =>
        text is null ? "(null)" : text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
