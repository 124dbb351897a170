using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using Postback.Cli.Shell;
using Spectre.Console;

namespace Postback.Cli.Commands.Outbox;

/// <summary><c>postback outbox stats</c>: counts by state, the oldest pending delivery, and the endpoints that are disabled or failing.</summary>
internal static class StatsCommand
{
    public static Command Create(StoreOptionSet store)
    {
        var command = new Command("stats", "Counts by state, the oldest pending delivery, and the endpoints that are disabled or failing.");
        command.WithExamples(
            "postback outbox stats --sqlite /var/lib/app/postbacks.db",
            "postback outbox stats --postgres 'Host=db;Database=app;Username=ops'");
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, cancellationToken, async outbox =>
        {
            var stats = await outbox.GetStatsAsync(cancellationToken).ConfigureAwait(false);
            var endpoints = await outbox.GetEndpointsAsync(cancellationToken).ConfigureAwait(false);
            var now = TimeProvider.System.GetUtcNow();

            var counts = new Table().Border(TableBorder.Simple).AddColumn("State").AddColumn(new TableColumn("Count").RightAligned());
            foreach (var state in Enum.GetValues<PostbackDeliveryState>())
            {
                counts.AddRow(state.ToString(), stats[state].ToString(CultureInfo.InvariantCulture));
            }

            counts.AddRow("Total", stats.Counts.Values.Sum().ToString(CultureInfo.InvariantCulture));
            Terminal.Out.Write(counts);
            Terminal.Out.WriteLine(stats.OldestPendingEnqueuedAt is { } oldest
                ? $"Oldest pending: enqueued {Durations.Format(oldest)} ({Durations.Format(now - oldest)} ago)"
                : "Oldest pending: none");

            var troubled = endpoints.Where(e => !e.Enabled || e.ConsecutiveFailures > 0 || e.FailingSince is not null).ToArray();
            if (troubled.Length == 0)
            {
                Terminal.Out.WriteLine(endpoints.Count == 0 ? "Endpoints: none recorded yet." : $"Endpoints: all {endpoints.Count} enabled and healthy.");
                return ExitCodes.Ok;
            }

            Terminal.Out.WriteLine();
            Terminal.Out.WriteLine("Endpoints disabled or failing:");
            var table = new Table().Border(TableBorder.Simple)
                .AddColumn("Endpoint").AddColumn("State").AddColumn(new TableColumn("Failures").RightAligned())
                .AddColumn("Failing since").AddColumn("Last success").AddColumn("Disabled at").AddColumn("Reason");
            foreach (var endpoint in troubled)
            {
                table.AddRow(
                    new Text(endpoint.Name),
                    new Markup(endpoint.Enabled ? "[yellow]failing[/]" : "[red]disabled[/]"),
                    new Text(endpoint.ConsecutiveFailures.ToString(CultureInfo.InvariantCulture)),
                    new Text(Durations.Format(endpoint.FailingSince)),
                    new Text(Durations.Format(endpoint.LastSuccessAt)),
                    new Text(Durations.Format(endpoint.DisabledAt)),
                    new Text(endpoint.DisabledReason ?? "-"));
            }

            Terminal.Out.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
