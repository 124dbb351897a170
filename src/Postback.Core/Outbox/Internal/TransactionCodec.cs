using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace Postback.Internal;

/// <summary>
/// Serializes a <see cref="PostbackTransaction"/> for the outbox's payload column: a small JSON object written and read
/// by hand with <see cref="Utf8JsonWriter"/> and <see cref="Utf8JsonReader"/> (no reflection, so trim- and AOT-safe).
/// </summary>
/// <remarks>
/// Every field round-trips exactly: decimals keep their scale (<c>12.50</c> stays <c>12.50</c>, which the rendered
/// postback and the idempotency key depend on), times keep their offset and ticks, extra values keep <see langword="null"/>
/// apart from empty. Missing fields are left out. Names are short because the payload is stored once per delivery.
/// Unknown properties are skipped, so a newer writer's payload still reads; <c>v</c> is the format's version.
/// </remarks>
internal static class TransactionCodec
{
    private const int Version = 1;

    public static string Serialize(PostbackTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", Version);
            Text(writer, "s1", transaction.SubId1);
            Text(writer, "s2", transaction.SubId2);
            Text(writer, "s3", transaction.SubId3);
            Text(writer, "s4", transaction.SubId4);
            Text(writer, "s5", transaction.SubId5);
            Text(writer, "on", transaction.OrderNumber);
            if (transaction.SaleAmount is { } sale)
            {
                writer.WriteNumber("sa", sale);
            }

            if (transaction.CommissionAmount is { } commission)
            {
                writer.WriteNumber("ca", commission);
            }

            Text(writer, "ci", transaction.ClickId);
            Text(writer, "si", transaction.SalesId);
            if (transaction.EventTime is { } time)
            {
                // ISO 8601 with seven fractional digits and the offset: exact to the tick.
                writer.WriteString("et", time);
            }

            Text(writer, "pr", transaction.ProgramId);
            Text(writer, "ts", transaction.TrafficSource);
            Text(writer, "pu", transaction.PublisherId);
            if (transaction.Extra.Count > 0)
            {
                writer.WriteStartObject("x");
                foreach (var (key, value) in transaction.Extra)
                {
                    if (value is null)
                    {
                        writer.WriteNull(key);
                    }
                    else
                    {
                        writer.WriteString(key, value);
                    }
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static PostbackTransaction Deserialize(string payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var bytes = Encoding.UTF8.GetBytes(payload);
        var reader = new Utf8JsonReader(bytes);
        var transaction = new PostbackTransaction();
        Expect(ref reader, JsonTokenType.StartObject);
        while (Read(ref reader) != JsonTokenType.EndObject)
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                throw new FormatException("The outbox payload is not a transaction: a property name was expected.");
            }

            var name = reader.GetString();
            Read(ref reader);
            switch (name)
            {
                case "v":
                    if (reader.GetInt32() > Version)
                    {
                        throw new FormatException($"The outbox payload has format version {reader.GetInt32()}; this version of Postback.Core reads up to {Version}.");
                    }

                    break;
                case "s1": transaction.SubId1 = reader.GetString(); break;
                case "s2": transaction.SubId2 = reader.GetString(); break;
                case "s3": transaction.SubId3 = reader.GetString(); break;
                case "s4": transaction.SubId4 = reader.GetString(); break;
                case "s5": transaction.SubId5 = reader.GetString(); break;
                case "on": transaction.OrderNumber = reader.GetString(); break;
                case "sa": transaction.SaleAmount = reader.TokenType == JsonTokenType.Null ? null : reader.GetDecimal(); break;
                case "ca": transaction.CommissionAmount = reader.TokenType == JsonTokenType.Null ? null : reader.GetDecimal(); break;
                case "ci": transaction.ClickId = reader.GetString(); break;
                case "si": transaction.SalesId = reader.GetString(); break;
                case "et": transaction.EventTime = reader.TokenType == JsonTokenType.Null ? null : reader.GetDateTimeOffset(); break;
                case "pr": transaction.ProgramId = reader.GetString(); break;
                case "ts": transaction.TrafficSource = reader.GetString(); break;
                case "pu": transaction.PublisherId = reader.GetString(); break;
                case "x":
                    ReadExtra(ref reader, transaction.Extra);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return transaction;
    }

    private static void ReadExtra(ref Utf8JsonReader reader, IDictionary<string, string?> extra)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("The outbox payload's extra values are not an object.");
        }

        while (Read(ref reader) != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            Read(ref reader);
            extra[key] = reader.GetString();
        }
    }

    private static void Text(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static JsonTokenType Read(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new FormatException("The outbox payload ends too early.");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (Read(ref reader) != type)
        {
            throw new FormatException($"The outbox payload is not a transaction: {type} was expected.");
        }
    }
}
