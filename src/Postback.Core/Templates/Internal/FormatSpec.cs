using System;
using System.Globalization;

namespace Postback.Internal;

/// <summary>
/// Catches format typos that .NET would accept. Custom .NET formats copy any character they do not know, so
/// <c>#et:iso#</c> renders "i0o" and <c>#sa:unix#</c> renders "unix". A letter that is neither a specifier nor
/// quoted or escaped is almost always a typo, and is refused at parse time.
/// </summary>
internal static class FormatSpec
{
    /// <summary>The format that writes a value unencoded.</summary>
    public const string Raw = "raw";

    /// <summary>The format that writes a date as Unix seconds.</summary>
    public const string Unix = "unix";

    /// <summary>The format that writes a date as Unix milliseconds.</summary>
    public const string UnixMilliseconds = "unixms";

    /// <summary>The longest text a format may produce for any value: the renderer formats into this much scratch space.</summary>
    public const int MaxOutputLength = 256;

    private const string DateSpecifiers = "dfFghHKmMstyz";

    // The decimal with the most digits after the point: -7.9228162514264337593543950335.
    private static readonly decimal SmallestFraction = new(-1, -1, -1, isNegative: true, scale: 28);

    private enum FormatCheck
    {
        Works,
        DoesNotFit,
        TooLong,
    }
    private const string NumberSpecifiers = "Ee";

