using System;

namespace Postback;

/// <summary>What happened to one postback.</summary>
public enum PostbackOutcome
{
    /// <summary>The partner accepted it: a 2xx status (and the endpoint's success check, if any, passed).</summary>
    Delivered = 1,

    /// <summary>The partner answered and refused it: a final 4xx, or a 2xx whose body failed the success check. Not retried.</summary>
    Rejected,

    /// <summary>It could not be delivered: network errors, timeouts, 408/429/5xx after every retry, a redirect, an open circuit.</summary>
    Failed,

    /// <summary>The security guard refused the destination before any connection was made. Not retried.</summary>
    Blocked,

    /// <summary>Nothing was sent because the endpoint is disabled or does not apply to the transaction's traffic source.</summary>
    Skipped,

    /// <summary>No valid request could be built: a value could not be placed safely, or the URL is not an absolute http(s) URL.</summary>
    Invalid,
}

/// <summary>The stable values of <see cref="PostbackResult.ErrorType"/> (also the <c>error.type</c> metric tag).</summary>
public static class PostbackErrorTypes
{
    /// <summary>The attempt or total timeout ran out.</summary>
    public const string Timeout = "timeout";

    /// <summary>A network error: connection refused or reset, DNS failure, TLS failure.</summary>
    public const string ConnectionError = "connection_error";

    /// <summary>The partner answered with a redirect, which is never followed.</summary>
    public const string Redirect = "redirect";

    /// <summary>The partner's host has failed too often recently; its circuit breaker is open.</summary>
    public const string CircuitOpen = "circuit_open";

    /// <summary>The partner asked to retry later than the library may wait; see <see cref="PostbackResult.RetryAfter"/>.</summary>
    public const string RetryAfterTooLong = "retry_after_too_long";

    /// <summary>The partner answered with an error status; the status code is in <see cref="PostbackResult.StatusCode"/>.</summary>
    public const string HttpError = "http_error";

    /// <summary>The partner answered 2xx, but the body failed the endpoint's success check.</summary>
    public const string SuccessCheckFailed = "success_check_failed";

    /// <summary>A value could not be placed in the template safely.</summary>
    public const string RenderError = "render_error";

    /// <summary>The request is not valid: not an absolute http(s) URL, or too long.</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>The destination was refused by the security guard.</summary>
    public const string Blocked = "blocked";

    /// <summary>An endpoint provider failed, or gave an endpoint that does not compile.</summary>
    public const string EndpointError = "endpoint_error";

    /// <summary>An unexpected exception; the message says which.</summary>
    public const string Unexpected = "unexpected";
}

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

    /// <summary>Gets the URL with its query values masked (<see cref="PostbackUrlRedactor"/>), safe to log; <see langword="null"/> when no URL was built.</summary>
    /// <remarks>Computed on first use: most results are never logged with their URL, and redaction costs about a microsecond.</remarks>
    public string? RedactedUrl
    {
        get => _redactedUrl ??= RequestUri is null ? null : PostbackUrlRedactor.Redact(RequestUri);
        init => _redactedUrl = value;
    }

    /// <summary>The URL that was sent, kept for <see cref="RedactedUrl"/> and never exposed as it is.</summary>
    internal Uri? RequestUri { get; init; }

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
