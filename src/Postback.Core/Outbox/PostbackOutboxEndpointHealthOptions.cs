using System;

namespace Postback;

/// <summary>
/// When the outbox disables an endpoint (the settable, bindable form of <see cref="PostbackEndpointHealthPolicy"/>): after
/// <see cref="ConsecutiveFailures"/> failed attempts in a row over at least <see cref="FailingFor"/>, or at once on a 410 Gone.
/// </summary>
public sealed class PostbackOutboxEndpointHealthOptions
{
    /// <summary>Gets or sets the failed attempts in a row needed. At least 1. The default is 10.</summary>
    public int ConsecutiveFailures { get; set; } = 10;

    /// <summary>Gets or sets how long the endpoint must have been failing, from its first failure with no success since. The default is 72 hours.</summary>
    public TimeSpan FailingFor { get; set; } = TimeSpan.FromHours(72);

    /// <summary>Gets or sets a value indicating whether a 410 Gone disables the endpoint at once. The default is <see langword="true"/>.</summary>
    public bool DisableOnGone { get; set; } = true;

    /// <summary>Returns the policy the store applies.</summary>
    /// <returns>The policy.</returns>
    public PostbackEndpointHealthPolicy ToPolicy() => new() { ConsecutiveFailures = ConsecutiveFailures, FailingFor = FailingFor, DisableOnGone = DisableOnGone };
}
