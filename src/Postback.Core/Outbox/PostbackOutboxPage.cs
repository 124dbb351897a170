using System.Collections.Generic;

namespace Postback;

/// <summary>One page of deliveries, newest first.</summary>
public sealed record PostbackOutboxPage
{
    /// <summary>Gets the deliveries.</summary>
    public required IReadOnlyList<PostbackOutboxDelivery> Items { get; init; }

    /// <summary>Gets the id to pass as <c>beforeId</c> for the next page, or <see langword="null"/> on the last page.</summary>
    public long? NextBeforeId { get; init; }
}
