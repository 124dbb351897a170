using System;

namespace Postback;

/// <summary>When an outbox disables an endpoint on its own.</summary>
/// <remarks>
/// Both conditions must hold, so a busy partner that is down for a few minutes is not disabled by its first ten
/// failures, and a quiet one is not disabled by a single bad night: at least <see cref="ConsecutiveFailures"/> failed
/// attempts in a row, the first of them at least <see cref="FailingFor"/> ago, with no success in between.
/// </remarks>
public sealed record PostbackEndpointHealthPolicy
{
    /// <summary>Gets the failed attempts in a row needed. The default is 10.</summary>
    public int ConsecutiveFailures { get; init; } = 10;

    /// <summary>Gets how long the endpoint must have been failing. The default is 72 hours.</summary>
    public TimeSpan FailingFor { get; init; } = TimeSpan.FromHours(72);

    /// <summary>Gets a value indicating whether a 410 Gone disables the endpoint at once. The default is <see langword="true"/>.</summary>
    public bool DisableOnGone { get; init; } = true;
}
