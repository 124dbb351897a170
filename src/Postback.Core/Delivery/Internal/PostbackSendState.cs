using System;
using System.Net.Http;
using System.Threading;

namespace Postback.Internal;

/// <summary>What one send carries through the HTTP pipeline, so every layer can name the endpoint and count attempts.</summary>
internal sealed class PostbackSendState
{
    /// <summary>Returns the state of a postback's request, or <see langword="null"/> for any other request.</summary>
    public static PostbackSendState? Of(HttpRequestMessage? request) => (request as PostbackRequestMessage)?.State;

    private int _attempts;

    public required string EndpointName { get; init; }

    public required string Host { get; init; }

    /// <summary>The partner's key in <see cref="PartnerPipelines"/> (<see cref="PartnerPipelines.AuthorityOf(Uri, string)"/>), found once per send.</summary>
    public required string Authority { get; init; }

    public required PostbackOptions Options { get; init; }

    public required long StartTimestamp { get; init; }

    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>One HTTP attempt only (the outbox's mode): the retry strategy does not retry this send.</summary>
    public bool SingleAttempt { get; init; }

    /// <summary>The Retry-After the partner asked for and the retry strategy refused to wait for.</summary>
    public TimeSpan? RetryAfterRefused { get; set; }

    public bool BodyTruncated { get; set; }

    /// <summary>The status of the last attempt that got a response, kept for results that end in an exception.</summary>
    public int? LastStatusCode { get; set; }

    public int CountAttempt() => Interlocked.Increment(ref _attempts);
}
