using System;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Postback.Internal;

/// <summary>Sends postbacks through the named <see cref="IHttpClientFactory"/> client that <c>AddPostbacks</c> configures.</summary>
internal sealed class DefaultPostbackSender(
    IHttpClientFactory httpClientFactory,
    LastValidPostbackOptions options,
    AddressPolicyProvider policies,
    PostbackTelemetry telemetry,
    TimeProvider time,
    ILogger<DefaultPostbackSender> logger) : IPostbackSender
{
    private KnownAuthority? _lastAuthority;

    public ValueTask<PostbackResult> SendAsync(PostbackEndpoint endpoint, PostbackTransaction transaction, CancellationToken cancellationToken = default) =>
        SendEndpointAsync(endpoint, transaction, idempotencyKey: null, singleAttempt: false, cancellationToken);

    /// <summary>
    /// One HTTP attempt, for the outbox: the retry strategy is skipped (its schedule is the outbox's), the key is the one
    /// the delivery was stored with, and a failed answer's <c>Retry-After</c> is returned in <see cref="PostbackResult.RetryAfter"/>.
    /// </summary>
    internal ValueTask<PostbackResult> SendOnceAsync(PostbackEndpoint endpoint, PostbackTransaction transaction, string idempotencyKey, CancellationToken cancellationToken) =>
        SendEndpointAsync(endpoint, transaction, idempotencyKey, singleAttempt: true, cancellationToken);

    private ValueTask<PostbackResult> SendEndpointAsync(PostbackEndpoint endpoint, PostbackTransaction transaction, string? idempotencyKey, bool singleAttempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(transaction);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<PostbackResult>(cancellationToken);
        }

        if (!PostbackRequestBuilder.TryBuild(endpoint, transaction, idempotencyKey, out var request, out var refused))
        {
            return ValueTask.FromResult(Finish(null, refused));
        }

        return SendCoreAsync(request, headersChecked: true, cancellationToken, singleAttempt);
    }

    public ValueTask<PostbackResult> SendAsync(PostbackRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.EndpointName, nameof(request));
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<PostbackResult>(cancellationToken);
        }

        return SendCoreAsync(request, headersChecked: false, cancellationToken);
    }

    private async ValueTask<PostbackResult> SendCoreAsync(PostbackRequest request, bool headersChecked, CancellationToken cancellationToken, bool singleAttempt = false)
    {
        var started = time.GetTimestamp();
        using var activity = PostbackTelemetry.ActivitySource.StartActivity(PostbackTelemetryNames.SendActivity, ActivityKind.Internal);
        activity?.SetTag(PostbackTelemetryNames.EndpointTag, request.EndpointName);
        if (!options.TryGet(out var settings, out var invalid))
        {
            // Only when the options never validated (start-up validation was bypassed): a result, not an exception.
            return Finish(activity, PostbackRequestBuilder.Invalid(request.EndpointName, PostbackErrorTypes.InvalidRequest, invalid));
        }

        if (!PostbackRequestBuilder.TryCheck(request, settings, headersChecked, out var uri, out var problem))
        {
            return Finish(activity, PostbackRequestBuilder.Invalid(request.EndpointName, PostbackErrorTypes.InvalidRequest, problem));
        }

        var host = uri.IdnHost;
        activity?.SetTag(PostbackTelemetryNames.ServerAddressTag, host);

        // What the URL alone shows (scheme, port, a literal address, localhost) is refused before any attempt; the
        // connection callback checks the resolved addresses of everything else.
        var verdict = policies.For(settings).EvaluateUri(uri);
        if (!verdict.IsAllowed)
        {
            return Finish(activity, Blocked(request.EndpointName, host, 0, time.GetElapsedTime(started), $"The destination '{host}' is not allowed: {verdict.Reason}.") with { RequestUri = uri, UrlTemplate = request.UrlTemplate });
        }

        var key = PostbackRequestBuilder.KeyOf(request);
        var state = new PostbackSendState
        {
            EndpointName = request.EndpointName,
            Host = host,
            Authority = AuthorityOf(uri, host),
            Options = settings,
            StartTimestamp = started,
            SingleAttempt = singleAttempt,
        };

        using var message = new PostbackRequestMessage(request.Method == PostbackHttpMethod.Post ? HttpMethod.Post : HttpMethod.Get, uri, state)
        {
            // HTTP/3 would bypass the connection callback that later guards where requests may go.
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        if (request.Body is not null)
        {
            message.Content = new StringContent(request.Body, Encoding.UTF8, request.ContentType!);
        }

        // Both checked up front (the options at start-up, the request or the endpoint), so a header that does not fit
        // is a local fault: it ends the postback as invalid, and never reaches the partner or its circuit.
        if (!message.Headers.TryAddWithoutValidation(settings.IdempotencyHeaderName, key))
        {
            return Finish(activity, PostbackRequestBuilder.Invalid(request.EndpointName, PostbackErrorTypes.InvalidRequest, $"The idempotency header '{settings.IdempotencyHeaderName}' cannot be sent as a request header."));
        }

        if (request.Headers is not null)
        {
            foreach (var (name, value) in request.Headers)
            {
                // A content header comes only with a body.
                if (!message.Headers.TryAddWithoutValidation(name, value) && message.Content?.Headers.TryAddWithoutValidation(name, value) != true)
                {
                    return Finish(activity, PostbackRequestBuilder.Invalid(request.EndpointName, PostbackErrorTypes.InvalidRequest, $"The header '{name}' cannot be sent with this request."));
                }
            }
        }

        PostbackResult result;
        try
        {
            var client = httpClientFactory.CreateClient(PostbackHttpPipeline.HttpClientName);
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            // Bytes, decoded tolerantly: a charset .NET does not know must not turn a delivered postback into a failure.
            // The capture step (ResponseCapture) already holds them, unless a custom strategy replaced the content.
            var bytes = response.Content is CapturedContent captured
                ? captured.Body
                : await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var body = ResponseBodyDecoder.Decode(bytes, response.Content.Headers.ContentType?.CharSet, state.BodyTruncated);
            result = FromResponse(request, uri, state, key, (int)response.StatusCode, body);
            if (singleAttempt && result.Outcome == PostbackOutcome.Failed && result.RetryAfter is null)
            {
                // No retry strategy read it: the outbox schedules the next attempt with it, within its own bounds.
                result = result with { RetryAfter = PostbackRetryDecision.GetRetryAfter(response, time) };
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is TimeoutRejectedException or OperationCanceledException)
        {
            result = Failed(request, state, key, PostbackErrorTypes.Timeout, $"The postback timed out after {state.Attempts} attempt(s).");
        }
        catch (BrokenCircuitException)
        {
            var why = state.Attempts == 0
                ? $"The circuit for host '{host}' is open after repeated failures; the postback was not sent."
                : $"The circuit for host '{host}' opened after attempt {state.Attempts} failed; no further attempt was made.";
            result = Failed(request, state, key, PostbackErrorTypes.CircuitOpen, why) with { StatusCode = state.LastStatusCode };
        }
        catch (Exception ex) when (PostbackDestinationBlockedException.IsIn(ex))
        {
            result = Blocked(request.EndpointName, host, state.Attempts, time.GetElapsedTime(started), PostbackDestinationBlockedException.MessageIn(ex)!);
        }
        catch (HttpRequestException ex)
        {
            result = Failed(request, state, key, PostbackErrorTypes.ConnectionError, $"{ex.HttpRequestError}: {ex.Message}");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Never let one partner's odd failure crash the caller: it becomes a result that says what happened.
            result = Failed(request, state, key, PostbackErrorTypes.Unexpected, ExceptionText.Describe(ex));
        }

        // A response's result already names its URL; only the failures are copied to add it.
        return Finish(activity, result.RequestUri is null ? result with { RequestUri = uri, UrlTemplate = request.UrlTemplate } : result, singleAttempt);
    }

    /// <summary>
    /// The partner key of the URL, reused while consecutive sends go to the same scheme, host and port (most sends of
    /// a process go to a few partners): a comparison instead of building the string again.
    /// </summary>
    private string AuthorityOf(Uri uri, string host)
    {
        var last = Volatile.Read(ref _lastAuthority);
        if (last is not null && last.Port == uri.Port && string.Equals(last.Host, host, StringComparison.Ordinal) && string.Equals(last.Scheme, uri.Scheme, StringComparison.Ordinal))
        {
            return last.Authority;
        }

        var authority = PartnerPipelines.AuthorityOf(uri, host);
        Volatile.Write(ref _lastAuthority, new KnownAuthority(uri.Scheme, host, uri.Port, authority));
        return authority;
    }

    private PostbackResult FromResponse(PostbackRequest request, Uri uri, PostbackSendState state, string key, int status, string body)
    {
        var elapsed = time.GetElapsedTime(state.StartTimestamp);
        var (outcome, errorType, message) = status switch
        {
            >= 200 and < 300 when request.SuccessBodyContains is { } expected && !body.Contains(expected, StringComparison.Ordinal) =>
                (PostbackOutcome.Rejected, PostbackErrorTypes.SuccessCheckFailed, $"The partner answered {status}, but the body does not contain the expected '{expected}'."),
            >= 200 and < 300 => (PostbackOutcome.Delivered, null, null),
            >= 300 and < 400 => (PostbackOutcome.Failed, PostbackErrorTypes.Redirect, $"The partner answered {status} with a redirect, which is never followed."),
            _ when state.RetryAfterRefused is { } wait =>
                (PostbackOutcome.Failed, PostbackErrorTypes.RetryAfterTooLong, $"The partner answered {status} and asked to retry after {wait}, longer than the {state.Options.MaxRetryAfter} allowed (MaxRetryAfter) or the time left; retry it later."),
            408 or 429 or >= 500 => (PostbackOutcome.Failed, PostbackErrorTypes.HttpError, state.SingleAttempt ? $"The partner answered {status}." : $"The partner answered {status} on every attempt."),
            _ => (PostbackOutcome.Rejected, PostbackErrorTypes.HttpError, $"The partner refused the postback with {status}; it is not retried."),
        };

        return new PostbackResult
        {
            EndpointName = request.EndpointName,
            Outcome = outcome,
            Host = state.Host,
            StatusCode = status,
            Attempts = state.Attempts,
            Elapsed = elapsed,
            ResponseBody = body,
            ResponseBodyTruncated = state.BodyTruncated,
            ErrorType = errorType,
            ErrorMessage = message,
            RetryAfter = errorType == PostbackErrorTypes.RetryAfterTooLong ? state.RetryAfterRefused : null,
            IdempotencyKey = key,
            RequestUri = uri,
            UrlTemplate = request.UrlTemplate,
        };
    }

    private PostbackResult Failed(PostbackRequest request, PostbackSendState state, string key, string errorType, string message) => new()
    {
        EndpointName = request.EndpointName,
        Outcome = PostbackOutcome.Failed,
        Host = state.Host,
        Attempts = state.Attempts,
        Elapsed = time.GetElapsedTime(state.StartTimestamp),
        ErrorType = errorType,
        ErrorMessage = message,
        IdempotencyKey = key,
    };

    private static PostbackResult Blocked(string endpointName, string host, int attempts, TimeSpan elapsed, string message) => new()
    {
        EndpointName = endpointName,
        Outcome = PostbackOutcome.Blocked,
        Host = host,
        Attempts = attempts,
        Elapsed = elapsed,
        ErrorType = PostbackErrorTypes.Blocked,
        ErrorMessage = message,
    };


    private PostbackResult Finish(Activity? activity, PostbackResult result, bool singleAttempt = false)
    {
        PostbackTelemetry.Complete(activity, result);
        telemetry.Record(result);
        var elapsedMs = result.Elapsed.TotalMilliseconds;
        switch (result.Outcome)
        {
            case PostbackOutcome.Delivered:
                Log.Delivered(logger, result.EndpointName, result.Host, result.StatusCode, result.Attempts, elapsedMs);
                break;
            case PostbackOutcome.Rejected:
                Log.Rejected(logger, result.EndpointName, result.Host, result.StatusCode, result.Attempts, result.ErrorType);
                break;
            case PostbackOutcome.Failed when singleAttempt:
                // One attempt of the outbox's schedule: a failure here is routine, and the outbox logs what it decides
                // (the next attempt, a parked or a dead delivery), so it is not a warning of its own.
                Log.AttemptFailed(logger, result.EndpointName, result.Host, elapsedMs, result.ErrorType, result.StatusCode, result.ErrorMessage);
                break;
            case PostbackOutcome.Failed:
                Log.Failed(logger, result.EndpointName, result.Host, result.Attempts, elapsedMs, result.ErrorType, result.StatusCode, result.ErrorMessage);
                break;
            case PostbackOutcome.Blocked:
                Log.Blocked(logger, result.EndpointName, result.Host, result.ErrorMessage);
                break;
            case PostbackOutcome.Invalid:
                Log.Invalid(logger, result.EndpointName, result.ErrorMessage);
                break;
            default:
                Log.Skipped(logger, result.EndpointName, result.ErrorMessage ?? "not applicable");
                break;
        }

        return result;
    }

    private sealed record KnownAuthority(string Scheme, string Host, int Port, string Authority);
}
