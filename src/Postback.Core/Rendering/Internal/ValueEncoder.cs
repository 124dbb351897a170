using System;
using System.Buffers;
using System.Text;

namespace Postback.Internal;

/// <summary>
/// The encoders that place an untrusted value in a template. Each one writes into a span and reports
/// <see langword="false"/> when the span is too small, so rendering can grow its buffer and try again; none allocates.
/// </summary>
internal static class ValueEncoder
{
    // RFC 3986 section 2.3, exactly: everything else is percent-encoded, which is what Uri.EscapeDataString does.
    private static readonly SearchValues<char> Unreserved =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");

    // The WHATWG application/x-www-form-urlencoded byte serializer leaves these alone and turns space into '+'.
    private static readonly SearchValues<char> FormSafe =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._");

    // Unreserved plus reserved (RFC 3986 section 2.2) plus '%': what a raw value may contain. Anything else (space,
    // controls, non-ASCII, " < > \ ^ ` { | }) is never valid unencoded in a URL, so a raw value holding it fails.
    private static readonly SearchValues<char> RawSafe =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%");

    private static readonly SearchValues<char> HostChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.");

    // What must be escaped inside a JSON string: the quote, the backslash, C0 controls, and surrogates (to find
    // unpaired ones; a well-formed pair is copied as it is).
    private static readonly SearchValues<char> JsonSpecial = SearchValues.Create(BuildJsonSpecial());

