using System;
using Microsoft.Extensions.Logging;

namespace Postback.Internal;

/// <summary>
/// The outbox's log events, EventIds 40 to 59 (stable: alerts may depend on them). Like every Postback.Core event, none
/// carries a URL or a transaction's value: deliveries are named by id and endpoint.
/// </summary>
internal static partial class OutboxLog
{
    [LoggerMessage(EventId = 40, EventName = "OutboxStarted", Level = LogLevel.Information,
        Message = "Postback outbox started: worker '{Owner}', store {Store}.")]
    public static partial void Started(ILogger logger, string owner, string store);

    [LoggerMessage(EventId = 41, EventName = "OutboxStoreFailed", Level = LogLevel.Error,
        Message = "The postback outbox store failed during {Operation}; retrying in {RetryDelay}. Claimed deliveries are kept by their leases.")]
    public static partial void StoreFailed(ILogger logger, string operation, TimeSpan retryDelay, Exception exception);

    [LoggerMessage(EventId = 42, EventName = "OutboxEndpointDisabled", Level = LogLevel.Warning,
        Message = "Postback endpoint '{EndpointName}' was disabled: {Reason}. Its pending deliveries are parked until it is enabled.")]
    public static partial void EndpointDisabled(ILogger logger, string endpointName, string? reason);

    [LoggerMessage(EventId = 43, EventName = "OutboxEndpointEnabled", Level = LogLevel.Information,
        Message = "Postback endpoint '{EndpointName}' was enabled; its parked deliveries are pending again.")]
    public static partial void EndpointEnabled(ILogger logger, string endpointName);

    [LoggerMessage(EventId = 44, EventName = "OutboxDeliveryParked", Level = LogLevel.Warning,
        Message = "Outbox delivery {DeliveryId} was parked: {ParkReason} (endpoint '{EndpointName}').")]
    public static partial void Parked(ILogger logger, long deliveryId, string endpointName, string parkReason);

    [LoggerMessage(EventId = 45, EventName = "OutboxDeliveryDead", Level = LogLevel.Warning,
        Message = "Outbox delivery {DeliveryId} to endpoint '{EndpointName}' is dead: all {Attempts} scheduled attempts failed (last: {ErrorType}).")]
    public static partial void Dead(ILogger logger, long deliveryId, string endpointName, int attempts, string? errorType);

    [LoggerMessage(EventId = 46, EventName = "OutboxCompletionStale", Level = LogLevel.Debug,
        Message = "Outbox delivery {DeliveryId}: the completion of attempt {Attempt} did not count; its lease had ended and the delivery was claimed again.")]
    public static partial void Stale(ILogger logger, long deliveryId, int attempt);

    [LoggerMessage(EventId = 47, EventName = "OutboxDrainTimedOut", Level = LogLevel.Warning,
        Message = "The postback outbox did not drain within {DrainTimeout}; {InFlight} attempt(s) in flight stay in the store and are retried when their lease ends.")]
    public static partial void DrainTimedOut(ILogger logger, TimeSpan drainTimeout, int inFlight);

    [LoggerMessage(EventId = 48, EventName = "OutboxPurged", Level = LogLevel.Information,
        Message = "The postback outbox purged {Count} finished or dead deliveries.")]
    public static partial void Purged(ILogger logger, long count);

    [LoggerMessage(EventId = 49, EventName = "OutboxPayloadUnreadable", Level = LogLevel.Error,
        Message = "Outbox delivery {DeliveryId}: its stored transaction cannot be read; it is marked invalid.")]
    public static partial void PayloadUnreadable(ILogger logger, long deliveryId, Exception exception);

    [LoggerMessage(EventId = 50, EventName = "OutboxAttemptUnexpected", Level = LogLevel.Error,
        Message = "Outbox delivery {DeliveryId} to endpoint '{EndpointName}' failed unexpectedly; it is retried on schedule.")]
    public static partial void AttemptUnexpected(ILogger logger, long deliveryId, string endpointName, Exception exception);

    [LoggerMessage(EventId = 51, EventName = "OutboxObserverFailed", Level = LogLevel.Error,
        Message = "Outbox observer '{Observer}' threw; the exception was ignored.")]
    public static partial void ObserverFailed(ILogger logger, string observer, Exception exception);

    [LoggerMessage(EventId = 52, EventName = "OutboxEnqueueFailed", Level = LogLevel.Error,
        Message = "TryEnqueue on the postback outbox could not store the transaction; it returned false and the transaction is not enqueued.")]
    public static partial void TryEnqueueFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 53, EventName = "OutboxLeaseTooShort", Level = LogLevel.Warning,
        Message = "Outbox delivery {DeliveryId}: too little of its lease was left for an attempt; it is left to the lease and attempted again after it.")]
    public static partial void LeaseTooShort(ILogger logger, long deliveryId);

    [LoggerMessage(EventId = 54, EventName = "OutboxEndpointLookupFailed", Level = LogLevel.Warning,
        Message = "Outbox delivery {DeliveryId}: endpoint '{EndpointName}' was not found while an endpoint provider failed; it is retried on schedule rather than parked.")]
    public static partial void EndpointLookupFailed(ILogger logger, long deliveryId, string endpointName);

    [LoggerMessage(EventId = 55, EventName = "OutboxCompletionNotRecorded", Level = LogLevel.Warning,
        Message = "Outbox delivery {DeliveryId}: attempt {Attempt} finished after the completion writer stopped; it is not recorded and is attempted again after its lease.")]
    public static partial void CompletionNotRecorded(ILogger logger, long deliveryId, int attempt);
}
