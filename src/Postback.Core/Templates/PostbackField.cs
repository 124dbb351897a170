namespace Postback;

/// <summary>The transaction field that a macro reads.</summary>
public enum PostbackField
{
    /// <summary>A named extra value, looked up by <see cref="MacroDefinition.Key"/>.</summary>
    Custom = 0,

    /// <summary>The partner's first sub-tracking id (FlexOffers <c>fobs</c>).</summary>
    SubId1,

    /// <summary>The partner's second sub-tracking id (FlexOffers <c>fobs2</c>).</summary>
    SubId2,

    /// <summary>The partner's third sub-tracking id (FlexOffers <c>fobs3</c>).</summary>
    SubId3,

    /// <summary>The partner's fourth sub-tracking id (FlexOffers <c>fobs4</c>).</summary>
    SubId4,

    /// <summary>The partner's fifth sub-tracking id (FlexOffers <c>fobs5</c>).</summary>
    SubId5,

    /// <summary>The order number (FlexOffers <c>on</c>).</summary>
    OrderNumber,

    /// <summary>The sale amount, a decimal (FlexOffers <c>sa</c>).</summary>
    SaleAmount,

    /// <summary>The commission amount, a decimal (FlexOffers <c>ca</c>).</summary>
    CommissionAmount,

    /// <summary>The network's click id (FlexOffers <c>clickid</c>).</summary>
    ClickId,

    /// <summary>The sales id (FlexOffers <c>flx_salesid</c>).</summary>
    SalesId,

    /// <summary>The event time, a date and time (FlexOffers <c>et</c>).</summary>
    EventTime,

    /// <summary>The advertiser's program id (FlexOffers <c>programid</c>).</summary>
    ProgramId,

    /// <summary>The traffic source the transaction came from.</summary>
    TrafficSource,

    /// <summary>The publisher (partner) id.</summary>
    PublisherId,
}
