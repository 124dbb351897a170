using System.CommandLine;
using System.Globalization;
using Postback.Cli.Shell;
using Spectre.Console;

namespace Postback.Cli.Commands.Outbox;

/// <summary><c>postback outbox show &lt;id&gt;</c>: one delivery and every recorded attempt, oldest first.</summary>
internal static class ShowCommand
{
    private const int ResponsePreview = 80;

    public static Command Create(StoreOptionSet store)
    {
        var id = new Argument<long>("id") { Description = "The delivery's id (from list)." };
        var command = new Command("show", "Show one delivery and its attempts: status, error, timing, the redacted URL and the start of each response.") { id };
        command.WithExamples("postback outbox show 1841 --sqlite postbacks.db");
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, cancellationToken, async outbox =>
        {
            var number = parse.GetValue(id);
            var delivery = await outbox.GetAsync(number, cancellationToken).ConfigureAwait(false);
            if (delivery is null)
            {
                Terminal.Error(string.Create(CultureInfo.InvariantCulture, $"No delivery {number}."));
                return ExitCodes.Failed;
            }

            var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
            grid.AddRow(new Text("Delivery"), new Text(delivery.Id.ToString(CultureInfo.InvariantCulture)));
            grid.AddRow(new Text("Endpoint"), new Text(delivery.EndpointName));
            grid.AddRow(new Text("State"), new Markup(StateMarkup(delivery.State) + (delivery.ParkReason is { } park ? Markup.Escape($" ({park})") : string.Empty)));
            grid.AddRow(new Text("Order"), new Text(delivery.OrderNumber ?? "-"));
            grid.AddRow(new Text("Host"), new Text(delivery.HostKey));
            grid.AddRow(new Text("Idempotency key"), new Text(delivery.IdempotencyKey));
            grid.AddRow(new Text("Enqueued"), new Text(Durations.Format(delivery.EnqueuedAt)));
            grid.AddRow(new Text("Next attempt"), new Text(Durations.Format(delivery.NextAttemptAt)));
            grid.AddRow(new Text("Completed"), new Text(Durations.Format(delivery.CompletedAt)));
            grid.AddRow(new Text("Attempts"), new Text(string.Create(CultureInfo.InvariantCulture, $"{delivery.Attempts} ({delivery.FailedAttempts} failed since the last replay)")));
            grid.AddRow(new Text("Last result"), new Text(LastResult(delivery)));
            Terminal.Out.Write(grid);

            var attempts = await outbox.GetAttemptsAsync(number, cancellationToken).ConfigureAwait(false);
            Terminal.Out.WriteLine();
            if (attempts.Count == 0)
            {
                Terminal.Out.WriteLine("No attempts recorded.");
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple)
                .AddColumn(new TableColumn("#").RightAligned()).AddColumn("Started").AddColumn(new TableColumn("Took").RightAligned())
                .AddColumn("Outcome").AddColumn("Status").AddColumn("Error").AddColumn("URL (redacted)").AddColumn("Response");
            foreach (var attempt in attempts)
            {
                table.AddRow(
                    attempt.Number.ToString(CultureInfo.InvariantCulture),
                    Durations.Format(attempt.StartedAt),
                    Durations.Format(attempt.Duration),
                    attempt.Outcome.ToString(),
                    attempt.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    Markup.Escape(attempt.ErrorType is null ? "-" : attempt.ErrorType + (attempt.ErrorMessage is null ? string.Empty : ": " + attempt.ErrorMessage)),
                    Markup.Escape(attempt.RedactedUrl ?? "-"),
                    Markup.Escape(Preview(attempt.ResponseBody)));
            }

            Terminal.Out.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static string StateMarkup(PostbackDeliveryState state) => state switch
    {
        PostbackDeliveryState.Delivered => "[green]Delivered[/]",
        PostbackDeliveryState.Pending or PostbackDeliveryState.InFlight => $"[blue]{state}[/]",
        PostbackDeliveryState.Parked => "[yellow]Parked[/]",
        _ => $"[red]{state}[/]",
    };

    public static string LastResult(PostbackOutboxDelivery delivery) =>
        delivery.LastStatusCode is { } status ? status.ToString(CultureInfo.InvariantCulture) + (delivery.LastErrorType is { } error ? " " + error : string.Empty)
        : delivery.LastErrorType ?? "-";

    private static string Preview(string? body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return "-";
        }

        var flat = body.ReplaceLineEndings(" ");
        return flat.Length <= ResponsePreview ? flat : flat[..ResponsePreview] + " ...";
    }
}
