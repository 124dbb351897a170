using System;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using Postback.Internal;

[module: SkipLocalsInit]

namespace Postback;

public sealed partial class PostbackTemplate
{
    /// <summary>The longest text a render may produce, in characters.</summary>
    internal const int MaxRenderLength = 1024 * 1024;

    // Enough for nearly every postback URL; rendering starts here on the stack and moves to a pooled array beyond it.
    private const int StackBufferLength = 1024;

    // Room for any formatted number or date: formats are at most 64 characters and checked at parse time.
    private const int ScratchLength = 256;

    /// <summary>Renders the template for a transaction.</summary>
    /// <param name="transaction">The transaction's values.</param>
    /// <returns>The rendered text.</returns>
    /// <exception cref="PostbackRenderException">A value cannot be placed safely, such as a host macro whose value is not a host name.</exception>
    public string Render(PostbackTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return Render<PostbackTransaction>(transaction);
    }

    /// <summary>Renders the template from any value source, such as a struct that wraps your own domain type.</summary>
    /// <typeparam name="TSource">The value source's type; a struct or ref struct avoids boxing.</typeparam>
    /// <param name="source">The values.</param>
    /// <returns>The rendered text; the only allocation.</returns>
    /// <exception cref="PostbackRenderException">A value cannot be placed safely.</exception>
    public string Render<TSource>(TSource source)
        where TSource : IPostbackValueSource, allows ref struct
    {
        if (!TryRenderToString(source, out var result, out var failure))
        {
            throw new PostbackRenderException(CreateError(failure));
        }

        return result;
    }

