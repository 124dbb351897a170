using System;

namespace Postback;

/// <summary>One recorded attempt of a delivery: the delivery log's line. It never holds a value in clear: the URL is redacted.</summary>
public sealed record PostbackOutboxAttempt
{
    /// <summary>Gets the attempt's number (see <see cref="PostbackOutboxLease.Attempt"/>).</summary>
    public required int Number { get; init; }

    /// <summary>Gets when the attempt started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets how long the attempt took.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Gets the attempt's outcome.</summary>
    public required PostbackOutcome Outcome { get; init; }

    /// <summary>Gets the HTTP status, when the partner answered.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Gets one of <see cref="PostbackErrorTypes"/>, or an outbox reason, when the attempt failed.</summary>
    public string? ErrorType { get; init; }

    /// <summary>Gets what went wrong, without URL or values.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Gets the first bytes of the response body (bounded by <see cref="PostbackOptions.MaxResponseBodyBytes"/>).</summary>
    public string? ResponseBody { get; init; }

    /// <summary>Gets the URL with every value masked.</summary>
    public string? RedactedUrl { get; init; }
}
