using System;

namespace Postback;

/// <summary>The result of one postback. A delivery failure is a result, never an exception.</summary>
public sealed record PostbackResult
{
    /// <summary>Gets the endpoint's name.</summary>
    public required string EndpointName { get; init; }

    /// <summary>Gets what happened.</summary>
    public required PostbackOutcome Outcome { get; init; }

    /// <summary>Gets the partner's host, when the URL got that far. Safe to log; the URL itself is not.</summary>
    public string? Host { get; init; }

    private string? _redactedUrl;

    /// <summary>
    /// Gets the URL with every value masked (<see cref="PostbackUrlRedactor"/>), safe to log: query values, user info and
    /// fragment always, and, for an endpoint's postback, every path segment and query key where a macro stands;
    /// <see langword="null"/> when no URL was built.
    /// </summary>
    /// <remarks>Computed on first use: most results are never logged with their URL, and redaction costs about a microsecond.</remarks>
    public string? RedactedUrl
    {
        get => _redactedUrl ??= RequestUri is null ? null : PostbackUrlRedactor.Redact(RequestUri, UrlTemplate);
        init => _redactedUrl = value;
    }

    /// <summary>The URL that was sent, kept for <see cref="RedactedUrl"/> and never exposed as it is.</summary>
    internal Uri? RequestUri { get; init; }

    /// <summary>The URL's template, when the postback was rendered from one: it says where values stand, for <see cref="RedactedUrl"/>.</summary>
    internal PostbackTemplate? UrlTemplate { get; init; }

    /// <summary>Gets the last HTTP status code received, if any.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Gets how many HTTP attempts were made (0 when nothing was sent).</summary>
    public int Attempts { get; init; }

    /// <summary>Gets the time from the start of the send to the result.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Gets the first bytes of the last response body, decoded as UTF-8 (at most <see cref="PostbackOptions.MaxResponseBodyBytes"/>).</summary>
    public string? ResponseBody { get; init; }

    /// <summary>Gets a value indicating whether <see cref="ResponseBody"/> was cut at the limit.</summary>
    public bool ResponseBodyTruncated { get; init; }

    /// <summary>Gets one of <see cref="PostbackErrorTypes"/> when the postback was not delivered.</summary>
    public string? ErrorType { get; init; }

    /// <summary>Gets a message that says what went wrong; it never contains the rendered URL or its values.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Gets how long the partner asked to wait before a retry, when that was longer than the library may wait.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Gets the idempotency key every attempt carried.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Gets a value indicating whether the outcome is <see cref="PostbackOutcome.Delivered"/>.</summary>
    public bool IsDelivered => Outcome == PostbackOutcome.Delivered;

    /// <summary>Returns a one-line summary, safe to log.</summary>
    /// <returns>The summary.</returns>
    public override string ToString() =>
        $"{EndpointName}: {Outcome}{(StatusCode is { } s ? $" ({s})" : string.Empty)} after {Attempts} attempt(s) in {Elapsed.TotalMilliseconds:0} ms{(ErrorType is null ? string.Empty : $", {ErrorType}: {ErrorMessage}")}";
}
