using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

// As in the library: stackalloc'd buffers are fully written before they are read, so zeroing them is waste.
[module: SkipLocalsInit]

namespace Postback.Benchmarks;

/// <summary>
/// The practical optimum: code written by hand for exactly one template, with no parsing, no lookups and no
/// intermediate strings. Values are percent-encoded straight into the destination (a vectorized scan and one copy
/// when nothing needs escaping, as <see cref="Uri.TryEscapeDataString(ReadOnlySpan{char}, Span{char}, out int)"/> does, and
/// an escaping loop without its temporary buffer otherwise), decimals formatted there with <see cref="decimal.TryFormat(Span{char}, out int, ReadOnlySpan{char}, IFormatProvider?)"/>,
/// and the event time written there digit pair by digit pair with its colons already escaped (measured against the "s" pattern with the colons escaped in place: <see cref="TimeFormatBenchmarks"/>).
/// </summary>
internal static class HandWrittenRenderer
{
    private const int StackLength = 1024;

    // "yyyy-MM-ddTHH%3Amm%3AssZ": 19 characters of the "s" pattern, 2 x 2 for the escaped colons, 1 for 'Z'.
    private const int EscapedTimeLength = 24;

    private static readonly SearchValues<char> Unreserved =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");

    internal delegate bool SpanRenderer(PostbackTransaction tx, Span<char> destination, out int written);

    public static bool TryWrite(TemplateCase templateCase, PostbackTransaction tx, Span<char> destination, out int written) =>
        templateCase == TemplateCase.FlexOffers
            ? TryWriteFlexOffers(tx, destination, out written)
            : TryWriteLong(tx, destination, out written);

    /// <summary>Renders on the stack, then makes the string: one allocation, one extra copy.</summary>
    public static string Render(TemplateCase templateCase, PostbackTransaction tx)
    {
        Span<char> buffer = stackalloc char[StackLength];
        if (templateCase == TemplateCase.FlexOffers)
        {
            return TryWriteFlexOffers(tx, buffer, out var n) ? new string(buffer[..n]) : RenderPooled(tx, TryWriteFlexOffers);
        }

        return TryWriteLong(tx, buffer, out var m) ? new string(buffer[..m]) : RenderPooled(tx, TryWriteLong);
    }

    /// <summary>Computes the exact length first, then writes straight into the string: one allocation, no copy, two passes over each value.</summary>
    public static string RenderExactLength(TemplateCase templateCase, PostbackTransaction tx) =>
        templateCase == TemplateCase.FlexOffers ? CreateFlexOffers(tx) : CreateLong(tx);

    // http://yourdomain.com/pixel.track?sid=#fobs#&orderid=#on#&amount=#sa#&commission=#ca#&date=#et#
    public static bool TryWriteFlexOffers(PostbackTransaction tx, Span<char> destination, out int written)
    {
        var pos = 0;
        if (Literal("http://yourdomain.com/pixel.track?sid=", destination, ref pos)
            && Escaped(tx.SubId1, destination, ref pos)
            && Literal("&orderid=", destination, ref pos)
            && Escaped(tx.OrderNumber, destination, ref pos)
            && Literal("&amount=", destination, ref pos)
            && Number(tx.SaleAmount, destination, ref pos)
            && Literal("&commission=", destination, ref pos)
            && Number(tx.CommissionAmount, destination, ref pos)
            && Literal("&date=", destination, ref pos)
            && Time(tx.EventTime, destination, ref pos))
        {
            written = pos;
            return true;
        }

        written = 0;
        return false;
    }

