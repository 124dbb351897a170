using System.Collections.Generic;

namespace Postback;

/// <summary>An already-rendered postback, for <see cref="IPostbackSender.SendAsync(PostbackRequest, System.Threading.CancellationToken)"/>.</summary>
public sealed class PostbackRequest
{
    /// <summary>Gets the endpoint's name, used in logs, metrics and the result.</summary>
    public required string EndpointName { get; init; }

    /// <summary>Gets the absolute http(s) URL to call.</summary>
    public required string Url { get; init; }

    /// <summary>Gets the HTTP method. The default is GET.</summary>
    public PostbackHttpMethod Method { get; init; } = PostbackHttpMethod.Get;

    /// <summary>Gets the body, or <see langword="null"/>; POST only.</summary>
    public string? Body { get; init; }

    /// <summary>Gets the body's media type, such as <c>application/json</c>. Required with a body.</summary>
    public string? ContentType { get; init; }

    /// <summary>Gets extra request headers, checked like an endpoint's.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>Gets the idempotency key every attempt carries; when <see langword="null"/>, one is derived from the endpoint name, method, URL and body.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Gets the text a 2xx body must contain to count as delivered, or <see langword="null"/> to accept any 2xx.</summary>
    public string? SuccessBodyContains { get; init; }

    /// <summary>The URL template the request was rendered from, when it was: it says where values stand, for redaction.</summary>
    internal PostbackTemplate? UrlTemplate { get; init; }
}
