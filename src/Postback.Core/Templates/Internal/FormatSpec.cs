using System;

namespace Postback.Internal;

/// <summary>
/// Catches format typos that .NET would accept. Custom .NET formats copy any character they do not know, so
/// <c>#et:iso#</c> renders "i0o" and <c>#sa:unix#</c> renders "unix". A letter that is neither a specifier nor
/// quoted or escaped is almost always a typo, and is refused at parse time.
/// </summary>
internal static class FormatSpec
{
    private const string DateSpecifiers = "dfFghHKmMstyz";
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
}
