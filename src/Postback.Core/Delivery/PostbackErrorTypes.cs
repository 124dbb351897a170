namespace Postback;

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
