using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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

    public const string UpperHex = "0123456789ABCDEF";

    // The same digits as bytes: a ReadOnlySpan over constant data, which indexes without loading a string first.
    private static ReadOnlySpan<byte> UpperHexDigits => "0123456789ABCDEF"u8;


    public static bool IsValidRaw(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(RawSafe);

    /// <summary>Percent-encodes UTF-8 as RFC 3986 asks (uppercase hex, unreserved characters kept); with <paramref name="form"/>, as a form body.</summary>
    /// <remarks>An unpaired surrogate cannot be UTF-8; it becomes U+FFFD (<c>%EF%BF%BD</c>), as with <see cref="Uri.EscapeDataString(string)"/>.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryPercentEncode(ReadOnlySpan<char> value, Span<char> destination, ref int written, bool form = false)
    {
        // Most ids need no encoding at all: one vectorized scan, then one copy. The loop below handles the rest.
        var first = value.IndexOfAnyExcept(form ? FormSafe : Unreserved);
        return first < 0 ? TryWrite(value, destination, ref written) : TryPercentEncodeFrom(value, first, destination, ref written, form);
    }

    /// <summary>Percent-encodes like <see cref="TryPercentEncode"/>, at the start of <paramref name="destination"/>.</summary>
    /// <returns>The number of characters written, or -1 when <paramref name="destination"/> is too small.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PercentEncode(ReadOnlySpan<char> value, Span<char> destination, bool form = false)
    {
        var first = NextEscape(value, form);
        if (first < 0)
        {
            if (value.Length > destination.Length)
            {
                return -1;
            }

            // Copied without a call: ids are short, and a call costs the render loop its registers.
            LiteralCopy.Copy(ref MemoryMarshal.GetReference(value), ref MemoryMarshal.GetReference(destination), value.Length);
            return value.Length;
        }

        var written = 0;
        return TryPercentEncodeFrom(value, first, destination, ref written, form) ? written : -1;
    }

    /// <summary>Percent-encodes a value whose first character needing encoding is at <paramref name="first"/>.</summary>
    private static bool TryPercentEncodeFrom(ReadOnlySpan<char> value, int first, Span<char> destination, ref int written, bool form)
    {
        Span<byte> utf8 = stackalloc byte[4];
        var run = first;
        while (!value.IsEmpty)
        {
            // Copy the run that needs no encoding in one go.
            if (!TryCopyRun(ref value, run, destination, ref written))
            {
                return false;
            }

            if (value.IsEmpty)
            {
                break;
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
                run = NextEscape(value, form);
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
                if (!TryWriteEscapedByte(utf8[i], destination, ref written))
                {
                    return false;
                }
            }

            value = value[consumed..];
            run = NextEscape(value, form);
        }

        return true;
    }

    // Each branch names its static readonly SearchValues, so the JIT knows the exact type and inlines the scan; through
    // a variable holding either one it makes a virtual call per run instead.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextEscape(ReadOnlySpan<char> value, bool form) =>
        form ? value.IndexOfAnyExcept(FormSafe) : value.IndexOfAnyExcept(Unreserved);

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

    public static bool TryWrite(char a, char b, Span<char> destination, ref int written)
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
        destination[written + 1] = (char)UpperHexDigits[b >> 4];
        destination[written + 2] = (char)UpperHexDigits[b & 0xF];
        written += 3;
        return true;
    }

    /// <summary>Copies the first <paramref name="run"/> characters (all of them when it is negative) and moves past them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryCopyRun(ref ReadOnlySpan<char> value, int run, Span<char> destination, ref int written)
    {
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
        return true;
    }
}