    public static bool HasNoStrayLetters(ReadOnlySpan<char> spec, MacroValueType type)
    {
        // Standard formats: one letter for dates ("O", "s", "u"), a letter and an optional precision for numbers ("N2", "F").
        if (spec.Length == 1 || (type == MacroValueType.Decimal && char.IsAsciiLetter(spec[0]) && !spec[1..].ContainsAnyExceptInRange('0', '9')))
        {
            return true;
        }

        var specifiers = type == MacroValueType.DateTime ? DateSpecifiers : NumberSpecifiers;
        for (var i = 0; i < spec.Length; i++)
        {
            var c = spec[i];
            if (c is '\'' or '"')
            {
                var close = spec[(i + 1)..].IndexOf(c);
                if (close < 0)
                {
                    return false;
                }

                i += close + 1;
            }
            else if (c == '\\')
            {
                i++;
            }
            else if (char.IsAsciiLetter(c) && !specifiers.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads a macro's <c>:format</c>: raw, unix, unixms, or a .NET format that fits the macro's value type.</summary>
    public static MacroFormat Resolve(
        string text,
        int start,
        in MacroReader.Parts macro,
        MacroDefinition? definition,
        MacroSyntax syntax,
        out string? format,
        out PostbackTemplateError? error)
    {
        format = null;
        error = null;
        if (macro.FormatLength < 0)
        {
            return MacroFormat.Default;
        }

        var spec = text.AsSpan(macro.FormatStart, macro.FormatLength);
        if (spec.Equals(Raw, StringComparison.OrdinalIgnoreCase))
        {
            return MacroFormat.Raw;
        }

        var type = definition?.ValueType ?? MacroValueType.Text;
        switch (type)
        {
            case MacroValueType.DateTime when spec.Equals(Unix, StringComparison.OrdinalIgnoreCase):
                return MacroFormat.Unix;
            case MacroValueType.DateTime when spec.Equals(UnixMilliseconds, StringComparison.OrdinalIgnoreCase):
                return MacroFormat.UnixMilliseconds;
            case MacroValueType.DateTime or MacroValueType.Decimal:
                var check = Check(spec, type);
                if (check == FormatCheck.Works)
                {
                    format = spec.ToString();
                    return MacroFormat.Custom;
                }

                error = TemplateParseErrors.InvalidFormat(text, start, macro, spec, type, syntax, tooLong: check == FormatCheck.TooLong);
                return MacroFormat.Default;
        }

        error = TemplateParseErrors.InvalidFormat(text, start, macro, spec, type, syntax, tooLong: false);
        return MacroFormat.Default;
    }

    /// <summary>
    /// Tries a format once here, so it can never fail at render time. .NET copies unknown characters through, so "0.00"
    /// is a "valid" date format and "yyyy" a "valid" number format: a format whose output does not change with the
    /// value does not fit the field. And every value must fit in <see cref="MaxOutputLength"/> characters: the format
    /// is tried on the extreme values (the largest and smallest decimals and integers, the first and last dates), so
    /// "N240" is refused here rather than rendering nothing for <see cref="decimal.MaxValue"/>.
    /// </summary>
    private static FormatCheck Check(ReadOnlySpan<char> spec, MacroValueType type)
    {
        // A standard format's precision ("N999999999") is checked before anything is formatted: .NET would build the
        // whole text, gigabytes of zeros, before finding that it does not fit.
        if (spec.Length > 1 && char.IsAsciiLetter(spec[0]) && !spec[1..].ContainsAnyExceptInRange('0', '9')
            && (spec.Length > 4 || int.Parse(spec[1..], CultureInfo.InvariantCulture) > MaxOutputLength))
        {
            return FormatCheck.TooLong;
        }

        Span<char> first = stackalloc char[MaxOutputLength];
        Span<char> second = stackalloc char[MaxOutputLength];
        try
        {
            int a, b;
            var formatted = type == MacroValueType.Decimal
                ? 1234.5678m.TryFormat(first, out a, spec, CultureInfo.InvariantCulture) & 9876.1m.TryFormat(second, out b, spec, CultureInfo.InvariantCulture)
                : new DateTime(2026, 12, 31, 23, 59, 58, 999, DateTimeKind.Utc).TryFormat(first, out a, spec, CultureInfo.InvariantCulture)
                  & new DateTime(2001, 2, 3, 4, 5, 6, 7, DateTimeKind.Utc).TryFormat(second, out b, spec, CultureInfo.InvariantCulture);
            if (!formatted)
            {
                return FormatCheck.TooLong;
            }

            if (a == 0 || first[..a].SequenceEqual(second[..b]) || !HasNoStrayLetters(spec, type))
            {
                return FormatCheck.DoesNotFit;
            }

            return FitsExtremes(spec, type, first) ? FormatCheck.Works : FormatCheck.TooLong;
        }
        catch (FormatException)
        {
            return FormatCheck.DoesNotFit;
        }
    }

    private static bool FitsExtremes(ReadOnlySpan<char> spec, MacroValueType type, Span<char> buffer)
    {
        if (type == MacroValueType.Decimal)
        {
            // A number macro's value may come as a decimal or as an integer (PostbackValue.FromInt64).
            return decimal.MaxValue.TryFormat(buffer, out _, spec, CultureInfo.InvariantCulture)
                && decimal.MinValue.TryFormat(buffer, out _, spec, CultureInfo.InvariantCulture)
                && SmallestFraction.TryFormat(buffer, out _, spec, CultureInfo.InvariantCulture)
                && long.MaxValue.TryFormat(buffer, out _, spec, CultureInfo.InvariantCulture)
                && long.MinValue.TryFormat(buffer, out _, spec, CultureInfo.InvariantCulture);
        }

        // Dates render in UTC, from DateTimeOffset.MinValue to DateTimeOffset.MaxValue.
        return DateTimeOffset.MinValue.UtcDateTime.TryFormat(buffer, out _, spec, CultureInfo.InvariantCulture)
            && DateTimeOffset.MaxValue.UtcDateTime.TryFormat(buffer, out _, spec, CultureInfo.InvariantCulture);
    }

    /// <summary>The name of a parsed format, as <see cref="PostbackMacroReference.Format"/> shows it.</summary>
    public static string? NameOf(MacroFormat kind, string? custom) => kind switch
    {
        MacroFormat.Custom => custom,
        MacroFormat.Unix => Unix,
        MacroFormat.UnixMilliseconds => UnixMilliseconds,
        MacroFormat.Raw => Raw,
        _ => null,
    };
}
