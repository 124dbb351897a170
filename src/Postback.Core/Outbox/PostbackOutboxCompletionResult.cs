using System.Collections.Generic;

namespace Postback;

/// <summary>What a store did with a batch of completions.</summary>
public sealed record PostbackOutboxCompletionResult
{
    /// <summary>Gets the ids of completions that did not count: the lease had expired and the delivery was claimed again, or it was changed meanwhile.</summary>
    public IReadOnlyList<long> Stale { get; init; } = [];

    /// <summary>Gets the endpoints this batch disabled (each reported once, by the node whose completion disabled it).</summary>
    public IReadOnlyList<PostbackOutboxEndpoint> Disabled { get; init; } = [];
}
