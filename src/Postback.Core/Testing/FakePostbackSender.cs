using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Postback.Internal;

namespace Postback;

/// <summary>
/// An <see cref="IPostbackSender"/> for your own tests: it renders and checks each request exactly as the real sender
/// does (with the default limits), records every postback instead of sending it, and answers as you tell it (delivered
/// by default). A request the real sender would refuse is refused here too, as <see cref="PostbackOutcome.Invalid"/>,
/// and not recorded. No network is touched.
/// </summary>
/// <example>
/// <code>
/// var fake = new FakePostbackSender().RespondWith(sent => sent.EndpointName == "partner-b" ? PostbackOutcome.Failed : PostbackOutcome.Delivered);
/// services.AddPostbacks(configure).UseSender(fake);
/// // ... run your code ...
/// fake.Sent.Should().ContainSingle(p => p.Url.Contains("sid=abc"));
/// </code>
/// </example>
public sealed class FakePostbackSender : IPostbackSender
{
    private static readonly PostbackOptions DefaultOptions = new();
    private readonly ConcurrentQueue<SentPostback> _sent = new();
    private Func<SentPostback, CancellationToken, ValueTask<PostbackResult>> _respond;

    /// <summary>Initializes a new instance of the <see cref="FakePostbackSender"/> class that answers every postback as delivered (200).</summary>
    public FakePostbackSender()
    {
        _respond = static (sent, _) => ValueTask.FromResult(Result(sent, PostbackOutcome.Delivered));
    }

    /// <summary>Gets every postback sent so far, in order.</summary>
    public IReadOnlyList<SentPostback> Sent => [.. _sent];

    /// <summary>Answers every postback with the given outcome.</summary>
    /// <param name="outcome">The outcome.</param>
    /// <returns>This sender.</returns>
    public FakePostbackSender RespondWith(PostbackOutcome outcome) => RespondWith(_ => outcome);

    /// <summary>Answers each postback with the outcome a function picks.</summary>
    /// <param name="outcome">Picks the outcome.</param>
    /// <returns>This sender.</returns>
    public FakePostbackSender RespondWith(Func<SentPostback, PostbackOutcome> outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        _respond = (sent, _) => ValueTask.FromResult(Result(sent, outcome(sent)));
        return this;
    }

    /// <summary>Answers each postback with a result you build, asynchronously (to simulate a slow partner, say).</summary>
    /// <param name="respond">Builds the result; honour the token to behave like the real sender.</param>
    /// <returns>This sender.</returns>
    public FakePostbackSender RespondWith(Func<SentPostback, CancellationToken, ValueTask<PostbackResult>> respond)
    {
        _respond = respond ?? throw new ArgumentNullException(nameof(respond));
        return this;
    }

    /// <summary>Forgets what was sent.</summary>
    public void Clear() => _sent.Clear();

    /// <inheritdoc/>
    public ValueTask<PostbackResult> SendAsync(PostbackEndpoint endpoint, PostbackTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(transaction);
        cancellationToken.ThrowIfCancellationRequested();
        if (!PostbackRequestBuilder.TryBuild(endpoint, transaction, idempotencyKey: null, out var request, out var refused))
        {
            return ValueTask.FromResult(refused);
        }

        return Record(request, headersChecked: true, transaction, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<PostbackResult> SendAsync(PostbackRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.EndpointName, nameof(request));
        cancellationToken.ThrowIfCancellationRequested();
        return Record(request, headersChecked: false, transaction: null, cancellationToken);
    }

    /// <summary>Builds the result a fake answer stands for.</summary>
    /// <param name="sent">The postback.</param>
    /// <param name="outcome">The outcome.</param>
    /// <returns>A result as the real sender would give it, with a plausible status code.</returns>
    public static PostbackResult Result(SentPostback sent, PostbackOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(sent);
        return new PostbackResult
        {
            EndpointName = sent.EndpointName,
            Outcome = outcome,
            Host = Uri.TryCreate(sent.Url, UriKind.Absolute, out var uri) ? uri.IdnHost : null,
            RedactedUrl = sent.UrlTemplate is { } template && Uri.TryCreate(sent.Url, UriKind.Absolute, out var parsed)
                ? PostbackUrlRedactor.Redact(parsed, template)
                : PostbackUrlRedactor.Redact(sent.Url),
            StatusCode = outcome switch
            {
                PostbackOutcome.Delivered => 200,
                PostbackOutcome.Rejected => 400,
                PostbackOutcome.Failed => 503,
                _ => null,
            },
            Attempts = outcome is PostbackOutcome.Delivered or PostbackOutcome.Rejected or PostbackOutcome.Failed ? 1 : 0,
            IdempotencyKey = sent.IdempotencyKey,
            ErrorType = outcome switch
            {
                PostbackOutcome.Rejected or PostbackOutcome.Failed => PostbackErrorTypes.HttpError,
                PostbackOutcome.Blocked => PostbackErrorTypes.Blocked,
                PostbackOutcome.Invalid => PostbackErrorTypes.InvalidRequest,
                _ => null,
            },
            ErrorMessage = outcome == PostbackOutcome.Delivered ? null : $"Fake outcome: {outcome}.",
        };
    }

    private ValueTask<PostbackResult> Record(PostbackRequest request, bool headersChecked, PostbackTransaction? transaction, CancellationToken cancellationToken)
    {
        // The real sender's checks, with the default limits: what it would refuse is refused here too, and not recorded.
        if (!PostbackRequestBuilder.TryCheck(request, DefaultOptions, headersChecked, out _, out var problem))
        {
            return ValueTask.FromResult(PostbackRequestBuilder.Invalid(request.EndpointName, PostbackErrorTypes.InvalidRequest, problem));
        }

        var sent = new SentPostback(
            request.EndpointName,
            request.Method,
            request.Url,
            request.Body,
            request.ContentType,
            request.Headers ?? new Dictionary<string, string>(),
            PostbackRequestBuilder.KeyOf(request),
            transaction)
        {
            UrlTemplate = request.UrlTemplate,
        };
        _sent.Enqueue(sent);
        return _respond(sent, cancellationToken);
    }
}
