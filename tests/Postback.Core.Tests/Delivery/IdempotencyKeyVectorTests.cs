using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Postback.Internal;

namespace Postback.Tests.Delivery;

/// <summary>
/// The idempotency key's value is stored by the durable outbox and compared by partners across deployments: the same
/// endpoint and transaction must give the same key in every version. These values were produced by the key derivation
/// as it shipped; a change to how the key is built (buffers, encoding, hashing calls) must keep every one of them.
/// </summary>
public sealed class IdempotencyKeyVectorTests
{
    private static readonly DateTimeOffset EventTime = new(2026, 11, 26, 18, 45, 0, TimeSpan.Zero);

    private static readonly PostbackEndpoint Typed = new("partner", PostbackTemplate.Parse("https://partner.example/pixel.track?sid=#fobs#&orderid=#on#&amount=#sa#&commission=#ca#&date=#et#"));

    private static readonly PostbackEndpoint Custom = new("custom", PostbackTemplate.Parse("https://partner.example/pb?cid={clickid}&x={café}", new PostbackTemplateOptions { Syntax = MacroSyntax.Braces, Catalog = MacroCatalog.Open }));

    [Fact]
    public void A_typical_transaction_keeps_its_key()
    {
        var transaction = new PostbackTransaction { SubId1 = "pub-7781", OrderNumber = "ORD-2026-000123", SaleAmount = 129.95m, CommissionAmount = 12.99m, EventTime = EventTime };

        IdempotencyKey.For(Typed, transaction).Should().Be("85qsplW21HGX18QBmv8qHaGSFZC0-4zd");
    }

    [Fact]
    public void Every_field_and_non_ascii_extra_values_keep_their_key()
    {
        var transaction = new PostbackTransaction
        {
            SubId1 = "pub-7781",
            SubId2 = "spring sale/email",
            SubId3 = "a&b=c",
            SubId4 = "7f3c2a9e",
            SubId5 = "café",
            OrderNumber = "ORD-2026-000123",
            SaleAmount = 129.95m,
            CommissionAmount = 12.99m,
            ClickId = "0b7e4f2a",
            SalesId = "551234987",
            EventTime = EventTime,
            ProgramId = "184422",
        };
        transaction.Extra["clickid"] = "c-1";
        transaction.Extra["café"] = "naïve ✓";

        IdempotencyKey.For(Custom, transaction).Should().Be("F0kcQWRUIBaUqsektSX-X_4dAVkz9A70");
        Reference(Custom, transaction).Should().Be("F0kcQWRUIBaUqsektSX-X_4dAVkz9A70", "the reference reading is the shipped derivation");
        IdempotencyKey.For(Custom, new PostbackTransaction()).Should().Be("TrAM21PoRGl_m-NWhjjP35zEyOcoLhmo");
    }

    [Fact]
    public void A_value_longer_than_the_first_buffer_keeps_its_key()
    {
        IdempotencyKey.For(Typed, new PostbackTransaction { SubId1 = new string('x', 3000) }).Should().Be("gl6ujSzxLJeiL24lAaPIdDgtczrEB4zl");
    }

    [Fact]
    public void Lone_surrogates_keep_their_key()
    {
        // Invalid UTF-16 is hashed as U+FFFD wherever it stands, at the end or the start of a value or beside a valid pair.
        var transaction = new PostbackTransaction { SubId1 = "a\uD800", SubId2 = "\uDC00b", Extra = { ["clickid"] = "\uD83D\uDE00x\uD83D" } };

        IdempotencyKey.For(Custom, transaction).Should().Be("0lzNzSkuNtqii1lp6hsIMFWWUl5xpIEi");
    }

    [Fact]
    public void A_rendered_request_keeps_its_key()
    {
        IdempotencyKey.For(new PostbackRequest { EndpointName = "raw", Url = "https://partner.example/pb?a=1" })
            .Should().Be("kGhMx0RhrXOI_hqo9Csym_ss_aocK13a");
        IdempotencyKey.For(new PostbackRequest { EndpointName = "raw", Url = "https://partner.example/pb", Method = PostbackHttpMethod.Post, Body = "{\"a\":\"é\"}", ContentType = "application/json" })
            .Should().Be("7KSu6Hp8XbCf4e0DOmDNXYzEp1B3qv0B");
    }

    [Fact]
    public void Every_typed_field_is_in_the_key_as_a_generic_reading_of_the_enum_puts_it()
    {
        var empty = IdempotencyKey.For(Typed, new PostbackTransaction());
        Reference(Typed, new PostbackTransaction()).Should().Be(empty);

        foreach (var field in Enum.GetValues<PostbackField>().Where(f => f != PostbackField.Custom))
        {
            // Set through reflection, so a field added to the enum (and the transaction) is covered without editing this test.
            var transaction = new PostbackTransaction();
            var property = typeof(PostbackTransaction).GetProperty(field.ToString())!;
            property.SetValue(transaction, SampleFor(property.PropertyType, field));

            var key = IdempotencyKey.For(Typed, transaction);
            key.Should().Be(Reference(Typed, transaction), $"the key reads {field} as the generic reading does");
            key.Should().NotBe(empty, $"{field} is part of the key");
        }
    }

    // Boxed on purpose: the value goes to PropertyInfo.SetValue.
#pragma warning disable CA1859
    private static object SampleFor(Type type, PostbackField field)
    {
        if (type == typeof(string))
        {
            return "v-" + field;
        }

        if (type == typeof(decimal?))
        {
            return (object)(12.50m + (int)field);
        }

        if (type == typeof(DateTimeOffset?))
        {
            return (object)EventTime.AddMinutes((int)field);
        }

        throw new InvalidOperationException($"No sample for {field} of type {type}.");
    }
#pragma warning restore CA1859

    /// <summary>The key as it was first derived: every typed field through GetValue, in enum order, one canonical line each.</summary>
    private static string Reference(PostbackEndpoint endpoint, PostbackTransaction transaction)
    {
        var text = new StringBuilder();
        Line(text, "endpoint", PostbackValueKind.Text, endpoint.Name);
        foreach (var field in Enum.GetValues<PostbackField>().Where(f => f != PostbackField.Custom))
        {
            var value = transaction.GetValue(MacroDefinition.ForField(field.ToString(), field));
            switch (value.Kind)
            {
                case PostbackValueKind.Text or PostbackValueKind.None:
                    Line(text, field.ToString(), value.IsEmpty ? PostbackValueKind.None : value.Kind, value.IsEmpty ? string.Empty : value.Text!);
                    break;
                case PostbackValueKind.Decimal:
                    Line(text, field.ToString(), value.Kind, value.DecimalValue.ToString(CultureInfo.InvariantCulture));
                    break;
                default:
                    Line(text, field.ToString(), value.Kind, value.Int64Value.ToString(CultureInfo.InvariantCulture));
                    break;
            }
        }

        foreach (var key in endpoint.CustomKeys)
        {
            transaction.Extra.TryGetValue(key, out var extra);
            Line(text, "x:" + key, string.IsNullOrEmpty(extra) ? PostbackValueKind.None : PostbackValueKind.Text, extra ?? string.Empty);
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return Base64Url.EncodeToString(hash.AsSpan(0, 24));
    }

    private static void Line(StringBuilder text, string name, PostbackValueKind kind, string value) =>
        text.Append(name).Append(':').Append((int)kind).Append(':').Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append('\n');
}
