using System;
using System.CommandLine;
using Postback.Cli.Shell;

namespace Postback.Cli.Commands.Outbox;

/// <summary>The filters <c>list</c> and <c>replay</c> share: endpoint, state, order number, since and until.</summary>
internal sealed class FilterOptionSet
{
    public Option<string?> Endpoint { get; } = new("--endpoint") { Description = "Only this endpoint's deliveries.", HelpName = "name" };

    public Option<PostbackDeliveryState?> State { get; } = new("--state") { Description = "Only deliveries in this state: Pending, InFlight, Parked, Delivered, Rejected, Blocked, Invalid or Dead." };

    public Option<string?> Order { get; } = new("--order") { Description = "Only the deliveries of this order number.", HelpName = "number" };

    public Option<string?> Since { get; } = new("--since") { Description = "Only deliveries enqueued at or after this time: ISO 8601 (2026-11-26T09:00:00Z) or an age (2h = two hours ago).", HelpName = "time" };

    public Option<string?> Until { get; } = new("--until") { Description = "Only deliveries enqueued before this time (same forms as --since).", HelpName = "time" };

    public void AddTo(Command command)
    {
        command.Add(Endpoint);
        command.Add(State);
        command.Add(Order);
        command.Add(Since);
        command.Add(Until);
    }

    public PostbackOutboxFilter Read(ParseResult parse, long? id = null)
    {
        var now = TimeProvider.System.GetUtcNow();
        return new PostbackOutboxFilter
        {
            Id = id,
            EndpointName = parse.GetValue(Endpoint),
            State = parse.GetValue(State),
            OrderNumber = parse.GetValue(Order),
            Since = parse.GetValue(Since) is { } since ? Durations.ParsePointInTime(since, now, "--since") : null,
            Until = parse.GetValue(Until) is { } until ? Durations.ParsePointInTime(until, now, "--until") : null,
        };
    }

    public static bool IsEmpty(PostbackOutboxFilter filter) =>
        filter is { Id: null, EndpointName: null, State: null, OrderNumber: null, Since: null, Until: null };

    public static string Describe(PostbackOutboxFilter filter)
    {
        var parts = new System.Collections.Generic.List<string>();
        Add(parts, "id", filter.Id?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add(parts, "endpoint", filter.EndpointName);
        Add(parts, "state", filter.State?.ToString());
        Add(parts, "order", filter.OrderNumber);
        Add(parts, "since", filter.Since is { } since ? Durations.Format(since) : null);
        Add(parts, "until", filter.Until is { } until ? Durations.Format(until) : null);
        return parts.Count == 0 ? "all" : string.Join(", ", parts);

        static void Add(System.Collections.Generic.List<string> parts, string name, string? value)
        {
            if (value is not null)
            {
                parts.Add(name + "=" + value);
            }
        }
    }
}
