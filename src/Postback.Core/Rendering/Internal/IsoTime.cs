using System;

namespace Postback.Internal;

/// <summary>Writes <c>yyyy-MM-ddTHH:mm:ssZ</c> for a UTC time, digit by digit, optionally with the colons percent-encoded.</summary>
internal static class IsoTime
{
    public const int Length = 20;

    public const int EscapedLength = 24;

    /// <summary>Writes the time; the caller guarantees room for <see cref="Length"/> or <see cref="EscapedLength"/> characters.</summary>
    public static int Write(DateTime utc, Span<char> destination, bool escapeColons) =>
        escapeColons ? WriteEscaped(utc.Ticks, destination) : WriteUnescaped(utc.Ticks, destination);

    /// <summary>Writes <c>yyyy-MM-ddTHH%3Amm%3AssZ</c> from UTC ticks; the caller guarantees <see cref="EscapedLength"/> characters.</summary>
    public static int WriteEscaped(long utcTicks, Span<char> destination)
    {
        // One bounds check for all 24 writes; the date is computed once (DateTime.Year, .Month and .Day each compute it again).
        var d = destination[..EscapedLength];
        new DateTime(utcTicks).Deconstruct(out int year, out int month, out int day);
        var seconds = (int)((ulong)utcTicks / TimeSpan.TicksPerSecond % 86400);
        WriteDate(d, year, month, day);
        var minutes = (uint)seconds / 60;
        Two(d, 11, minutes / 60);
        d[13] = '%';
        d[14] = '3';
        d[15] = 'A';
        Two(d, 16, minutes % 60);
        d[18] = '%';
        d[19] = '3';
        d[20] = 'A';
        Two(d, 21, (uint)seconds % 60);
        d[23] = 'Z';
        return EscapedLength;
    }

    /// <summary>Writes <c>yyyy-MM-ddTHH:mm:ssZ</c> from UTC ticks; the caller guarantees <see cref="Length"/> characters.</summary>
    public static int WriteUnescaped(long utcTicks, Span<char> destination)
    {
        var d = destination[..Length];
        new DateTime(utcTicks).Deconstruct(out int year, out int month, out int day);
        var seconds = (int)((ulong)utcTicks / TimeSpan.TicksPerSecond % 86400);
        WriteDate(d, year, month, day);
        var minutes = (uint)seconds / 60;
        Two(d, 11, minutes / 60);
        d[13] = ':';
        Two(d, 14, minutes % 60);
        d[16] = ':';
        Two(d, 17, (uint)seconds % 60);
        d[19] = 'Z';
        return Length;
    }

    private static void WriteDate(Span<char> d, int year, int month, int day)
    {
        Two(d, 0, (uint)year / 100);
        Two(d, 2, (uint)year % 100);
        d[4] = '-';
        Two(d, 5, (uint)month);
        d[7] = '-';
        Two(d, 8, (uint)day);
        d[10] = 'T';
    }

    private static void Two(Span<char> d, int at, uint value)
    {
        var tens = value / 10;
        d[at] = (char)('0' + tens);
        d[at + 1] = (char)('0' + (value - (tens * 10)));
    }
}
