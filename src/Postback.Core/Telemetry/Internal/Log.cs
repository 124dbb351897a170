using System;
using Microsoft.Extensions.Logging;

namespace Postback.Internal;

/// <summary>
/// The library's log events. EventIds are stable: alerts may depend on them. No event carries a rendered URL or a
/// value; the endpoint's name and host say where.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "PostbackDelivered", Level = LogLevel.Debug,
        Message = "Postback to endpoint '{EndpointName}' ({Host}) delivered with status {StatusCode} after {Attempts} attempt(s) in {ElapsedMs:0} ms.")]
    public static partial void Delivered(ILogger logger, string endpointName, string? host, int? statusCode, int attempts, double elapsedMs);

    [LoggerMessage(EventId = 2, EventName = "PostbackRejected", Level = LogLevel.Warning,
        Message = "Postback to endpoint '{EndpointName}' ({Host}) was rejected with status {StatusCode} after {Attempts} attempt(s): {ErrorType}.")]
    public static partial void Rejected(ILogger logger, string endpointName, string? host, int? statusCode, int attempts, string? errorType);

    [LoggerMessage(EventId = 3, EventName = "PostbackFailed", Level = LogLevel.Warning,
        Message = "Postback to endpoint '{EndpointName}' ({Host}) failed after {Attempts} attempt(s) in {ElapsedMs:0} ms: {ErrorType} (status {StatusCode}). {ErrorMessage}")]
    public static partial void Failed(ILogger logger, string endpointName, string? host, int attempts, double elapsedMs, string? errorType, int? statusCode, string? errorMessage);

    [LoggerMessage(EventId = 4, EventName = "PostbackBlocked", Level = LogLevel.Warning,
        Message = "Postback to endpoint '{EndpointName}' ({Host}) was blocked: {ErrorMessage}")]
    public static partial void Blocked(ILogger logger, string endpointName, string? host, string? errorMessage);

    [LoggerMessage(EventId = 5, EventName = "PostbackInvalid", Level = LogLevel.Error,
        Message = "Postback to endpoint '{EndpointName}' could not be built: {ErrorMessage}")]
    public static partial void Invalid(ILogger logger, string endpointName, string? errorMessage);

    [LoggerMessage(EventId = 6, EventName = "PostbackSkipped", Level = LogLevel.Debug,
        Message = "Postback to endpoint '{EndpointName}' skipped: {Reason}")]
    public static partial void Skipped(ILogger logger, string endpointName, string reason);

    [LoggerMessage(EventId = 7, EventName = "PostbackRetrying", Level = LogLevel.Information,
        Message = "Postback to endpoint '{EndpointName}' ({Host}): attempt {Attempt} failed ({Reason}); retrying in {DelayMs:0} ms.")]
    public static partial void Retrying(ILogger logger, string endpointName, string? host, int attempt, string reason, double delayMs);

    [LoggerMessage(EventId = 8, EventName = "EndpointProviderFailed", Level = LogLevel.Error,
        Message = "Endpoint provider '{Provider}' failed; its postbacks for this transaction were not sent.")]
    public static partial void ProviderFailed(ILogger logger, string provider, Exception exception);

    [LoggerMessage(EventId = 9, EventName = "EndpointInvalid", Level = LogLevel.Error,
        Message = "Endpoint '{EndpointName}' from provider '{Provider}' is invalid: {Problem}")]
    public static partial void EndpointInvalid(ILogger logger, string endpointName, string provider, string problem);

    [LoggerMessage(EventId = 11, EventName = "PostbackAttemptFailed", Level = LogLevel.Information,
        Message = "Scheduled attempt of a postback to endpoint '{EndpointName}' ({Host}) failed in {ElapsedMs:0} ms: {ErrorType} (status {StatusCode}). {ErrorMessage}")]
    public static partial void AttemptFailed(ILogger logger, string endpointName, string? host, double elapsedMs, string? errorType, int? statusCode, string? errorMessage);

    [LoggerMessage(EventId = 20, EventName = "QueueDrainTimedOut", Level = LogLevel.Warning,
        Message = "The postback queue did not drain within {DrainTimeout}; {InFlight} postback(s) in flight will be abandoned.")]
    public static partial void QueueDrainTimedOut(ILogger logger, TimeSpan drainTimeout, int inFlight);

    [LoggerMessage(EventId = 21, EventName = "PostbackAbandoned", Level = LogLevel.Warning,
        Message = "Postback to endpoint '{EndpointName}' abandoned: {Reason}")]
    public static partial void Abandoned(ILogger logger, string endpointName, string reason);

    [LoggerMessage(EventId = 22, EventName = "DeliveryObserverFailed", Level = LogLevel.Error,
        Message = "Delivery observer '{Observer}' threw; the exception was ignored.")]
    public static partial void ObserverFailed(ILogger logger, string observer, Exception exception);

    [LoggerMessage(EventId = 23, EventName = "QueuedDeliveryFailed", Level = LogLevel.Error,
        Message = "Queued postback to endpoint '{EndpointName}' failed unexpectedly.")]
    public static partial void QueuedDeliveryFailed(ILogger logger, string endpointName, Exception exception);

    [LoggerMessage(EventId = 24, EventName = "QueueDispatchFailed", Level = LogLevel.Error,
        Message = "The postback queue could not dispatch a transaction: {Reason} The loop goes on.")]
    public static partial void QueueDispatchFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 10, EventName = "PostbackOptionsRejected", Level = LogLevel.Error,
        Message = "Postback options were rejected; delivery goes on with the last valid options. {Problem}")]
    public static partial void OptionsRejected(ILogger logger, string problem);

    [LoggerMessage(EventId = 30, EventName = "CircuitOpened", Level = LogLevel.Warning,
        Message = "The circuit for partner {Authority} opened for {BreakSeconds} s after repeated failures; its postbacks fail at once until then.")]
    public static partial void CircuitOpened(ILogger logger, string authority, double breakSeconds);
}
