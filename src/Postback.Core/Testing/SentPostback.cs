using System.Collections.Generic;

namespace Postback;

/// <summary>One postback a <see cref="FakePostbackSender"/> was asked to send, as it would have gone on the wire.</summary>
/// <param name="EndpointName">The endpoint's name.</param>
/// <param name="Method">GET or POST.</param>
/// <param name="Url">The rendered URL.</param>
/// <param name="Body">The rendered body, or <see langword="null"/>.</param>
/// <param name="ContentType">The body's content type, or <see langword="null"/>.</param>
/// <param name="Headers">The endpoint's extra headers.</param>
/// <param name="IdempotencyKey">The idempotency key the request would carry.</param>
/// <param name="Transaction">The transaction, when sent from an endpoint; <see langword="null"/> for a pre-rendered request.</param>
public sealed record SentPostback(
    string EndpointName,
    PostbackHttpMethod Method,
    string Url,
    string? Body,
    string? ContentType,
    IReadOnlyDictionary<string, string> Headers,
    string IdempotencyKey,
    PostbackTransaction? Transaction)
{
    /// <summary>The URL template the postback was rendered from, when it was: it says where values stand, for redaction.</summary>
    internal PostbackTemplate? UrlTemplate { get; init; }
}