    // https://postbacks.tracker.example/v2/conversion?sub1=#fobs#&sub2=#fobs2#&sub3=#fobs3#&sub4=#fobs4#&sub5=#fobs5#
    // &order_id=#on#&amount=#sa#&commission=#ca#&click_id=#clickid#&sale_id=#flx_salesid#&event_time=#et#
    // &program_id=#programid#&txn=#flx_salesid#-#on#&ref=#clickid#
    public static bool TryWriteLong(PostbackTransaction tx, Span<char> destination, out int written)
    {
        var pos = 0;
        if (Literal("https://postbacks.tracker.example/v2/conversion?sub1=", destination, ref pos)
            && EscapedCall(tx.SubId1, destination, ref pos)
            && Literal("&sub2=", destination, ref pos)
            && EscapedCall(tx.SubId2, destination, ref pos)
            && Literal("&sub3=", destination, ref pos)
            && EscapedCall(tx.SubId3, destination, ref pos)
            && Literal("&sub4=", destination, ref pos)
            && EscapedCall(tx.SubId4, destination, ref pos)
            && Literal("&sub5=", destination, ref pos)
            && EscapedCall(tx.SubId5, destination, ref pos)
            && Literal("&order_id=", destination, ref pos)
            && EscapedCall(tx.OrderNumber, destination, ref pos)
            && Literal("&amount=", destination, ref pos)
            && Number(tx.SaleAmount, destination, ref pos)
            && Literal("&commission=", destination, ref pos)
            && Number(tx.CommissionAmount, destination, ref pos)
            && Literal("&click_id=", destination, ref pos)
            && EscapedCall(tx.ClickId, destination, ref pos)
            && Literal("&sale_id=", destination, ref pos)
            && EscapedCall(tx.SalesId, destination, ref pos)
            && Literal("&event_time=", destination, ref pos)
            && Time(tx.EventTime, destination, ref pos)
            && Literal("&program_id=", destination, ref pos)
            && EscapedCall(tx.ProgramId, destination, ref pos)
            && Literal("&txn=", destination, ref pos)
            && EscapedCall(tx.SalesId, destination, ref pos)
            && Literal("-", destination, ref pos)
            && EscapedCall(tx.OrderNumber, destination, ref pos)
            && Literal("&ref=", destination, ref pos)
            && EscapedCall(tx.ClickId, destination, ref pos))
        {
            written = pos;
            return true;
        }

        written = 0;
        return false;
    }

    private static string CreateFlexOffers(PostbackTransaction tx)
    {
        // The decimals' lengths are only known once formatted, so they are formatted first, on the stack.
        Span<char> numbers = stackalloc char[128];
        var sa = FormatNumber(tx.SaleAmount, numbers[..64]);
        var ca = FormatNumber(tx.CommissionAmount, numbers[64..]);
        var length = "http://yourdomain.com/pixel.track?sid=".Length + "&orderid=".Length + "&amount=".Length + "&commission=".Length + "&date=".Length
            + EscapedLength(tx.SubId1) + EscapedLength(tx.OrderNumber) + sa.Length + ca.Length + TimeLength(tx.EventTime);
        return string.Create(length, new FormattedValues(tx, sa, ca), static (destination, values) =>
        {
            var pos = 0;
            var ok = Literal("http://yourdomain.com/pixel.track?sid=", destination, ref pos)
                && Escaped(values.Transaction.SubId1, destination, ref pos)
                && Literal("&orderid=", destination, ref pos)
                && Escaped(values.Transaction.OrderNumber, destination, ref pos)
                && Literal("&amount=", destination, ref pos)
                && Literal(values.SaleAmount, destination, ref pos)
                && Literal("&commission=", destination, ref pos)
                && Literal(values.CommissionAmount, destination, ref pos)
                && Literal("&date=", destination, ref pos)
                && Time(values.Transaction.EventTime, destination, ref pos);
            Debug.Assert(ok && pos == destination.Length, "The computed length is exact.");
        });
    }

