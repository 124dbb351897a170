using System;
using System.Globalization;

namespace Postback.Cli.Shell;

/// <summary>
/// Parses the times and ages operators type: <c>90s</c>, <c>30m</c>, <c>12h</c>, <c>7d</c>, or a .NET time span
/// (<c>7.00:00:00</c>); and points in time as ISO 8601 (<c>2026-11-26T09:00:00Z</c>) or as an age (<c>2h</c> = two hours ago).
/// </summary>
internal static class Durations
{
    public static bool TryParseAge(string? text, out TimeSpan age)
    {
        age = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text == "0")
        {
            return true;
        }

        var unit = char.ToLowerInvariant(text[^1]);
        if (unit is 's' or 'm' or 'h' or 'd' && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
        {
            age = unit switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out age) && age >= TimeSpan.Zero;
    }

    /// <summary>An absolute time, or an age before <paramref name="now"/>.</summary>
    public static DateTimeOffset ParsePointInTime(string text, DateTimeOffset now, string option)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time;
        }

        if (TryParseAge(text, out var age))
        {
            return now - age;
        }

        throw new UsageException($"{option} '{text}' is neither an ISO 8601 time (2026-11-26T09:00:00Z) nor an age such as 90m, 2h or 7d.");
    }

    /// <summary>A short, readable span: 850 ms, 12.3 s, 4m 05s, 3h 10m, 2d 4h.</summary>
    public static string Format(TimeSpan span)
    {
        if (span < TimeSpan.FromSeconds(1))
        {
            return ((int)span.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms";
        }

        if (span < TimeSpan.FromMinutes(1))
        {
            return span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
        }

        if (span < TimeSpan.FromHours(1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m {span.Seconds:00}s");
        }

        return span < TimeSpan.FromDays(1)
            ? string.Create(CultureInfo.InvariantCulture, $"{span.Hours}h {span.Minutes:00}m")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays}d {span.Hours}h");
    }

    /// <summary>An instant in UTC, to the second, as logs write it.</summary>
    public static string Format(DateTimeOffset? time) =>
        time is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";
}
