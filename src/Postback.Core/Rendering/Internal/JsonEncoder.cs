using System;
using System.Buffers;

namespace Postback.Internal;

/// <summary>Places a value in a JSON body: escaped inside a string, quoted outside one, or as a number when it is one.</summary>
internal static class JsonEncoder
{
    // What must be escaped inside a JSON string: the quote, the backslash, C0 controls, and surrogates (to find
    // unpaired ones; a well-formed pair is copied as it is).
    private static readonly SearchValues<char> JsonSpecial = SearchValues.Create(BuildJsonSpecial());

    /// <summary>Escapes text for the inside of a JSON string (RFC 8259). An unpaired surrogate becomes U+FFFD.</summary>
    public static bool TryJsonEscape(ReadOnlySpan<char> value, Span<char> destination, ref int written)
    {
        while (!value.IsEmpty)
        {
            if (!ValueEncoder.TryCopyRun(ref value, value.IndexOfAny(JsonSpecial), destination, ref written))
            {
                return false;
            }

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
                '"' => ValueEncoder.TryWrite('\\', '"', destination, ref written),
                '\\' => ValueEncoder.TryWrite('\\', '\\', destination, ref written),
                '\n' => ValueEncoder.TryWrite('\\', 'n', destination, ref written),
                '\r' => ValueEncoder.TryWrite('\\', 'r', destination, ref written),
                '\t' => ValueEncoder.TryWrite('\\', 't', destination, ref written),
                '\b' => ValueEncoder.TryWrite('\\', 'b', destination, ref written),
                '\f' => ValueEncoder.TryWrite('\\', 'f', destination, ref written),
                _ when char.IsSurrogate(c) => ValueEncoder.TryWrite('\uFFFD', destination, ref written),
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
        if (ValueEncoder.TryWrite('"', destination, ref written) && TryJsonEscape(value, destination, ref written) && ValueEncoder.TryWrite('"', destination, ref written))
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

        // No leading zeros: "0" stands alone.
        if (text[i] == '0')
        {
            i++;
        }
        else
        {
            SkipDigits(text, ref i);
        }

        // A fraction and an exponent each need at least one digit.
        if (i < text.Length && text[i] == '.')
        {
            i++;
            if (SkipDigits(text, ref i) == 0)
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

            if (SkipDigits(text, ref i) == 0)
            {
                return false;
            }
        }

        return i == text.Length;
    }

    /// <summary>Moves past a run of ASCII digits and returns how many there were.</summary>
    private static int SkipDigits(ReadOnlySpan<char> text, ref int i)
    {
        var start = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        return i - start;
    }

    private static bool TryWriteUnicodeEscape(char c, Span<char> destination, ref int written)
    {
        if (destination.Length - written < 6)
        {
            return false;
        }

        destination[written] = '\\';
        destination[written + 1] = 'u';
        destination[written + 2] = ValueEncoder.UpperHex[(c >> 12) & 0xF];
        destination[written + 3] = ValueEncoder.UpperHex[(c >> 8) & 0xF];
        destination[written + 4] = ValueEncoder.UpperHex[(c >> 4) & 0xF];
        destination[written + 5] = ValueEncoder.UpperHex[c & 0xF];
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
