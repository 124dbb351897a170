using System;
using System.Buffers;

namespace Postback.Internal;

/// <summary>The grammar of a macro name: a letter or <c>_</c>, then letters, digits, <c>_</c>, <c>-</c> or <c>.</c>.</summary>
internal static class MacroName
{
    public const int MaxLength = 64;

    private static readonly SearchValues<char> Tail =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.");

    public static bool IsStart(char c) => char.IsAsciiLetter(c) || c == '_';

    /// <summary>Returns the length of the name at the start of <paramref name="text"/>: 0 when there is none or it is too long.</summary>
    public static int Scan(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || !IsStart(text[0]))
        {
            return 0;
        }

        var end = text[1..].IndexOfAnyExcept(Tail);
        var length = end < 0 ? text.Length : end + 1;
        return length <= MaxLength ? length : 0;
    }

    public static bool IsValid(ReadOnlySpan<char> name) => name.Length > 0 && Scan(name) == name.Length;
}
