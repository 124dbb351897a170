namespace Postback;

/// <summary>The guard's answer for one destination.</summary>
/// <param name="IsAllowed">Whether a connection may be made.</param>
/// <param name="Reason">Why it is denied (or, when allowed by an explicit rule, which rule); <see langword="null"/> for an ordinary public address.</param>
public readonly record struct PostbackDestinationVerdict(bool IsAllowed, string? Reason)
{
    internal static PostbackDestinationVerdict Allow(string? reason = null) => new(true, reason);

    internal static PostbackDestinationVerdict Deny(string reason) => new(false, reason);
}
