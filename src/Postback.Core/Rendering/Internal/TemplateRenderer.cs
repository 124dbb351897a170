using System;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;

[module: SkipLocalsInit]

namespace Postback.Internal;

/// <summary>
/// Renders a parsed template: a plain loop over its tokens that copies literal runs and writes each macro's value,
/// formatted invariantly and encoded for its context, into a caller's span. It allocates nothing; the string
/// entry points allocate only the result.
/// </summary>
internal static class TemplateRenderer
{
    /// <summary>The longest text a render may produce, in characters.</summary>
    public const int MaxRenderLength = 1024 * 1024;

    // Enough for nearly every postback URL; rendering starts here on the stack and moves to a pooled array beyond it.
    private const int StackBufferLength = 1024;

    // Room for any formatted number or date: each format is checked at parse time against the extreme values.
    private const int ScratchLength = FormatSpec.MaxOutputLength;

    /// <summary>Renders into a stack buffer, or a pooled one for long output, and makes the one string.</summary>
    public static bool TryRenderToString<TSource>(PostbackTemplate template, ref TSource source, [NotNullWhen(true)] out string? result, out RenderFailure failure)
        where TSource : IPostbackValueSource, allows ref struct
    {
        Span<char> stack = stackalloc char[StackBufferLength];
        var status = Render(template, ref source, stack, out var written, out failure);
        if (status == WriteStatus.Done)
        {
            result = new string(stack[..written]);
            return true;
        }

        if (status == WriteStatus.TooSmall)
        {
            status = RenderPooled(template, ref source, out result, out _, out failure, measureOnly: false);
            if (status == WriteStatus.Done)
            {
                return result is not null;
            }
        }

        result = null;
        return false;
    }

    /// <summary>Returns the exact length a render produces: rendering into scratch space is the only way to be exact for every encoder and format.</summary>
    public static bool TryMeasure<TSource>(PostbackTemplate template, ref TSource source, out int written, out RenderFailure failure)
        where TSource : IPostbackValueSource, allows ref struct
    {
        // Nothing is allocated beyond a pooled buffer for very long output.
        Span<char> stack = stackalloc char[StackBufferLength];
        var status = Render(template, ref source, stack, out written, out failure);
        if (status == WriteStatus.TooSmall)
        {
            status = RenderPooled(template, ref source, out _, out written, out failure, measureOnly: true);
        }

        return status == WriteStatus.Done;
    }

