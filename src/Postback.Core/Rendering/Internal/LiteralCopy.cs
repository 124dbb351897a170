using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Postback.Internal;

/// <summary>
/// Copies a template's literal run into the output. Hand-written code copies its literals with lengths the JIT knows,
/// which it unrolls into a few register moves; a template's lengths are only known at run time, and a call to
/// <see cref="Span{T}.CopyTo"/> costs more than the copy for the short runs between macros ("&amp;sub2=").
/// Two overlapping loads and stores of the widest size that fits copy any run up to 32 characters without a loop.
/// </summary>
internal static class LiteralCopy
{
    /// <summary>Copies <paramref name="length"/> characters; the caller has checked that both sides hold them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(ref char source, ref char destination, int length)
    {
        ref var src = ref Unsafe.As<char, byte>(ref source);
        ref var dst = ref Unsafe.As<char, byte>(ref destination);
        var bytes = (nuint)(uint)length * 2;
        if (bytes >= 16)
        {
            if (bytes <= 32)
            {
                // Both loads happen before either store: the output never overlaps the template text, but the order
                // keeps the copy correct even if it did.
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

    /// <summary>The template text's first character, for <see cref="Copy"/> with a token's start as the offset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref char Start(string text) => ref MemoryMarshal.GetReference(text.AsSpan());
}