    private const string UpperHex = "0123456789ABCDEF";

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    public static bool IsUnreserved(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(Unreserved);

    public static bool IsValidRaw(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(RawSafe);

    public static bool IsHostText(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(HostChars);

    /// <summary>Percent-encodes UTF-8 as RFC 3986 asks (uppercase hex, unreserved characters kept); with <paramref name="form"/>, as a form body.</summary>
    /// <remarks>An unpaired surrogate cannot be UTF-8; it becomes U+FFFD (<c>%EF%BF%BD</c>), as with <see cref="Uri.EscapeDataString(string)"/>.</remarks>
    public static bool TryPercentEncode(ReadOnlySpan<char> value, Span<char> destination, ref int written, bool form)
    {
        var safe = form ? FormSafe : Unreserved;
        Span<byte> utf8 = stackalloc byte[4];
        while (!value.IsEmpty)
        {
            // Copy the run that needs no encoding in one go: most ids are entirely unreserved.
            var run = value.IndexOfAnyExcept(safe);
            if (run < 0)
            {
                run = value.Length;
            }

            if (run > 0)
            {
                if (!value[..run].TryCopyTo(destination[written..]))
                {
                    return false;
                }

                written += run;
                value = value[run..];
                if (value.IsEmpty)
                {
                    break;
                }
            }

            var c = value[0];
            if (c < 0x80)
            {
                if (form && c == ' ')
                {
                    if (!TryWrite('+', destination, ref written))
                    {
                        return false;
                    }
                }
                else if (!TryWriteEscapedByte((byte)c, destination, ref written))
                {
                    return false;
                }

                value = value[1..];
                continue;
            }

            if (Rune.DecodeFromUtf16(value, out var rune, out var consumed) != OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
                consumed = 1;
            }

            var length = rune.EncodeToUtf8(utf8);
            if (destination.Length - written < length * 3)
            {
                return false;
            }

            for (var i = 0; i < length; i++)
            {
                TryWriteEscapedByte(utf8[i], destination, ref written);
            }

            value = value[consumed..];
        }

        return true;
    }

    /// <summary>Escapes text for the inside of a JSON string (RFC 8259). An unpaired surrogate becomes U+FFFD.</summary>
    public static bool TryJsonEscape(ReadOnlySpan<char> value, Span<char> destination, ref int written)
    {
        while (!value.IsEmpty)
        {
            var run = value.IndexOfAny(JsonSpecial);
            if (run < 0)
            {
                run = value.Length;
            }

            if (!value[..run].TryCopyTo(destination[written..]))
            {
                return false;
            }

            written += run;
            value = value[run..];
            if (value.IsEmpty)
            {
                break;
            }

            var c = value[0];
            if (char.IsHighSurrogate(c) && value.Length > 1 && char.IsLowSurrogate(value[1]))
            {
                if (!value[..2].TryCopyTo(destination[written..]))
                {
                    return false;
                }

                written += 2;
                value = value[2..];
                continue;
            }

            var ok = c switch
            {
                '"' => TryWrite('\\', '"', destination, ref written),
                '\\' => TryWrite('\\', '\\', destination, ref written),
                '\n' => TryWrite('\\', 'n', destination, ref written),
                '\r' => TryWrite('\\', 'r', destination, ref written),
                '\t' => TryWrite('\\', 't', destination, ref written),
                '\b' => TryWrite('\\', 'b', destination, ref written),
                '\f' => TryWrite('\\', 'f', destination, ref written),
                _ when char.IsSurrogate(c) => TryWrite('\uFFFD', destination, ref written),
                _ => TryWriteUnicodeEscape(c, destination, ref written),
            };
            if (!ok)
            {
                return false;
            }

            value = value[1..];
        }

        return true;
    }

    /// <summary>Writes a complete JSON string: quotes and escaped text.</summary>
    public static bool TryJsonQuote(ReadOnlySpan<char> value, Span<char> destination, ref int written)
    {
        var start = written;
        if (TryWrite('"', destination, ref written) && TryJsonEscape(value, destination, ref written) && TryWrite('"', destination, ref written))
        {
            return true;
        }

        written = start;
        return false;
    }

    /// <summary>RFC 8259 number grammar: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>.</summary>
    public static bool IsJsonNumber(ReadOnlySpan<char> text)
    {
        var i = 0;
        if (i < text.Length && text[i] == '-')
        {
            i++;
        }

        if (i >= text.Length || !char.IsAsciiDigit(text[i]))
        {
            return false;
        }

        if (text[i] == '0')
        {
            i++;
        }
        else
        {
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        if (i < text.Length && text[i] == '.')
        {
            i++;
            var digits = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == digits)
            {
                return false;
            }
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            var digits = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == digits)
            {
                return false;
            }
        }

        return i == text.Length;
    }

    /// <summary>
    /// A DNS host name as a URL may carry it: 1 to 253 characters (a trailing dot allowed), labels of 1 to 63
    /// letters, digits and hyphens that neither start nor end with a hyphen. An IPv4 address passes too; where
    /// requests may go is the delivery guard's decision, not the template's.
    /// </summary>
    public static bool IsValidHostName(ReadOnlySpan<char> host)
    {
        if (host.Length > 0 && host[^1] == '.')
        {
            host = host[..^1];
        }

        if (host.IsEmpty || host.Length > 253 || !IsHostText(host))
        {
            return false;
        }

        var labels = 0;
        var lastLabel = default(Range);
        foreach (var range in host.Split('.'))
        {
            var label = host[range];
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            labels++;
            lastLabel = range;
        }

        // URL parsers read a host whose last label is a number ("1", "0x7f", "2130706433") as an IPv4 address in
        // any of several notations: "0x7f.1" is 127.0.0.1 and "010.0.0.1" is 8.0.0.1. Such a host is accepted only
        // as a canonical dotted quad, so it means what it says.
        return !LooksNumeric(host[lastLabel]) || IsCanonicalIPv4(host, labels);
    }

    /// <summary>Whether a rendered path holds a '.' or '..' segment, percent-encoded or not.</summary>
    public static bool HasDotSegment(ReadOnlySpan<char> path)
    {
        foreach (var range in path.Split('/'))
        {
            var segment = path[range];
            var dots = 0;
            var i = 0;
            while (i < segment.Length)
            {
                if (segment[i] == '.')
                {
                    i++;
                }
                else if (segment.Length - i >= 3 && segment[i] == '%' && segment[i + 1] == '2' && segment[i + 2] is 'e' or 'E')
                {
                    i += 3;
                }
                else
                {
                    break;
                }

                dots++;
            }

            if (i == segment.Length && dots is 1 or 2)
            {
                return true;
            }
        }

        return false;
    }

    private static bool LooksNumeric(ReadOnlySpan<char> label) =>
        !label.ContainsAnyExceptInRange('0', '9')
        || (label.Length >= 2 && label[0] == '0' && label[1] is 'x' or 'X' && !label[2..].ContainsAnyExcept(HexDigits));

    private static bool IsCanonicalIPv4(ReadOnlySpan<char> host, int labels)
    {
        if (labels != 4)
        {
            return false;
        }

        foreach (var range in host.Split('.'))
        {
            var octet = host[range];
            if (octet.Length > 3 || octet.ContainsAnyExceptInRange('0', '9') || (octet.Length > 1 && octet[0] == '0') || int.Parse(octet, provider: System.Globalization.CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A port: digits only, at most 65535; empty is allowed, as RFC 3986 allows it.</summary>
    public static bool IsValidPort(ReadOnlySpan<char> port) =>
        port.IsEmpty || (port.Length <= 5 && !port.ContainsAnyExceptInRange('0', '9') && int.Parse(port, provider: null) <= 65535);

    public static bool TryWrite(char c, Span<char> destination, ref int written)
    {
        if ((uint)written >= (uint)destination.Length)
        {
            return false;
        }

        destination[written++] = c;
        return true;
    }

    public static bool TryWrite(ReadOnlySpan<char> text, Span<char> destination, ref int written)
    {
        if (!text.TryCopyTo(destination[written..]))
        {
            return false;
        }

        written += text.Length;
        return true;
    }

    private static bool TryWrite(char a, char b, Span<char> destination, ref int written)
    {
        if (destination.Length - written < 2)
        {
            return false;
        }

        destination[written] = a;
        destination[written + 1] = b;
        written += 2;
        return true;
    }

    private static bool TryWriteEscapedByte(byte b, Span<char> destination, ref int written)
    {
        if (destination.Length - written < 3)
        {
            return false;
        }

        destination[written] = '%';
        destination[written + 1] = UpperHex[b >> 4];
        destination[written + 2] = UpperHex[b & 0xF];
        written += 3;
        return true;
    }

    private static bool TryWriteUnicodeEscape(char c, Span<char> destination, ref int written)
    {
        if (destination.Length - written < 6)
        {
            return false;
        }

        destination[written] = '\\';
        destination[written + 1] = 'u';
        destination[written + 2] = UpperHex[(c >> 12) & 0xF];
        destination[written + 3] = UpperHex[(c >> 8) & 0xF];
        destination[written + 4] = UpperHex[(c >> 4) & 0xF];
        destination[written + 5] = UpperHex[c & 0xF];
        written += 6;
        return true;
    }

    private static string BuildJsonSpecial()
    {
        var chars = new char[32 + 2 + 0x800];
        var n = 0;
        for (var c = '\0'; c < ' '; c++)
        {
            chars[n++] = c;
        }

        chars[n++] = '"';
        chars[n++] = '\\';
        for (var c = '\uD800'; c <= '\uDFFF'; c++)
        {
            chars[n++] = c;
        }

        return new string(chars, 0, n);
    }
}