    private static WriteStatus RenderPooled<TSource>(PostbackTemplate template, ref TSource source, out string? result, out int written, out RenderFailure failure, bool measureOnly)
        where TSource : IPostbackValueSource, allows ref struct
    {
        for (var size = StackBufferLength * 4; ; size *= 2)
        {
            var rented = ArrayPool<char>.Shared.Rent(Math.Min(size, MaxRenderLength));
            try
            {
                var status = Render(template, ref source, rented, out written, out failure);
                if (status != WriteStatus.TooSmall)
                {
                    result = status == WriteStatus.Done && !measureOnly ? new string(rented, 0, written) : null;
                    return status;
                }

                if (rented.Length >= MaxRenderLength)
                {
                    failure = new RenderFailure(PostbackRenderErrorCode.OutputTooLong, -1);
                    result = null;
                    return WriteStatus.Invalid;
                }
            }
            finally
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Renders into <paramref name="destination"/>: a <see cref="TransactionSource"/> through
    /// <see cref="TransactionRenderer"/>, any other source through the general loop.
    /// </summary>
    /// <remarks>
    /// The type test is on a struct type argument, so the JIT compiles it away, and this method is small enough to
    /// inline into its callers.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static WriteStatus Render<TSource>(PostbackTemplate template, ref TSource source, scoped Span<char> destination, out int written, out RenderFailure failure)
        where TSource : IPostbackValueSource, allows ref struct
    {
        return typeof(TSource) == typeof(TransactionSource)
            ? TransactionRenderer.Render(template, Unsafe.As<TSource, TransactionSource>(ref source).Transaction, destination, out written, out failure)
            : RenderValues(template, ref source, destination, out written, out failure);
    }

    /// <summary>
    /// The render loop for any value source: literal runs are copied, each macro's value is fetched once as a
    /// <see cref="PostbackValue"/>, formatted invariantly and encoded for its context. Host, port and path regions
    /// that hold a macro are validated once complete.
    /// </summary>
    private static WriteStatus RenderValues<TSource>(PostbackTemplate template, ref TSource source, scoped Span<char> destination, out int written, out RenderFailure failure)
        where TSource : IPostbackValueSource, allows ref struct
    {
        var text = template.Text;
        var tokens = template.Tokens;
        ref readonly var regions = ref template.Regions;
        var missingValues = template.Options.MissingValues;
        written = 0;
        failure = default;

        // One scratch buffer for the whole render, for formats whose output must be encoded before it is written.
        Span<char> scratch = stackalloc char[ScratchLength];
        var marks = new RegionMarks();

        for (var t = 0; t < tokens.Length; t++)
        {
            ref readonly var token = ref tokens[t];
            // Only templates with a macro in the host, port or path record where those parts land in the output.
            if (regions.Any)
            {
                marks.Mark(in regions, t, written);
            }

            if (token.Kind == TokenKind.Literal)
            {
                if (!text.AsSpan(token.Start, token.Length).TryCopyTo(destination[written..]))
                {
                    return WriteStatus.TooSmall;
                }

                written += token.Length;
                continue;
            }

            var value = token.Macro is null ? default : source.GetValue(token.Macro);

            // The common cases, inline, for a macro with no format in a URL part that percent-encodes: text that needs
            // no escaping, numbers (invariant digits, '-' and '.' are unreserved), the default date, a missing value.
            if (token.IsPlain)
            {
                switch (value.Kind)
                {
                    case PostbackValueKind.Text when value.Text!.Length > 0:
                        if (!ValueEncoder.TryPercentEncode(value.Text, destination, ref written))
                        {
                            return WriteStatus.TooSmall;
                        }

                        continue;
                    case PostbackValueKind.Decimal:
                        if (!value.DecimalValue.TryFormat(destination[written..], out var decimalLength, default, CultureInfo.InvariantCulture))
                        {
                            return WriteStatus.TooSmall;
                        }

                        written += decimalLength;
                        continue;
                    case PostbackValueKind.Int64:
                        if (!value.Int64Value.TryFormat(destination[written..], out var integerLength, default, CultureInfo.InvariantCulture))
                        {
                            return WriteStatus.TooSmall;
                        }

                        written += integerLength;
                        continue;
                    case PostbackValueKind.DateTime:
                        if (destination.Length - written < IsoTime.EscapedLength)
                        {
                            return WriteStatus.TooSmall;
                        }

                        written += IsoTime.WriteEscaped(value.UtcTicks, destination[written..]);
                        continue;
                    case PostbackValueKind.None when token.Default is null && missingValues == MissingValuePolicy.Empty:
                        continue;
                }
            }

            var status = WriteMacro(text, in token, in value, missingValues, destination, ref written, scratch, out var code);
            if (status != WriteStatus.Done)
            {
                failure = new RenderFailure(code, t);
                return status;
            }
        }

        return regions.Any ? marks.Check(destination, written, tokens, in regions, out failure) : WriteStatus.Done;
    }

    /// <summary>Writes one macro's value, whatever its kind, context, format, default and missing-value policy: the general path of both render loops.</summary>
    internal static WriteStatus WriteMacro(string text, in TemplateToken token, in PostbackValue value, MissingValuePolicy missingValues, Span<char> destination, ref int written, Span<char> scratch, out PostbackRenderErrorCode code)
    {
        code = default;
        var context = token.Context;
        var raw = token.FormatKind == MacroFormat.Raw;

        if (value.IsEmpty)
        {
            if (token.Default is { } fallback)
            {
                // A number macro's default stands as a JSON number when it is one ("|0"), else as a string.
                return context == MacroContext.JsonValue && token.Macro?.ValueType == MacroValueType.Decimal && JsonEncoder.IsJsonNumber(fallback)
                    ? Copy(fallback, destination, ref written)
                    : WriteText(fallback, context, raw, destination, ref written, out code);
            }

            return missingValues switch
            {
                MissingValuePolicy.Fail => Fail(PostbackRenderErrorCode.MissingValue, out code),
                MissingValuePolicy.KeepMacro => WriteText(text.AsSpan(token.Start, token.Length), context, raw: false, destination, ref written, out code),
                _ => context == MacroContext.JsonValue ? Copy("null", destination, ref written) : WriteStatus.Done,
            };
        }

        var declared = token.Macro?.ValueType ?? MacroValueType.Text;
        var formatted = token.FormatKind is MacroFormat.Custom or MacroFormat.Unix or MacroFormat.UnixMilliseconds;
        int length;
        switch (value.Kind)
        {
            case PostbackValueKind.Text:
                return formatted
                    ? Fail(PostbackRenderErrorCode.ValueKindMismatch, out code)
                    : WriteText(value.Text, context, raw, destination, ref written, out code);

            case PostbackValueKind.Decimal or PostbackValueKind.Int64:
                if (formatted && (declared != MacroValueType.Decimal || token.FormatKind != MacroFormat.Custom))
                {
                    return Fail(PostbackRenderErrorCode.ValueKindMismatch, out code);
                }

                if (!formatted && context is not (MacroContext.Host or MacroContext.Port))
                {
                    // Invariant digits, '-' and '.' need no encoding in any context and are a valid JSON number,
                    // so they go straight into the destination.
                    var fits = value.Kind == PostbackValueKind.Decimal
                        ? value.DecimalValue.TryFormat(destination[written..], out length, default, CultureInfo.InvariantCulture)
                        : value.Int64Value.TryFormat(destination[written..], out length, default, CultureInfo.InvariantCulture);
                    written += fits ? length : 0;
                    return fits ? WriteStatus.Done : WriteStatus.TooSmall;
                }

                if (value.Kind == PostbackValueKind.Decimal
                    ? !value.DecimalValue.TryFormat(scratch, out length, token.Format, CultureInfo.InvariantCulture)
                    : !value.Int64Value.TryFormat(scratch, out length, token.Format, CultureInfo.InvariantCulture))
                {
                    // Longer than the scratch space. The parse-time check of the format with the extreme values makes
                    // this unreachable, but a value is never dropped: it is written from a string instead.
                    var wide = value.Kind == PostbackValueKind.Decimal
                        ? value.DecimalValue.ToString(token.Format, CultureInfo.InvariantCulture)
                        : value.Int64Value.ToString(token.Format, CultureInfo.InvariantCulture);
                    return WriteNumber(wide, context, raw, destination, ref written, out code);
                }

                return WriteNumber(scratch[..length], context, raw, destination, ref written, out code);

            case PostbackValueKind.DateTime:
                if (formatted && declared != MacroValueType.DateTime)
                {
                    return Fail(PostbackRenderErrorCode.ValueKindMismatch, out code);
                }

                var utc = new DateTime(value.UtcTicks, DateTimeKind.Utc);
                switch (token.FormatKind)
                {
                    case MacroFormat.Unix or MacroFormat.UnixMilliseconds:
                        // At most 20 characters, in a scratch space of 256.
                        var unix = token.FormatKind == MacroFormat.Unix ? new DateTimeOffset(utc).ToUnixTimeSeconds() : new DateTimeOffset(utc).ToUnixTimeMilliseconds();
                        return unix.TryFormat(scratch, out length, default, CultureInfo.InvariantCulture)
                            ? WriteNumber(scratch[..length], context, raw, destination, ref written, out code)
                            : WriteNumber(unix.ToString(CultureInfo.InvariantCulture), context, raw, destination, ref written, out code);
                    case MacroFormat.Custom:
                        if (!utc.TryFormat(scratch, out length, token.Format, CultureInfo.InvariantCulture))
                        {
                            // Unreachable after the parse-time check; never dropped all the same.
                            return WriteText(utc.ToString(token.Format, CultureInfo.InvariantCulture), context, raw, destination, ref written, out code);
                        }

                        break;
                    default:
                        // yyyy-MM-ddTHH:mm:ssZ, written digit by digit: in URL and form contexts the colons come out
                        // already escaped (%3A), so the text needs no second pass. JSON needs quotes outside a string.
                        if (context is MacroContext.JsonString or MacroContext.JsonValue || raw || context is MacroContext.Host or MacroContext.Port)
                        {
                            length = IsoTime.Write(utc, scratch, escapeColons: false);
                            break;
                        }

                        if (destination.Length - written < IsoTime.EscapedLength)
                        {
                            return WriteStatus.TooSmall;
                        }

                        written += IsoTime.Write(utc, destination[written..], escapeColons: true);
                        return WriteStatus.Done;
                }

                return WriteText(scratch[..length], context, raw, destination, ref written, out code);

            default:
                return WriteStatus.Done;
        }
    }

    /// <summary>Writes a formatted number: as a JSON number outside quotes when it is one, otherwise like text.</summary>
    private static WriteStatus WriteNumber(ReadOnlySpan<char> number, MacroContext context, bool raw, Span<char> destination, ref int written, out PostbackRenderErrorCode code)
    {
        if (context == MacroContext.JsonValue && JsonEncoder.IsJsonNumber(number))
        {
            code = default;
            return Copy(number, destination, ref written);
        }

        return WriteText(number, context, raw, destination, ref written, out code);
    }

    /// <summary>Writes text encoded for its context. This is the one place an untrusted value meets the output.</summary>
    private static WriteStatus WriteText(ReadOnlySpan<char> value, MacroContext context, bool raw, Span<char> destination, ref int written, out PostbackRenderErrorCode code)
    {
        code = default;
        switch (context)
        {
            case MacroContext.Host:
                // Only letters, digits, '-' and '.': no '@', ':', '/', '%' or anything else that could move the request.
                return UrlPartChecks.IsHostText(value) ? Copy(value, destination, ref written) : Fail(PostbackRenderErrorCode.InvalidHost, out code);
            case MacroContext.Port:
                return value.ContainsAnyExceptInRange('0', '9') ? Fail(PostbackRenderErrorCode.InvalidPort, out code) : Copy(value, destination, ref written);
            case MacroContext.JsonString:
                return JsonEncoder.TryJsonEscape(value, destination, ref written) ? WriteStatus.Done : WriteStatus.TooSmall;
            case MacroContext.JsonValue:
                return JsonEncoder.TryJsonQuote(value, destination, ref written) ? WriteStatus.Done : WriteStatus.TooSmall;
            default:
                if (raw)
                {
                    return ValueEncoder.IsValidRaw(value) ? Copy(value, destination, ref written) : Fail(PostbackRenderErrorCode.InvalidRawValue, out code);
                }

                return ValueEncoder.TryPercentEncode(value, destination, ref written, form: context == MacroContext.Form) ? WriteStatus.Done : WriteStatus.TooSmall;
        }
    }

    private static WriteStatus Copy(ReadOnlySpan<char> value, Span<char> destination, ref int written) =>
        ValueEncoder.TryWrite(value, destination, ref written) ? WriteStatus.Done : WriteStatus.TooSmall;

    private static WriteStatus Fail(PostbackRenderErrorCode reason, out PostbackRenderErrorCode code)
    {
        code = reason;
        return WriteStatus.Invalid;
    }
}
