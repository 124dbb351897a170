using System;

namespace Postback;

/// <summary>An endpoint's health as the outbox store keeps it, shared by every node.</summary>
public sealed record PostbackOutboxEndpoint
{
    /// <summary>Gets the endpoint's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets a value indicating whether the endpoint is enabled.</summary>
    public required bool Enabled { get; init; }

    /// <summary>Gets the failed attempts in a row since the last success.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>Gets when the current failure streak began, or <see langword="null"/>.</summary>
    public DateTimeOffset? FailingSince { get; init; }

    /// <summary>Gets the last successful attempt, or <see langword="null"/>.</summary>
    public DateTimeOffset? LastSuccessAt { get; init; }

    /// <summary>Gets when it was disabled, or <see langword="null"/>.</summary>
    public DateTimeOffset? DisabledAt { get; init; }

    /// <summary>Gets why it was disabled, or <see langword="null"/>.</summary>
    public string? DisabledReason { get; init; }
}