    private static string CreateLong(PostbackTransaction tx)
    {
        Span<char> numbers = stackalloc char[128];
        var sa = FormatNumber(tx.SaleAmount, numbers[..64]);
        var ca = FormatNumber(tx.CommissionAmount, numbers[64..]);
        var length = "https://postbacks.tracker.example/v2/conversion?sub1=".Length + "&sub2=".Length + "&sub3=".Length + "&sub4=".Length
            + "&sub5=".Length + "&order_id=".Length + "&amount=".Length + "&commission=".Length + "&click_id=".Length + "&sale_id=".Length
            + "&event_time=".Length + "&program_id=".Length + "&txn=".Length + "-".Length + "&ref=".Length
            + EscapedLength(tx.SubId1) + EscapedLength(tx.SubId2) + EscapedLength(tx.SubId3) + EscapedLength(tx.SubId4) + EscapedLength(tx.SubId5)
            + (2 * EscapedLength(tx.OrderNumber)) + sa.Length + ca.Length + (2 * EscapedLength(tx.ClickId)) + (2 * EscapedLength(tx.SalesId))
            + TimeLength(tx.EventTime) + EscapedLength(tx.ProgramId);
        return string.Create(length, new FormattedValues(tx, sa, ca), static (destination, values) =>
        {
            var tx = values.Transaction;
            var pos = 0;
            var ok = Literal("https://postbacks.tracker.example/v2/conversion?sub1=", destination, ref pos)
                && Escaped(tx.SubId1, destination, ref pos)
                && Literal("&sub2=", destination, ref pos)
                && Escaped(tx.SubId2, destination, ref pos)
                && Literal("&sub3=", destination, ref pos)
                && Escaped(tx.SubId3, destination, ref pos)
                && Literal("&sub4=", destination, ref pos)
                && Escaped(tx.SubId4, destination, ref pos)
                && Literal("&sub5=", destination, ref pos)
                && Escaped(tx.SubId5, destination, ref pos)
                && Literal("&order_id=", destination, ref pos)
                && Escaped(tx.OrderNumber, destination, ref pos)
                && Literal("&amount=", destination, ref pos)
                && Literal(values.SaleAmount, destination, ref pos)
                && Literal("&commission=", destination, ref pos)
                && Literal(values.CommissionAmount, destination, ref pos)
                && Literal("&click_id=", destination, ref pos)
                && Escaped(tx.ClickId, destination, ref pos)
                && Literal("&sale_id=", destination, ref pos)
                && Escaped(tx.SalesId, destination, ref pos)
                && Literal("&event_time=", destination, ref pos)
                && Time(tx.EventTime, destination, ref pos)
                && Literal("&program_id=", destination, ref pos)
                && Escaped(tx.ProgramId, destination, ref pos)
                && Literal("&txn=", destination, ref pos)
                && Escaped(tx.SalesId, destination, ref pos)
                && Literal("-", destination, ref pos)
                && Escaped(tx.OrderNumber, destination, ref pos)
                && Literal("&ref=", destination, ref pos)
                && Escaped(tx.ClickId, destination, ref pos);
            Debug.Assert(ok && pos == destination.Length, "The computed length is exact.");
        });
    }

