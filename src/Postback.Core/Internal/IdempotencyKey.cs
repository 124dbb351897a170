using System;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Postback.Internal;

/// <summary>
/// Derives the idempotency key: the same endpoint and transaction always give the same key, so a re-sent
/// transaction, and every retry of it, carry one key the partner can deduplicate on.
/// </summary>
internal static class IdempotencyKey
{
    private static readonly MacroDefinition[] TypedFields = BuildTypedFields();

    /// <summary>SHA-256 over the endpoint name, every typed field and the extra values the templates read; 32 base64url characters.</summary>
    public static string For(PostbackEndpoint endpoint, PostbackTransaction transaction)
    {
        var text = new StringBuilder(256);
        Append(text, "endpoint", endpoint.Name);
        foreach (var field in TypedFields)
        {
            Append(text, field.Name, transaction.GetValue(field));
        }

        foreach (var key in endpoint.CustomKeys)
        {
            transaction.Extra.TryGetValue(key, out var value);
            Append(text, "x:" + key, value);
        }

        return Hash(text.ToString());
    }

    /// <summary>For an already-rendered request without a key: its endpoint, method, URL and body.</summary>
    public static string For(PostbackRequest request)
    {
        var text = new StringBuilder(request.Url.Length + (request.Body?.Length ?? 0) + 64);
        Append(text, "endpoint", request.EndpointName);
        Append(text, "method", request.Method.ToString());
        Append(text, "url", request.Url);
        Append(text, "body", request.Body);
        return Hash(text.ToString());
    }

    private static void Append(StringBuilder text, string name, PostbackValue value)
    {
        // Length-prefixed, so no choice of values can make two different transactions serialise alike.
        var rendered = value.ToString();
        text.Append(name).Append(':').Append((int)value.Kind).Append(':').Append(rendered.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(rendered).Append('\n');
    }

    private static string Hash(string text)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Base64Url.EncodeToString(hash[..24]);
    }

    private static MacroDefinition[] BuildTypedFields()
    {
        var fields = Enum.GetValues<PostbackField>();
        var result = new MacroDefinition[fields.Length - 1];
        var i = 0;
        foreach (var field in fields)
        {
            if (field != PostbackField.Custom)
            {
                result[i++] = MacroDefinition.ForField(field.ToString(), field);
            }
        }

        return result;
    }
}