    /// <summary>Tries to render the template for a transaction, reporting an unsafe value as an error rather than an exception.</summary>
    /// <param name="transaction">The transaction's values.</param>
    /// <param name="result">The rendered text, on success.</param>
    /// <param name="error">Which macro failed and why, on failure.</param>
    /// <returns><see langword="true"/> on success.</returns>
    public bool TryRender(PostbackTransaction transaction, [NotNullWhen(true)] out string? result, [NotNullWhen(false)] out PostbackRenderError? error)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return TryRender<PostbackTransaction>(transaction, out result, out error);
    }

    /// <summary>Tries to render the template from any value source, reporting an unsafe value as an error rather than an exception.</summary>
    /// <typeparam name="TSource">The value source's type.</typeparam>
    /// <param name="source">The values.</param>
    /// <param name="result">The rendered text, on success.</param>
    /// <param name="error">Which macro failed and why, on failure.</param>
    /// <returns><see langword="true"/> on success.</returns>
    public bool TryRender<TSource>(TSource source, [NotNullWhen(true)] out string? result, [NotNullWhen(false)] out PostbackRenderError? error)
        where TSource : IPostbackValueSource, allows ref struct
    {
        if (TryRenderToString(source, out result, out var failure))
        {
            error = null;
            return true;
        }

        error = CreateError(failure);
        return false;
    }

    /// <summary>Renders the template into a span, allocating nothing.</summary>
    /// <param name="transaction">The transaction's values.</param>
    /// <param name="destination">Where to write.</param>
    /// <param name="charsWritten">How many characters were written.</param>
    /// <returns><see langword="false"/> when <paramref name="destination"/> is too small; nothing useful is written then.</returns>
    /// <exception cref="PostbackRenderException">A value cannot be placed safely.</exception>
    public bool TryRender(PostbackTransaction transaction, Span<char> destination, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return TryRender<PostbackTransaction>(transaction, destination, out charsWritten);
    }

    /// <summary>Renders the template from any value source into a span, allocating nothing.</summary>
    /// <typeparam name="TSource">The value source's type; a struct or ref struct avoids boxing.</typeparam>
    /// <param name="source">The values.</param>
    /// <param name="destination">Where to write.</param>
    /// <param name="charsWritten">How many characters were written.</param>
    /// <returns><see langword="false"/> when <paramref name="destination"/> is too small; nothing useful is written then.</returns>
    /// <exception cref="PostbackRenderException">A value cannot be placed safely.</exception>
    public bool TryRender<TSource>(TSource source, Span<char> destination, out int charsWritten)
        where TSource : IPostbackValueSource, allows ref struct
    {
        var status = RenderCore(ref source, destination, out charsWritten, out var failure);
        if (status == WriteStatus.Invalid)
        {
            throw new PostbackRenderException(CreateError(failure));
        }

        return status == WriteStatus.Done;
    }

    /// <summary>Returns the exact number of characters rendering this transaction produces, to size a buffer.</summary>
    /// <param name="transaction">The transaction's values.</param>
    /// <returns>The length.</returns>
    /// <exception cref="PostbackRenderException">A value cannot be placed safely.</exception>
    public int GetRenderedLength(PostbackTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return GetRenderedLength<PostbackTransaction>(transaction);
    }

    /// <summary>Returns the exact number of characters rendering these values produces, to size a buffer.</summary>
    /// <typeparam name="TSource">The value source's type.</typeparam>
    /// <param name="source">The values.</param>
    /// <returns>The length.</returns>
    /// <exception cref="PostbackRenderException">A value cannot be placed safely.</exception>
    public int GetRenderedLength<TSource>(TSource source)
        where TSource : IPostbackValueSource, allows ref struct
    {
        // Rendering into scratch space is the only way to be exact for every encoder and format; it allocates
        // nothing beyond a pooled buffer for very long output.
        Span<char> stack = stackalloc char[StackBufferLength];
        var status = RenderCore(ref source, stack, out var written, out var failure);
        if (status == WriteStatus.TooSmall)
        {
            status = RenderPooled(ref source, out _, out written, out failure, measureOnly: true);
        }

        return status == WriteStatus.Done ? written : throw new PostbackRenderException(CreateError(failure));
    }

    private bool TryRenderToString<TSource>(TSource source, [NotNullWhen(true)] out string? result, out RenderFailure failure)
        where TSource : IPostbackValueSource, allows ref struct
    {
        Span<char> stack = stackalloc char[StackBufferLength];
        var status = RenderCore(ref source, stack, out var written, out failure);
        if (status == WriteStatus.Done)
        {
            result = new string(stack[..written]);
            return true;
        }

        if (status == WriteStatus.TooSmall)
        {
            status = RenderPooled(ref source, out result, out _, out failure, measureOnly: false);
            if (status == WriteStatus.Done)
            {
                return result is not null;
            }
        }

        result = null;
        return false;
    }

    private WriteStatus RenderPooled<TSource>(ref TSource source, out string? result, out int written, out RenderFailure failure, bool measureOnly)
        where TSource : IPostbackValueSource, allows ref struct
    {
        for (var size = StackBufferLength * 4; ; size *= 2)
        {
            var rented = ArrayPool<char>.Shared.Rent(Math.Min(size, MaxRenderLength));
            try
            {
                var status = RenderCore(ref source, rented, out written, out failure);
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
    /// The render loop: literal runs are copied, each macro's value is fetched once, formatted invariantly and
    /// encoded for its context. Host and port regions that hold a macro are validated once complete.
    /// </summary>
    private WriteStatus RenderCore<TSource>(ref TSource source, scoped Span<char> destination, out int written, out RenderFailure failure)
        where TSource : IPostbackValueSource, allows ref struct
    {
        var text = Text;
        var tokens = _tokens;
        written = 0;
        failure = default;

        // One scratch buffer for the whole render, for formats whose output must be encoded before it is written.
        Span<char> scratch = stackalloc char[ScratchLength];
        int hostStart = -1, hostEnd = -1, portStart = -1, portEnd = -1, pathStart = -1, pathEnd = -1;

        for (var t = 0; t < tokens.Length; t++)
        {
            ref readonly var token = ref tokens[t];
            // Only templates with a macro in the host, port or path record where those parts land in the output.
            if (_hasRegions)
            {
                if (t == _host.StartToken)
                {
                    hostStart = written + _host.StartOffset;
                }

                if (t == _host.EndToken)
                {
                    hostEnd = written + _host.EndOffset;
                }

                if (t == _port.StartToken)
                {
                    portStart = written + _port.StartOffset;
                }

                if (t == _port.EndToken)
                {
                    portEnd = written + _port.EndOffset;
                }

                if (t == _path.StartToken)
                {
                    pathStart = written + _path.StartOffset;
                }

                if (t == _path.EndToken)
                {
                    pathEnd = written + _path.EndOffset;
                }
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
                    case PostbackValueKind.Text when value.Text!.Length > 0 && ValueEncoder.IsUnreserved(value.Text):
                        if (!value.Text.AsSpan().TryCopyTo(destination[written..]))
                        {
                            return WriteStatus.TooSmall;
                        }

                        written += value.Text.Length;
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

                        written += IsoTime.Write(new DateTime(value.UtcTicks, DateTimeKind.Utc), destination[written..], escapeColons: true);
                        continue;
                    case PostbackValueKind.None when token.Default is null && Options.MissingValues == MissingValuePolicy.Empty:
                        continue;
                }
            }

            var status = WriteMacro(in token, in value, destination, ref written, scratch, out var code);
            if (status != WriteStatus.Done)
            {
                failure = new RenderFailure(code, t);
                return status;
            }
        }

        if (hostStart >= 0)
        {
            if (hostEnd < 0)
            {
                hostEnd = written;
            }

            if (!ValueEncoder.IsValidHostName(destination[hostStart..hostEnd]))
            {
                failure = new RenderFailure(PostbackRenderErrorCode.InvalidHost, FirstMacroIn(_host));
                return WriteStatus.Invalid;
            }
        }

        if (portStart >= 0)
        {
            if (portEnd < 0)
            {
                portEnd = written;
            }

            if (!ValueEncoder.IsValidPort(destination[portStart..portEnd]))
            {
                failure = new RenderFailure(PostbackRenderErrorCode.InvalidPort, FirstMacroIn(_port));
                return WriteStatus.Invalid;
            }
        }

        if (pathStart >= 0)
        {
            if (pathEnd < 0)
            {
                pathEnd = written;
            }

            if (ValueEncoder.HasDotSegment(destination[pathStart..pathEnd]))
            {
                failure = new RenderFailure(PostbackRenderErrorCode.DotSegment, FirstMacroIn(_path));
                return WriteStatus.Invalid;
            }
        }

        return WriteStatus.Done;
    }

    private WriteStatus WriteMacro(in TemplateToken token, in PostbackValue value, Span<char> destination, ref int written, Span<char> scratch, out PostbackRenderErrorCode code)
    {
        code = default;
        var context = token.Context;
        var raw = token.FormatKind == MacroFormat.Raw;

        if (value.IsEmpty)
        {
            if (token.Default is { } fallback)
            {
                // A number macro's default stands as a JSON number when it is one ("|0"), else as a string.
                return context == MacroContext.JsonValue && token.Macro?.ValueType == MacroValueType.Decimal && ValueEncoder.IsJsonNumber(fallback)
                    ? Copy(fallback, destination, ref written)
                    : WriteText(fallback, context, raw, destination, ref written, out code);
            }

            return Options.MissingValues switch
            {
                MissingValuePolicy.Fail => Fail(PostbackRenderErrorCode.MissingValue, out code),
                MissingValuePolicy.KeepMacro => WriteText(Text.AsSpan(token.Start, token.Length), context, raw: false, destination, ref written, out code),
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

                _ = value.Kind == PostbackValueKind.Decimal
                    ? value.DecimalValue.TryFormat(scratch, out length, token.Format, CultureInfo.InvariantCulture)
                    : value.Int64Value.TryFormat(scratch, out length, token.Format, CultureInfo.InvariantCulture);
                return WriteNumber(scratch[..length], context, raw, destination, ref written, out code);

            case PostbackValueKind.DateTime:
                if (formatted && declared != MacroValueType.DateTime)
                {
                    return Fail(PostbackRenderErrorCode.ValueKindMismatch, out code);
                }

                var utc = new DateTime(value.UtcTicks, DateTimeKind.Utc);
                switch (token.FormatKind)
                {
                    case MacroFormat.Unix:
                        new DateTimeOffset(utc).ToUnixTimeSeconds().TryFormat(scratch, out length, default, CultureInfo.InvariantCulture);
                        return WriteNumber(scratch[..length], context, raw, destination, ref written, out code);
                    case MacroFormat.UnixMilliseconds:
                        new DateTimeOffset(utc).ToUnixTimeMilliseconds().TryFormat(scratch, out length, default, CultureInfo.InvariantCulture);
                        return WriteNumber(scratch[..length], context, raw, destination, ref written, out code);
                    case MacroFormat.Custom:
                        utc.TryFormat(scratch, out length, token.Format, CultureInfo.InvariantCulture);
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
        if (context == MacroContext.JsonValue && ValueEncoder.IsJsonNumber(number))
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
                return ValueEncoder.IsHostText(value) ? Copy(value, destination, ref written) : Fail(PostbackRenderErrorCode.InvalidHost, out code);
            case MacroContext.Port:
                return value.ContainsAnyExceptInRange('0', '9') ? Fail(PostbackRenderErrorCode.InvalidPort, out code) : Copy(value, destination, ref written);
            case MacroContext.JsonString:
                return ValueEncoder.TryJsonEscape(value, destination, ref written) ? WriteStatus.Done : WriteStatus.TooSmall;
            case MacroContext.JsonValue:
                return ValueEncoder.TryJsonQuote(value, destination, ref written) ? WriteStatus.Done : WriteStatus.TooSmall;
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

    private int FirstMacroIn(ValidatedRegion region)
    {
        for (var t = region.StartToken; t < _tokens.Length && t <= region.EndToken; t++)
        {
            if (_tokens[t].Kind == TokenKind.Macro)
            {
                return t;
            }
        }

        return -1;
    }

    private PostbackRenderError CreateError(RenderFailure failure)
    {
        if (failure.TokenIndex < 0)
        {
            return new PostbackRenderError(
                failure.Code,
                string.Empty,
                -1,
                $"The rendered postback would be longer than {MaxRenderLength} characters.");
        }

        ref readonly var token = ref _tokens[failure.TokenIndex];
        var macroText = Text.Substring(token.Start, token.Length);
        var name = Text.Substring(token.NameStart, token.NameLength);
        var message = failure.Code switch
        {
            PostbackRenderErrorCode.InvalidHost =>
                $"The value of macro '{macroText}' at position {token.Start} does not make a valid host name. A host value may hold only ASCII letters, digits, '-' and '.', in labels of 1 to 63 characters; convert an internationalised name to punycode first.",
            PostbackRenderErrorCode.DotSegment =>
                $"The value of macro '{macroText}' at position {token.Start} makes a '.' or '..' path segment, which URL resolution would remove, changing the path.",
            PostbackRenderErrorCode.InvalidPort =>
                $"The value of macro '{macroText}' at position {token.Start} does not make a valid port: it must be digits, at most 65535.",
            PostbackRenderErrorCode.MissingValue =>
                $"Macro '{macroText}' at position {token.Start} has no value, and missing values are errors ({nameof(MissingValuePolicy)}.{nameof(MissingValuePolicy.Fail)}). Supply '{name}' or give the macro a default, as in '{Options.Syntax.Open}{name}|none{Options.Syntax.Close}'.",
            PostbackRenderErrorCode.InvalidRawValue =>
                $"The value of raw macro '{macroText}' at position {token.Start} holds a character that is never valid unencoded in a URL (white space, a control character, non-ASCII, or one of \" < > \\ ^ ` {{ | }}). Remove ':raw' to have it encoded.",
            PostbackRenderErrorCode.ValueKindMismatch =>
                $"Macro '{macroText}' at position {token.Start} has a format for a {(token.Macro?.ValueType == MacroValueType.DateTime ? "date and time" : "number")}, and the value source supplied a value of another kind.",
            _ => $"Macro '{macroText}' at position {token.Start} could not be rendered ({failure.Code}).",
        };
        return new PostbackRenderError(failure.Code, name, token.Start, message);
    }
}
