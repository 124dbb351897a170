using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Postback.Internal;

/// <summary>The library's one Meter (through <see cref="IMeterFactory"/>) and one ActivitySource.</summary>
internal sealed class PostbackTelemetry
{
    public static readonly ActivitySource ActivitySource = new(PostbackTelemetryNames.SourceName);

    private static readonly string[] OutcomeNames = ["none", "delivered", "rejected", "failed", "blocked", "skipped", "invalid"];

    private readonly Histogram<double> _duration;
    private readonly Counter<long> _sends;
    private readonly Counter<long> _retries;

    public PostbackTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(PostbackTelemetryNames.SourceName);
        _duration = meter.CreateHistogram<double>(
            PostbackTelemetryNames.SendDuration,
            unit: "s",
            description: "Duration of a postback, from the first attempt to the result, retries and waits included.");
        _sends = meter.CreateCounter<long>(PostbackTelemetryNames.Sends, unit: "{postback}", description: "Postbacks by outcome.");
        _retries = meter.CreateCounter<long>(PostbackTelemetryNames.Retries, unit: "{attempt}", description: "Attempts that were retried.");
    }

    public static string OutcomeName(PostbackOutcome outcome) => OutcomeNames[(int)outcome];

    public void Record(PostbackResult result)
    {
        // Nobody listens (no MeterListener, no exporter): the tag list would be built for nothing.
        if (!_sends.Enabled && !_duration.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { PostbackTelemetryNames.EndpointTag, result.EndpointName },
            { PostbackTelemetryNames.OutcomeTag, OutcomeName(result.Outcome) },
        };
        if (result.StatusCode is { } status)
        {
            tags.Add(PostbackTelemetryNames.StatusCodeTag, status);
        }

        if (result.ErrorType is { } errorType)
        {
            tags.Add(PostbackTelemetryNames.ErrorTypeTag, errorType);
        }

        _sends.Add(1, tags);
        // Skipped and invalid postbacks never reach the pipeline: they have a count but no duration.
        if (result.Outcome is not (PostbackOutcome.Skipped or PostbackOutcome.Invalid))
        {
            _duration.Record(result.Elapsed.TotalSeconds, tags);
        }
    }

    public void RecordRetry(string endpointName)
    {
        if (_retries.Enabled)
        {
            _retries.Add(1, new TagList { { PostbackTelemetryNames.EndpointTag, endpointName } });
        }
    }

    public static void Complete(Activity? activity, PostbackResult result)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(PostbackTelemetryNames.OutcomeTag, OutcomeName(result.Outcome));
        activity.SetTag(PostbackTelemetryNames.AttemptsTag, result.Attempts);
        if (result.StatusCode is { } status)
        {
            activity.SetTag(PostbackTelemetryNames.StatusCodeTag, status);
        }

        if (result.ErrorType is { } errorType)
        {
            activity.SetTag(PostbackTelemetryNames.ErrorTypeTag, errorType);
            if (result.Outcome != PostbackOutcome.Skipped)
            {
                activity.SetStatus(ActivityStatusCode.Error, errorType);
            }
        }
    }
}
