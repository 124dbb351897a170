using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Postback.Internal;

/// <summary>
/// One attempt at one claimed delivery: read the stored transaction, find its endpoint by name among the current
/// endpoints (missing: parked), send it once with the delivery's idempotency key, and map the result to a completion.
/// </summary>
internal sealed class OutboxAttemptRunner(
    IPostbackSender sender,
    EndpointResolver resolver,
    PostbackOutboxOptions options,
    LastValidPostbackOptions postbackOptions,
    TimeProvider time,
    ILogger logger,
    string owner)
{
    /// <summary>The longest one attempt may take, plus the margin to complete it: what a lease must exceed.</summary>
    internal static TimeSpan LongestAttempt(PostbackOptions options) =>
        (options.TotalTimeout > options.AttemptTimeout ? options.TotalTimeout : options.AttemptTimeout) + PostbackOutboxOptionsCustomValidator.CompletionMargin;

    /// <summary>Makes the attempt; <see langword="null"/> when it is left to its lease (too little of it left).</summary>
    public async Task<OutboxPendingCompletion?> AttemptAsync(PostbackOutboxLease lease, CancellationToken abort)
    {
        var started = time.GetUtcNow();
        PostbackTransaction transaction;
        try
        {
            transaction = TransactionCodec.Deserialize(lease.Payload);
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException or OverflowException)
        {
            OutboxLog.PayloadUnreadable(logger, lease.Id, ex);
            var unreadable = Failure(lease, PostbackOutcome.Invalid, PostbackErrorTypes.InvalidRequest, $"The stored transaction cannot be read: {ex.Message}");
            return Complete(lease, new PostbackTransaction(), unreadable, started, PostbackEndpointSignal.None);
        }

        // Never start an attempt that could outlive its lease: another worker may claim it then, and two attempts would race.
        var settings = postbackOptions.Current;
        if (lease.LeaseExpiresAt - started < LongestAttempt(settings))
        {
            OutboxLog.LeaseTooShort(logger, lease.Id);
            return null;
        }

        var (targets, problems) = await resolver.ResolveAsync(transaction, abort).ConfigureAwait(false);
        var endpoint = Find(targets, lease.EndpointName);
        if (endpoint is null)
        {
            foreach (var problem in problems)
            {
                if (problem.Outcome == PostbackOutcome.Failed && problem.ErrorType == PostbackErrorTypes.EndpointError)
                {
                    // A provider failed: the endpoint may well still exist. Retry on schedule rather than park.
                    OutboxLog.EndpointLookupFailed(logger, lease.Id, lease.EndpointName);
                    var lookup = problem with { EndpointName = lease.EndpointName, IdempotencyKey = lease.IdempotencyKey };
                    return Complete(lease, transaction, lookup, started, PostbackEndpointSignal.None);
                }
            }

            var parked = Completion(lease, PostbackDeliveryState.Parked, PostbackEndpointSignal.None, parkReason: PostbackParkReasons.EndpointMissing);
            return new OutboxPendingCompletion(parked, lease, transaction, null);
        }

        var result = sender is DefaultPostbackSender defaultSender
            ? await defaultSender.SendOnceAsync(endpoint, transaction, lease.IdempotencyKey, abort).ConfigureAwait(false)
            : await sender.SendAsync(endpoint, transaction, abort).ConfigureAwait(false);
        return Complete(lease, transaction, result, started, null);
    }

    /// <summary>The completion of an attempt that threw: recorded as failed, so it is retried on schedule.</summary>
    public OutboxPendingCompletion Unexpected(PostbackOutboxLease lease, Exception ex)
    {
        OutboxLog.AttemptUnexpected(logger, lease.Id, lease.EndpointName, ex);
        var result = Failure(lease, PostbackOutcome.Failed, PostbackErrorTypes.Unexpected, $"{ex.GetType().Name}: {ex.Message}");
        return Complete(lease, null, result, time.GetUtcNow(), PostbackEndpointSignal.None);
    }

    private static PostbackResult Failure(PostbackOutboxLease lease, PostbackOutcome outcome, string errorType, string errorMessage) => new()
    {
        EndpointName = lease.EndpointName,
        Outcome = outcome,
        ErrorType = errorType,
        ErrorMessage = errorMessage,
        IdempotencyKey = lease.IdempotencyKey,
    };

    private OutboxPendingCompletion Complete(PostbackOutboxLease lease, PostbackTransaction? transaction, PostbackResult result, DateTimeOffset started, PostbackEndpointSignal? signal)
    {
        var decision = OutboxRules.Decide(result, lease.FailedAttempts, options.Schedule, options.Jitter, options.MaxRetryAfter, Random.Shared.NextDouble());
        var completion = Completion(
            lease,
            decision.State,
            signal ?? decision.Signal,
            retryDelay: decision.RetryDelay,
            record: new PostbackOutboxAttempt
            {
                Number = lease.Attempt,
                StartedAt = started,
                Duration = result.Elapsed,
                Outcome = result.Outcome,
                StatusCode = result.StatusCode,
                ErrorType = result.ErrorType,
                ErrorMessage = result.ErrorMessage,
                ResponseBody = result.ResponseBody,
                RedactedUrl = result.RedactedUrl,
            });
        return new OutboxPendingCompletion(completion, lease, transaction ?? new PostbackTransaction(), result);
    }

    private PostbackOutboxCompletion Completion(
        PostbackOutboxLease lease,
        PostbackDeliveryState state,
        PostbackEndpointSignal signal,
        TimeSpan retryDelay = default,
        string? parkReason = null,
        PostbackOutboxAttempt? record = null) => new()
        {
            Id = lease.Id,
            Owner = owner,
            Attempt = lease.Attempt,
            State = state,
            RetryDelay = retryDelay,
            ParkReason = parkReason,
            Signal = signal,
            Record = record,
        };

    private static PostbackEndpoint? Find(List<PostbackEndpoint> endpoints, string name)
    {
        foreach (var endpoint in endpoints)
        {
            if (string.Equals(endpoint.Name, name, StringComparison.Ordinal))
            {
                return endpoint;
            }
        }

        return null;
    }
}
