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
