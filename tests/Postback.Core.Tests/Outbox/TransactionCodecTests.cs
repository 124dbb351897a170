using Postback.Internal;

namespace Postback.Tests.Outbox;

/// <summary>The outbox payload: every field of a transaction round-trips exactly.</summary>
public sealed class TransactionCodecTests
{
    [Fact]
    public void Every_field_round_trips()
    {
        var original = new PostbackTransaction
        {
            SubId1 = "s1 &=?#",
            SubId2 = "ünïcødé ✓ 𝄞",
            SubId3 = string.Empty,
            SubId4 = "\"quoted\"\n\\",
            SubId5 = "5",
            OrderNumber = "ORD-1",
            SaleAmount = 12.50m,
            CommissionAmount = -0.0100m,
            ClickId = "c",
            SalesId = "s",
            EventTime = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.FromHours(5.5)).AddTicks(1234567),
            ProgramId = "p",
            TrafficSource = "ts",
            PublisherId = "pub",
        };
        original.Extra["transaction_id"] = "tx-1";
        original.Extra["empty"] = string.Empty;
        original.Extra["nothing"] = null;

        var copy = TransactionCodec.Deserialize(TransactionCodec.Serialize(original));

        copy.Should().BeEquivalentTo(original, o => o.Excluding(t => t.Extra));
        copy.Extra.Should().BeEquivalentTo(original.Extra);
        copy.Extra.Should().ContainKey("nothing").WhoseValue.Should().BeNull();
        copy.Extra["EMPTY"].Should().BeEmpty("extra keys still ignore case");
        copy.SaleAmount.ToString().Should().Be("12.50", "the scale is kept");
        copy.CommissionAmount.ToString().Should().Be("-0.0100");
        copy.EventTime!.Value.Offset.Should().Be(TimeSpan.FromHours(5.5));
        copy.EventTime.Value.Ticks.Should().Be(original.EventTime.Value.Ticks);
    }

    [Fact]
    public void Missing_fields_stay_missing()
    {
        var copy = TransactionCodec.Deserialize(TransactionCodec.Serialize(new PostbackTransaction()));
        copy.Should().BeEquivalentTo(new PostbackTransaction());
        copy.SaleAmount.Should().BeNull();
        copy.EventTime.Should().BeNull();
        copy.Extra.Should().BeEmpty();
    }

    [Theory]
    [InlineData("79228162514264337593543950335")]
    [InlineData("-79228162514264337593543950335")]
    [InlineData("0.0000000000000000000000000001")]
    [InlineData("1.000")]
    [InlineData("0")]
    public void Decimals_keep_value_and_scale(string text)
    {
        var amount = decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        var copy = TransactionCodec.Deserialize(TransactionCodec.Serialize(new PostbackTransaction { SaleAmount = amount }));
        copy.SaleAmount!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture).Should().Be(text);
    }

    [Fact]
    public void The_idempotency_key_is_the_same_after_a_round_trip()
    {
        var catalog = MacroCatalog.CreateBuilder().Add(MacroDefinition.ForField("on", PostbackField.OrderNumber)).Add(MacroDefinition.ForField("sa", PostbackField.SaleAmount))
            .Add(MacroDefinition.ForField("et", PostbackField.EventTime)).Add(MacroDefinition.Custom("transaction_id")).Build();
        var endpoint = new PostbackEndpoint("acme", PostbackTemplate.Parse("https://acme.test/pb?o=#on#&sa=#sa#&et=#et#&x=#transaction_id#", new PostbackTemplateOptions { Catalog = catalog }));
        var original = new PostbackTransaction { OrderNumber = "1", SaleAmount = 1.10m, EventTime = DateTimeOffset.Parse("2025-01-01T00:00:00+02:00") };
        original.Extra["transaction_id"] = "t";
        var copy = TransactionCodec.Deserialize(TransactionCodec.Serialize(original));
        IdempotencyKey.For(endpoint, copy).Should().Be(IdempotencyKey.For(endpoint, original));
    }

    [Fact]
    public void Unknown_properties_are_skipped_and_a_newer_version_is_refused()
    {
        TransactionCodec.Deserialize("""{"v":1,"on":"1","future":{"a":[1,2]},"x":{"k":"v"}}""").OrderNumber.Should().Be("1");
        FluentActions.Invoking(() => TransactionCodec.Deserialize("""{"v":99}""")).Should().Throw<FormatException>();
        FluentActions.Invoking(() => TransactionCodec.Deserialize("[]")).Should().Throw<FormatException>();
    }

    [Fact]
    public void An_unpaired_surrogate_does_not_lose_the_transaction()
    {
        var original = new PostbackTransaction { SubId1 = "a\uD800b" };
        var copy = TransactionCodec.Deserialize(TransactionCodec.Serialize(original));
        copy.SubId1.Should().NotBeNull();
    }
}
