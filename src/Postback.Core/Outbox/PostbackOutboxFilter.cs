using System;

namespace Postback;

/// <summary>Selects deliveries in an outbox: for queries, replays and the CLI. Every property left <see langword="null"/> matches all.</summary>
public sealed record PostbackOutboxFilter
{
    /// <summary>Gets one delivery's id.</summary>
    public long? Id { get; init; }

    /// <summary>Gets the endpoint's name (exact, ordinal).</summary>
    public string? EndpointName { get; init; }

    /// <summary>Gets the state.</summary>
    public PostbackDeliveryState? State { get; init; }

    /// <summary>Gets the order number (exact).</summary>
    public string? OrderNumber { get; init; }

    /// <summary>Gets the earliest enqueue time, inclusive.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Gets the latest enqueue time, exclusive.</summary>
    public DateTimeOffset? Until { get; init; }
}
