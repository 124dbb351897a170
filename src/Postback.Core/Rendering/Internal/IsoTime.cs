using System;

namespace Postback.Internal;

/// <summary>Writes <c>yyyy-MM-ddTHH:mm:ssZ</c> for a UTC time, digit by digit, optionally with the colons percent-encoded.</summary>
internal static class IsoTime
{
    public const int Length = 20;

    public const int EscapedLength = 24;

    /// <summary>Writes the time; the caller guarantees room for <see cref="Length"/> or <see cref="EscapedLength"/> characters.</summary>
    public static int Write(DateTime utc, Span<char> destination, bool escapeColons)
    {
        var i = 0;
        Digits4(utc.Year, destination, ref i);
        destination[i++] = '-';
        Digits2(utc.Month, destination, ref i);
        destination[i++] = '-';
        Digits2(utc.Day, destination, ref i);
        destination[i++] = 'T';
        Digits2(utc.Hour, destination, ref i);
        Colon(destination, ref i, escapeColons);
        Digits2(utc.Minute, destination, ref i);
        Colon(destination, ref i, escapeColons);
        Digits2(utc.Second, destination, ref i);
        destination[i++] = 'Z';
        return i;
    }

    private static void Colon(Span<char> destination, ref int i, bool escape)
    {
        if (escape)
        {
            destination[i++] = '%';
            destination[i++] = '3';
            destination[i++] = 'A';
        }
        else
        {
            destination[i++] = ':';
        }
    }

    private static void Digits2(int value, Span<char> destination, ref int i)
    {
        destination[i++] = (char)('0' + (value / 10));
        destination[i++] = (char)('0' + (value % 10));
    }

    private static void Digits4(int value, Span<char> destination, ref int i)
    {
        Digits2(value / 100, destination, ref i);
        Digits2(value % 100, destination, ref i);
    }
}
