using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Postback.Internal;

/// <summary>
/// The outbox's instruments on the library's one meter. The gauges read the last snapshot of
/// <see cref="IPostbackOutboxStore.GetStatsAsync"/>, refreshed every <see cref="PostbackOutboxOptions.StatsInterval"/>,
/// so a scrape never costs a database call.
/// </summary>
internal sealed class OutboxTelemetry
{
    private static readonly string[] StateNames = ["none", "pending", "in_flight", "parked", "delivered", "rejected", "blocked", "invalid", "dead"];

    private readonly Histogram<double> _latency;
    private readonly Counter<long> _disabled;
    private readonly Counter<long> _enabled;
    private readonly TimeProvider _time;
    private volatile PostbackOutboxStats? _stats;

    public OutboxTelemetry(IMeterFactory meterFactory, TimeProvider time)
    {
        _time = time;
        var meter = meterFactory.Create(PostbackTelemetryNames.SourceName);
        meter.CreateObservableGauge(PostbackOutboxTelemetryNames.Pending, () => Count(PostbackDeliveryState.Pending), unit: "{delivery}", description: "Deliveries waiting for an attempt.");
        meter.CreateObservableGauge(PostbackOutboxTelemetryNames.InFlight, () => Count(PostbackDeliveryState.InFlight), unit: "{delivery}", description: "Deliveries claimed by a worker.");
        meter.CreateObservableGauge(PostbackOutboxTelemetryNames.Parked, () => Count(PostbackDeliveryState.Parked), unit: "{delivery}", description: "Deliveries held back: endpoint disabled or missing.");
        meter.CreateObservableGauge(PostbackOutboxTelemetryNames.Dead, () => Count(PostbackDeliveryState.Dead), unit: "{delivery}", description: "Deliveries whose every scheduled attempt failed.");
        meter.CreateObservableGauge(PostbackOutboxTelemetryNames.OldestPendingAge, OldestPendingAge, unit: "s", description: "Age of the oldest pending delivery.");
        _latency = meter.CreateHistogram<double>(PostbackOutboxTelemetryNames.DeliveryLatency, unit: "s", description: "Time from enqueue (or replay) to a final state.");
        _disabled = meter.CreateCounter<long>(PostbackOutboxTelemetryNames.EndpointDisabled, unit: "{endpoint}", description: "Endpoints disabled.");
        _enabled = meter.CreateCounter<long>(PostbackOutboxTelemetryNames.EndpointEnabled, unit: "{endpoint}", description: "Endpoints enabled again.");
    }

    /// <summary>Gets the last stats snapshot, or <see langword="null"/> before the first.</summary>
    public PostbackOutboxStats? Stats => _stats;

    public static string StateName(PostbackDeliveryState state) => (int)state < StateNames.Length ? StateNames[(int)state] : "unknown";

    public void SetStats(PostbackOutboxStats stats) => _stats = stats;

    public void RecordFinal(string endpointName, PostbackDeliveryState state, TimeSpan latency) =>
        _latency.Record(
            Math.Max(0, latency.TotalSeconds),
            new TagList { { PostbackTelemetryNames.EndpointTag, endpointName }, { PostbackOutboxTelemetryNames.StateTag, StateName(state) } });

    public void RecordDisabled(string endpointName) => _disabled.Add(1, new KeyValuePair<string, object?>(PostbackTelemetryNames.EndpointTag, endpointName));

    public void RecordEnabled(string endpointName) => _enabled.Add(1, new KeyValuePair<string, object?>(PostbackTelemetryNames.EndpointTag, endpointName));

    private IEnumerable<Measurement<long>> Count(PostbackDeliveryState state) =>
        _stats is { } stats ? [new Measurement<long>(stats[state])] : [];

    private IEnumerable<Measurement<double>> OldestPendingAge()
    {
        if (_stats is not { } stats)
        {
            return [];
        }

        var age = stats.OldestPendingEnqueuedAt is { } oldest ? (_time.GetUtcNow() - oldest).TotalSeconds : 0;
        return [new Measurement<double>(Math.Max(0, age))];
    }
}
