namespace Postback.Benchmarks;

/// <summary>The two templates every benchmark runs on.</summary>
public enum TemplateCase
{
    /// <summary>FlexOffers' documented example: 5 macros, http.</summary>
    FlexOffers,

    /// <summary>Every FlexOffers macro plus three repeats: 15 macros, https, values that need escaping.</summary>
    AllMacros,
}

/// <summary>The template texts and the transactions they are rendered for.</summary>
internal static class Scenarios
{
    /// <summary>FlexOffers' documented postback example, verbatim.</summary>
    public const string FlexOffersTemplate =
        "http://yourdomain.com/pixel.track?sid=#fobs#&orderid=#on#&amount=#sa#&commission=#ca#&date=#et#";

    /// <summary>All twelve FlexOffers macros; <c>on</c>, <c>flx_salesid</c> and <c>clickid</c> appear twice.</summary>
    public const string LongTemplate =
        "https://postbacks.tracker.example/v2/conversion?sub1=#fobs#&sub2=#fobs2#&sub3=#fobs3#&sub4=#fobs4#&sub5=#fobs5#" +
        "&order_id=#on#&amount=#sa#&commission=#ca#&click_id=#clickid#&sale_id=#flx_salesid#&event_time=#et#" +
        "&program_id=#programid#&txn=#flx_salesid#-#on#&ref=#clickid#";

    /// <summary>What the FlexOffers case must render to, written out by hand as an independent check.</summary>
    public const string FlexOffersExpected =
        "http://yourdomain.com/pixel.track?sid=pub-7781&orderid=ORD-2026-000123&amount=129.95&commission=12.99&date=2026-11-26T18%3A45%3A00Z";

    public static readonly DateTimeOffset EventTime = new(2026, 11, 26, 18, 45, 0, TimeSpan.Zero);

    public static string Template(TemplateCase templateCase) =>
        templateCase == TemplateCase.FlexOffers ? FlexOffersTemplate : LongTemplate;

    /// <summary>Typical FlexOffers values: all of them unreserved except the event time's colons.</summary>
    public static PostbackTransaction FlexOffersTransaction() => new()
    {
        SubId1 = "pub-7781",
        OrderNumber = "ORD-2026-000123",
        SaleAmount = 129.95m,
        CommissionAmount = 12.99m,
        EventTime = EventTime,
    };

    /// <summary>Every field set; sub-ids 2, 3 and 5 need escaping (space, '/', '&amp;', '=', non-ASCII).</summary>
    public static PostbackTransaction LongTransaction() => new()
    {
        SubId1 = "pub-7781",
        SubId2 = "spring sale/email",
        SubId3 = "a&b=c",
        SubId4 = "7f3c2a9e",
        SubId5 = "café",
        OrderNumber = "ORD-2026-000123",
        SaleAmount = 129.95m,
        CommissionAmount = 12.99m,
        ClickId = "0b7e4f2a-91d3-4c55-a8e1-3f6d2b9c7a10",
        SalesId = "551234987",
        EventTime = EventTime,
        ProgramId = "184422",
    };

    public static PostbackTransaction Transaction(TemplateCase templateCase) =>
        templateCase == TemplateCase.FlexOffers ? FlexOffersTransaction() : LongTransaction();

    /// <summary>The same values as <see cref="Transaction"/>, held in an application's own domain type.</summary>
    public static Order Order(TemplateCase templateCase)
    {
        var tx = Transaction(templateCase);
        return new Order
        {
            ClickSubId = tx.SubId1,
            ClickSubId2 = tx.SubId2,
            ClickSubId3 = tx.SubId3,
            ClickSubId4 = tx.SubId4,
            ClickSubId5 = tx.SubId5,
            Number = tx.OrderNumber,
            Total = tx.SaleAmount,
            Commission = tx.CommissionAmount,
            ClickId = tx.ClickId,
            SaleId = tx.SalesId,
            CompletedAt = tx.EventTime,
            ProgramId = tx.ProgramId,
        };
    }
}

/// <summary>An application's own order type, which a struct value source wraps.</summary>
internal sealed class Order
{
    public string? ClickSubId { get; init; }

    public string? ClickSubId2 { get; init; }

    public string? ClickSubId3 { get; init; }

    public string? ClickSubId4 { get; init; }

    public string? ClickSubId5 { get; init; }

    public string? Number { get; init; }

    public decimal? Total { get; init; }

    public decimal? Commission { get; init; }

    public string? ClickId { get; init; }

    public string? SaleId { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public string? ProgramId { get; init; }
}

/// <summary>
/// The documented way to render from a domain type: a readonly struct, so the generic render overloads are
/// specialised for it and <see cref="GetValue"/> is a direct call.
/// </summary>
internal readonly struct OrderValues(Order order) : IPostbackValueSource
{
    private readonly Order _order = order;

    public PostbackValue GetValue(MacroDefinition macro) => macro.Field switch
    {
        PostbackField.SubId1 => _order.ClickSubId,
        PostbackField.SubId2 => _order.ClickSubId2,
        PostbackField.SubId3 => _order.ClickSubId3,
        PostbackField.SubId4 => _order.ClickSubId4,
        PostbackField.SubId5 => _order.ClickSubId5,
        PostbackField.OrderNumber => _order.Number,
        PostbackField.SaleAmount => _order.Total,
        PostbackField.CommissionAmount => _order.Commission,
        PostbackField.ClickId => _order.ClickId,
        PostbackField.SalesId => _order.SaleId,
        PostbackField.EventTime => _order.CompletedAt,
        PostbackField.ProgramId => _order.ProgramId,
        _ => PostbackValue.None,
    };
}
