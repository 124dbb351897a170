using System;
using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Postback.Internal;

/// <summary>
/// Derives the idempotency key: the same endpoint and transaction always give the same key, so a re-sent
/// transaction, and every retry of it, carry one key the partner can deduplicate on.
/// </summary>
/// <remarks>
/// The canonical text is built in a pooled buffer and hashed in one call: this runs once per postback, and a
/// StringBuilder plus an encoded copy cost more than the hash itself.
/// </remarks>
internal static class IdempotencyKey
{
    /// <summary>SHA-256 over the endpoint name, every typed field and the extra values the templates read; 32 base64url characters.</summary>
    /// <remarks>
    /// The typed fields are read straight from their properties, in <see cref="PostbackField"/> order under their enum
    /// names, exactly as a <see cref="PostbackTransaction.GetValue(MacroDefinition)"/> loop over the enum reads them, at a
    /// third of the cost. A field added to <see cref="PostbackField"/> must be added here too: IdempotencyKeyVectorTests
    /// checks every field of the enum against the generic reading.
    /// </remarks>
    public static string For(PostbackEndpoint endpoint, PostbackTransaction transaction)
    {
        var text = new Canonical(512);
        try
        {
            text.Append("endpoint", PostbackValueKind.Text, endpoint.Name);
            text.AppendText(nameof(PostbackField.SubId1), transaction.SubId1);
            text.AppendText(nameof(PostbackField.SubId2), transaction.SubId2);
            text.AppendText(nameof(PostbackField.SubId3), transaction.SubId3);
            text.AppendText(nameof(PostbackField.SubId4), transaction.SubId4);
            text.AppendText(nameof(PostbackField.SubId5), transaction.SubId5);
            text.AppendText(nameof(PostbackField.OrderNumber), transaction.OrderNumber);
            text.AppendDecimal(nameof(PostbackField.SaleAmount), transaction.SaleAmount);
            text.AppendDecimal(nameof(PostbackField.CommissionAmount), transaction.CommissionAmount);
            text.AppendText(nameof(PostbackField.ClickId), transaction.ClickId);
            text.AppendText(nameof(PostbackField.SalesId), transaction.SalesId);
            text.AppendTime(nameof(PostbackField.EventTime), transaction.EventTime);
            text.AppendText(nameof(PostbackField.ProgramId), transaction.ProgramId);
            text.AppendText(nameof(PostbackField.TrafficSource), transaction.TrafficSource);
            text.AppendText(nameof(PostbackField.PublisherId), transaction.PublisherId);

            foreach (var key in endpoint.CustomKeys)
            {
                transaction.Extra.TryGetValue(key, out var value);
                text.Append("x:" + key, PostbackValue.FromText(value));
            }

            return text.Hash();
        }
        finally
        {
            text.Dispose();
        }
    }

    /// <summary>For an already-rendered request without a key: its endpoint, method, URL and body.</summary>
    public static string For(PostbackRequest request)
    {
        var text = new Canonical(request.Url.Length + (request.Body?.Length ?? 0) + 128);
        try
        {
            text.Append("endpoint", PostbackValueKind.Text, request.EndpointName);
            text.Append("method", PostbackValueKind.Text, request.Method == PostbackHttpMethod.Post ? "Post" : "Get");
            text.Append("url", PostbackValueKind.Text, request.Url);
            text.Append("body", request.Body is null ? PostbackValueKind.None : PostbackValueKind.Text, request.Body);
            return text.Hash();
        }
        finally
        {
            text.Dispose();
        }
    }

    /// <summary>Length-prefixed "name:kind:length:value" lines, so no choice of values can make two transactions serialise alike.</summary>
    private struct Canonical(int capacity) : IDisposable
    {
        private const int StackBytes = 2048;

        private char[] _chars = ArrayPool<char>.Shared.Rent(capacity);
        private int _length;

        // The three typed readings below write what Append(name, PostbackValue) writes for the same value.
        public void AppendText(string name, string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                Append(name, PostbackValueKind.None, default);
            }
            else
            {
                Append(name, PostbackValueKind.Text, value);
            }
        }

        public void AppendDecimal(string name, decimal? value)
        {
            if (value is { } number)
            {
                Append(name, PostbackValue.FromDecimal(number));
            }
            else
            {
                Append(name, PostbackValueKind.None, default);
            }
        }

