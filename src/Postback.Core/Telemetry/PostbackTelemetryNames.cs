namespace Postback;

/// <summary>The names Postback.Core's telemetry uses, for dashboards, alerts and <c>AddMeter</c>/<c>AddSource</c>.</summary>
public static class PostbackTelemetryNames
{
    /// <summary>The name of the Meter and of the ActivitySource: <c>Postback.Core</c>.</summary>
    public const string SourceName = "Postback.Core";

    /// <summary>The histogram of postback durations in seconds, all attempts included: <c>postback.send.duration</c>.</summary>
    public const string SendDuration = "postback.send.duration";

    /// <summary>The counter of postbacks by outcome: <c>postback.sends</c>.</summary>
    public const string Sends = "postback.sends";

    /// <summary>The counter of retried attempts: <c>postback.retries</c>.</summary>
    public const string Retries = "postback.retries";

    /// <summary>The activity (span) for one postback: <c>postback.send</c>.</summary>
    public const string SendActivity = "postback.send";

    /// <summary>The tag holding the endpoint's name.</summary>
    public const string EndpointTag = "postback.endpoint";

    /// <summary>The tag holding the outcome, in lower case (<c>delivered</c>, <c>rejected</c>, ...).</summary>
    public const string OutcomeTag = "postback.outcome";

    /// <summary>The tag holding the number of attempts, on the activity.</summary>
    public const string AttemptsTag = "postback.attempts";

    /// <summary>The tag holding the HTTP status code.</summary>
    public const string StatusCodeTag = "http.response.status_code";

    /// <summary>The tag holding one of <see cref="PostbackErrorTypes"/>.</summary>
    public const string ErrorTypeTag = "error.type";

    /// <summary>The tag holding the partner's host.</summary>
    public const string ServerAddressTag = "server.address";
}