    /// <summary>The slow path for output longer than the stack buffer; never taken in these benchmarks.</summary>
    private static string RenderPooled(PostbackTransaction tx, SpanRenderer render)
    {
        for (var size = StackLength * 4; ; size *= 2)
        {
            var rented = ArrayPool<char>.Shared.Rent(size);
            try
            {
                if (render(tx, rented, out var n))
                {
                    return new string(rented, 0, n);
                }
            }
            finally
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Literal(ReadOnlySpan<char> text, Span<char> destination, ref int pos)
    {
        if (!text.TryCopyTo(destination[pos..]))
        {
            return false;
        }

        pos += text.Length;
        return true;
    }

    /// <summary>Writes a value percent-encoded as <see cref="Uri.EscapeDataString(string)"/> does: one vectorized scan and one copy when nothing needs escaping.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Escaped(string? value, Span<char> destination, ref int pos)
    {
        if (value is null)
        {
            return true;
        }

        var first = value.AsSpan().IndexOfAnyExcept(Unreserved);
        if (first < 0)
        {
            if (value.Length > destination.Length - pos)
            {
                return false;
            }

            // The library copies a value this way too (LiteralCopy): a Memmove call costs more than a short copy.
            SmallCopy(ref MemoryMarshal.GetReference(value.AsSpan()), ref Unsafe.Add(ref MemoryMarshal.GetReference(destination), pos), value.Length);
            pos += value.Length;
            return true;
        }

        return EscapedFrom(value, first, destination, ref pos);
    }

    /// <summary>
    /// <see cref="Escaped"/> as a call, for the 15-macro template: inlining the vectorized scan at every one of its
    /// twelve text macros takes the method past the JIT's inlining budget, after which the literal copies and property
    /// reads stop being inlined (seen in its disassembly). A call per value keeps everything else inline.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool EscapedCall(string? value, Span<char> destination, ref int pos) => Escaped(value, destination, ref pos);

    /// <summary>
    /// The escaping loop, written out rather than <see cref="Uri.TryEscapeDataString(ReadOnlySpan{char}, Span{char}, out int)"/>,
    /// which builds the escaped text in a temporary buffer and copies it: unreserved runs are copied whole, everything
    /// else is written as %XX per UTF-8 byte, an unpaired surrogate as U+FFFD.
    /// </summary>
    internal static bool EscapedFrom(ReadOnlySpan<char> value, int first, Span<char> destination, ref int pos)
    {
        Span<byte> utf8 = stackalloc byte[4];
        var run = first;
        while (true)
        {
            if (run < 0)
            {
                run = value.Length;
            }

            if (!value[..run].TryCopyTo(destination[pos..]))
            {
                return false;
            }

            pos += run;
            value = value[run..];
            if (value.IsEmpty)
            {
                return true;
            }

            var c = value[0];
            if (c < 0x80)
            {
                if (!Hex((byte)c, destination, ref pos))
                {
                    return false;
                }

                value = value[1..];
            }
            else
            {
                if (Rune.DecodeFromUtf16(value, out var rune, out var consumed) != OperationStatus.Done)
                {
                    rune = Rune.ReplacementChar;
                    consumed = 1;
                }

                var length = rune.EncodeToUtf8(utf8);
                for (var i = 0; i < length; i++)
                {
                    if (!Hex(utf8[i], destination, ref pos))
                    {
                        return false;
                    }
                }

                value = value[consumed..];
            }

            run = value.IndexOfAnyExcept(Unreserved);
        }
    }

    /// <summary>Two overlapping loads and stores of the widest size that fits: any length up to 32 characters without a call or a loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SmallCopy(ref char source, ref char destination, int length)
    {
        ref var src = ref Unsafe.As<char, byte>(ref source);
        ref var dst = ref Unsafe.As<char, byte>(ref destination);
        var bytes = (nuint)(uint)length * 2;
        if (bytes >= 16)
        {
            if (bytes <= 32)
            {
                var head = Vector128.LoadUnsafe(ref src);
                var tail = Vector128.LoadUnsafe(ref src, bytes - 16);
                head.StoreUnsafe(ref dst);
                tail.StoreUnsafe(ref dst, bytes - 16);
                return;
            }

            if (bytes <= 64 && Vector256.IsHardwareAccelerated)
            {
                var head = Vector256.LoadUnsafe(ref src);
                var tail = Vector256.LoadUnsafe(ref src, bytes - 32);
                head.StoreUnsafe(ref dst);
                tail.StoreUnsafe(ref dst, bytes - 32);
                return;
            }

            Unsafe.CopyBlockUnaligned(ref dst, ref src, (uint)bytes);
            return;
        }

        if (bytes >= 8)
        {
            var head = Unsafe.ReadUnaligned<ulong>(ref src);
            var tail = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref src, bytes - 8));
            Unsafe.WriteUnaligned(ref dst, head);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, bytes - 8), tail);
            return;
        }

        if (bytes >= 4)
        {
            var head = Unsafe.ReadUnaligned<uint>(ref src);
            var tail = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, bytes - 4));
            Unsafe.WriteUnaligned(ref dst, head);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, bytes - 4), tail);
            return;
        }

        if (bytes != 0)
        {
            destination = source;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Hex(byte b, Span<char> destination, ref int pos)
    {
        if (destination.Length - pos < 3)
        {
            return false;
        }

        destination[pos] = '%';
        destination[pos + 1] = "0123456789ABCDEF"[b >> 4];
        destination[pos + 2] = "0123456789ABCDEF"[b & 0xF];
        pos += 3;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Number(decimal? value, Span<char> destination, ref int pos)
    {
        if (value is not { } number)
        {
            return true;
        }

        // Invariant digits, '-' and '.' are all unreserved: nothing to escape.
        if (!number.TryFormat(destination[pos..], out var n, default, CultureInfo.InvariantCulture))
        {
            return false;
        }

        pos += n;
        return true;
    }

    /// <summary>Writes yyyy-MM-ddTHH%3Amm%3AssZ straight into the destination, the colons escaped as they are written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Time(DateTimeOffset? value, Span<char> destination, ref int pos)
    {
        if (value is not { } time)
        {
            return true;
        }

        if (destination.Length - pos < EscapedTimeLength)
        {
            return false;
        }

        pos += WriteTimeDigits(time, destination[pos..]);
        return true;
    }

    /// <summary>The "s" pattern straight into the destination, then the colons escaped in place.</summary>
    internal static int WriteTimeSPattern(DateTimeOffset time, Span<char> destination)
    {
        var s = destination[..EscapedTimeLength];
        time.UtcDateTime.TryFormat(s, out _, "s", CultureInfo.InvariantCulture);
        s[23] = 'Z';
        s[22] = s[18];
        s[21] = s[17];
        s[20] = 'A';
        s[19] = '3';
        s[18] = '%';
        s[17] = s[15];
        s[16] = s[14];
        s[15] = 'A';
        s[14] = '3';
        s[13] = '%';
        return EscapedTimeLength;
    }

    /// <summary>The date computed once, then every digit pair and the escaped colons written in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int WriteTimeDigits(DateTimeOffset time, Span<char> destination)
    {
        var s = destination[..EscapedTimeLength];
        var ticks = time.UtcTicks;
        new DateTime(ticks).Deconstruct(out int year, out int month, out int day);
        var seconds = (uint)((ulong)ticks / TimeSpan.TicksPerSecond % 86400);
        var minutes = seconds / 60;
        Two(s, 0, (uint)year / 100);
        Two(s, 2, (uint)year % 100);
        s[4] = '-';
        Two(s, 5, (uint)month);
        s[7] = '-';
        Two(s, 8, (uint)day);
        s[10] = 'T';
        Two(s, 11, minutes / 60);
        s[13] = '%';
        s[14] = '3';
        s[15] = 'A';
        Two(s, 16, minutes % 60);
        s[18] = '%';
        s[19] = '3';
        s[20] = 'A';
        Two(s, 21, seconds % 60);
        s[23] = 'Z';
        return EscapedTimeLength;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Two(Span<char> s, int at, uint value)
    {
        var tens = value / 10;
        s[at] = (char)('0' + tens);
        s[at + 1] = (char)('0' + (value - (tens * 10)));
    }

    private static ReadOnlySpan<char> FormatNumber(decimal? value, Span<char> scratch)
    {
        if (value is not { } number)
        {
            return default;
        }

        number.TryFormat(scratch, out var n, default, CultureInfo.InvariantCulture);
        return scratch[..n];
    }

    private static int TimeLength(DateTimeOffset? value) => value is null ? 0 : EscapedTimeLength;

    /// <summary>The length <see cref="Uri.EscapeDataString(string)"/> produces: unreserved 1, other ASCII 3, else 3 per UTF-8 byte.</summary>
    private static int EscapedLength(string? value)
    {
        if (value is null)
        {
            return 0;
        }

        var text = value.AsSpan();
        var i = text.IndexOfAnyExcept(Unreserved);
        if (i < 0)
        {
            return text.Length;
        }

        var length = i;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x80)
            {
                length += Unreserved.Contains(c) ? 1 : 3;
            }
            else if (c < 0x800)
            {
                length += 6;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                length += 12;
                i++;
            }
            else
            {
                // Three UTF-8 bytes; a lone surrogate becomes U+FFFD, also three.
                length += 9;
            }
        }

        return length;
    }

    private readonly ref struct FormattedValues(PostbackTransaction transaction, ReadOnlySpan<char> saleAmount, ReadOnlySpan<char> commissionAmount)
    {
        public PostbackTransaction Transaction { get; } = transaction;

        public ReadOnlySpan<char> SaleAmount { get; } = saleAmount;

        public ReadOnlySpan<char> CommissionAmount { get; } = commissionAmount;
    }
}
