using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Postback.Internal;

/// <summary>
/// The render loop for a <see cref="PostbackTransaction"/>, the library's own value type. Each token's writer was
/// chosen at parse time (<see cref="TemplateToken.Writer"/>), so a macro costs one switch, a direct field read and the
/// one encoder it needs: no <see cref="PostbackValue"/> is built and no kind-and-context dispatch runs. Anything
/// without a dedicated writer (a missing value, a default, a format, a JSON or host context) goes through
/// <see cref="TemplateRenderer.WriteMacro"/>, exactly as the general loop does, so both loops render identically.
/// </summary>
internal static class TransactionRenderer
{
    /// <summary>Chooses a token's writer; called once the parser knows the token's context.</summary>
    public static TransactionWriter WriterFor(in TemplateToken token)
    {
        if (token.Kind != TokenKind.Macro)
        {
            return TransactionWriter.Literal;
        }

        if (token.Macro is null || token.FormatKind != MacroFormat.Default)
        {
            return TransactionWriter.Value;
        }

        // IsPlain: default format in the path, query, fragment or user-info, where text is percent-encoded.
        var form = token.Context == MacroContext.Form;
        if (!token.IsPlain && !form)
        {
            return TransactionWriter.Value;
        }

        // What PostbackTransaction.GetValue returns for the field decides the writer; the macro's declared type only
        // matters for formats and JSON, which never get here.
        return token.Macro.Field switch
        {
            PostbackField.SubId1 or PostbackField.SubId2 or PostbackField.SubId3 or PostbackField.SubId4 or PostbackField.SubId5
                or PostbackField.OrderNumber or PostbackField.ClickId or PostbackField.SalesId or PostbackField.ProgramId
                or PostbackField.TrafficSource or PostbackField.PublisherId
                => form ? TransactionWriter.FormEncodedText : TransactionWriter.PercentEncodedText,
            PostbackField.SaleAmount => TransactionWriter.SaleAmount,
            PostbackField.CommissionAmount => TransactionWriter.CommissionAmount,
            PostbackField.EventTime => TransactionWriter.EventTime,
            _ => TransactionWriter.Value,
        };
    }

    /// <summary>Renders <paramref name="transaction"/> into <paramref name="destination"/>; the same contract as <see cref="TemplateRenderer.Render"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static WriteStatus Render(PostbackTemplate template, PostbackTransaction transaction, scoped Span<char> destination, out int written, out RenderFailure failure) =>
        template.Regions.Any
            ? Render<WithRegions>(template, transaction, destination, out written, out failure)
            : Render<WithoutRegions>(template, transaction, destination, out written, out failure);

    /// <summary>
    /// The loop, compiled twice: with <see cref="WithRegions"/> it records and checks the host, port and path regions;
    /// with <see cref="WithoutRegions"/> (most templates: no macro in those parts) the JIT drops that code, and the
    /// test for it on every token.
    /// </summary>
    private static WriteStatus Render<TRegions>(PostbackTemplate template, PostbackTransaction transaction, scoped Span<char> destination, out int written, out RenderFailure failure)
        where TRegions : struct
    {
        var text = template.Text;
        ref var textStart = ref LiteralCopy.Start(text);
        var tokens = template.Tokens;
        ref readonly var regions = ref template.Regions;
        var marks = new RegionMarks();
        failure = default;

        // The position is a local whose address is never taken, so it stays in a register: the writers return what
        // they wrote (or -1 when it does not fit) instead of advancing a reference.
        var pos = 0;
        int length;
        for (var t = 0; t < tokens.Length; t++)
        {
            ref readonly var token = ref tokens[t];
            if (typeof(TRegions) == typeof(WithRegions))
            {
                marks.Mark(in regions, t, pos);
            }

            // Literal runs are half the tokens: one predictable test before the switch for the rest.
            if (token.Writer == TransactionWriter.Literal)
            {
                // Start and length were set by the parser and lie within the text.
                if ((uint)token.Length > (uint)(destination.Length - pos))
                {
                    goto TooSmall;
                }

                LiteralCopy.Copy(ref Unsafe.Add(ref textStart, token.Start), ref Unsafe.Add(ref MemoryMarshal.GetReference(destination), pos), token.Length);
                pos += token.Length;
                continue;
            }

            // Each case either writes the value and continues, or breaks to the general path: a missing or empty
            // value (its default and the missing-value policy apply there) or a token with no dedicated writer.
            switch (token.Writer)
            {
                case TransactionWriter.PercentEncodedText:
                    if (transaction.GetText(token.Macro!.Field) is { Length: > 0 } percentText)
                    {
                        if ((length = ValueEncoder.PercentEncode(percentText, destination[pos..])) < 0)
                        {
                            goto TooSmall;
                        }

                        pos += length;
                        continue;
                    }

                    break;

                case TransactionWriter.FormEncodedText:
                    if (transaction.GetText(token.Macro!.Field) is { Length: > 0 } formText)
                    {
                        if ((length = ValueEncoder.PercentEncode(formText, destination[pos..], form: true)) < 0)
                        {
                            goto TooSmall;
                        }

                        pos += length;
                        continue;
                    }

                    break;

                case TransactionWriter.SaleAmount:
                    if (transaction.SaleAmount is { } sale)
                    {
                        // Invariant digits, '-' and '.' need no escaping in a URL part or a form body.
                        if (!sale.TryFormat(destination[pos..], out length, default, CultureInfo.InvariantCulture))
                        {
                            goto TooSmall;
                        }

                        pos += length;
                        continue;
                    }

                    break;

                case TransactionWriter.CommissionAmount:
                    if (transaction.CommissionAmount is { } commission)
                    {
                        if (!commission.TryFormat(destination[pos..], out length, default, CultureInfo.InvariantCulture))
                        {
                            goto TooSmall;
                        }

                        pos += length;
                        continue;
                    }

                    break;

                case TransactionWriter.EventTime:
                    if (transaction.EventTime is { } time)
                    {
                        if (destination.Length - pos < IsoTime.EscapedLength)
                        {
                            goto TooSmall;
                        }

                        pos += IsoTime.WriteEscaped(time.UtcTicks, destination[pos..]);
                        continue;
                    }

                    break;
            }

            var status = WriteValue(template, in token, transaction, destination[pos..], out length, out var code);
            if (status != WriteStatus.Done)
            {
                written = pos;
                failure = new RenderFailure(code, t);
                return status;
            }

            pos += length;
        }

        written = pos;
        return typeof(TRegions) == typeof(WithRegions) ? marks.Check(destination, pos, tokens, in regions, out failure) : WriteStatus.Done;

    TooSmall:
        written = pos;
        return WriteStatus.TooSmall;
    }

    /// <summary>The general path, out of line so the loop above keeps no scratch space of its own.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WriteStatus WriteValue(PostbackTemplate template, in TemplateToken token, PostbackTransaction transaction, Span<char> destination, out int written, out PostbackRenderErrorCode code)
    {
        Span<char> scratch = stackalloc char[FormatSpec.MaxOutputLength];
        var value = token.Macro is null ? default : transaction.GetValue(token.Macro);
        written = 0;
        return TemplateRenderer.WriteMacro(template.Text, in token, in value, template.Options.MissingValues, destination, ref written, scratch, out code);
    }

    /// <summary>The template has a macro in its host, port or path.</summary>
    private struct WithRegions;

    /// <summary>The template has no macro in its host, port or path.</summary>
    private struct WithoutRegions;
}