        public void AppendTime(string name, DateTimeOffset? value)
        {
            if (value is { } time)
            {
                Span<char> formatted = stackalloc char[32];
                if (!time.UtcTicks.TryFormat(formatted, out var length, default, CultureInfo.InvariantCulture))
                {
                    throw new InvalidOperationException("The idempotency key's time did not fit.");
                }

                Append(name, PostbackValueKind.DateTime, formatted[..length]);
            }
            else
            {
                Append(name, PostbackValueKind.None, default);
            }
        }

        public void Append(string name, PostbackValue value)
        {
            Span<char> formatted = stackalloc char[64];
            switch (value.Kind)
            {
                case PostbackValueKind.Text or PostbackValueKind.None:
                    // null and "" render alike under every MissingValuePolicy (both are a missing value), so they give one key.
                    Append(name, value.IsEmpty ? PostbackValueKind.None : value.Kind, value.IsEmpty ? default : value.Text);
                    return;
                // At most 31 characters in a buffer of 64; a string only if that ever changed, never a silent empty value.
                case PostbackValueKind.Decimal:
                    if (value.DecimalValue.TryFormat(formatted, out var length, default, CultureInfo.InvariantCulture))
                    {
                        Append(name, value.Kind, formatted[..length]);
                    }
                    else
                    {
                        Append(name, value.Kind, value.DecimalValue.ToString(CultureInfo.InvariantCulture));
                    }

                    return;
                default:
                    // Int64 values and the UTC ticks of a time: both exact as integers.
                    if (value.Int64Value.TryFormat(formatted, out length, default, CultureInfo.InvariantCulture))
                    {
                        Append(name, value.Kind, formatted[..length]);
                    }
                    else
                    {
                        Append(name, value.Kind, value.Int64Value.ToString(CultureInfo.InvariantCulture));
                    }

                    return;
            }
        }

        public void Append(string name, PostbackValueKind kind, ReadOnlySpan<char> value)
        {
            // One capacity check per line, written in place: name, ':', kind, ':', length (at most 10 digits), ':', value, '\n'.
            var most = name.Length + 14 + value.Length + 1;
            if (_length + most > _chars.Length)
            {
                Grow(most);
            }

            var line = _chars.AsSpan(_length);
            name.CopyTo(line);
            var n = name.Length;
            line[n++] = ':';
            line[n++] = (char)('0' + (int)kind);
            line[n++] = ':';
            // Most values are shorter than 100 characters: their one or two digits are written without a formatter.
            var length = value.Length;
            if (length < 10)
            {
                line[n++] = (char)('0' + length);
            }
            else if (length < 100)
            {
                line[n++] = (char)('0' + (length / 10));
                line[n++] = (char)('0' + (length % 10));
            }
            else if (length.TryFormat(line[n..], out var digits, default, CultureInfo.InvariantCulture))
            {
                n += digits;
            }
            else
            {
                throw new InvalidOperationException("The idempotency key's length header did not fit.");
            }

            line[n++] = ':';
            value.CopyTo(line[n..]);
            n += value.Length;
            line[n++] = '\n';
            _length += n;
        }

        public readonly string Hash()
        {
            var chars = _chars.AsSpan(0, _length);
            var most = Encoding.UTF8.GetMaxByteCount(chars.Length);
            // A typical key's text (a few hundred characters) is encoded on the stack; only a long one rents.
            byte[]? rented = most > StackBytes ? ArrayPool<byte>.Shared.Rent(most) : null;
            try
            {
                Span<byte> bytes = rented is null ? stackalloc byte[StackBytes] : rented;
                var count = Encoding.UTF8.GetBytes(chars, bytes);
                Span<byte> hash = stackalloc byte[32];
                SHA256.HashData(bytes[..count], hash);
                return Base64Url.EncodeToString(hash[..24]);
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }

        public void Dispose()
        {
            ArrayPool<char>.Shared.Return(_chars);
            _chars = [];
        }

        private void Grow(int more)
        {
            var larger = ArrayPool<char>.Shared.Rent(Math.Max(_chars.Length * 2, _length + more));
            _chars.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<char>.Shared.Return(_chars);
            _chars = larger;
        }
    }
}
