using System.CommandLine;
using System.Globalization;
using Postback.Cli.Shell;
using Spectre.Console;

namespace Postback.Cli.Commands.Outbox;

/// <summary><c>postback outbox list</c>: deliveries, newest first, filtered, one page at a time (<c>--before</c> pages on).</summary>
internal static class ListCommand
{
    public static Command Create(StoreOptionSet store)
    {
        var filters = new FilterOptionSet();
        var limit = new Option<int>("--limit") { Description = "The page size, 1 to 1000.", DefaultValueFactory = _ => 50 };
        var before = new Option<long?>("--before") { Description = "Only deliveries with a smaller id: the next page, as the previous page's last line says.", HelpName = "id" };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 1000)
            {
                result.AddError("--limit must be 1 to 1000.");
            }
        });

        var command = new Command("list", "List deliveries, newest first, with filters (endpoint, state, order number, since, until) and paging.") { limit, before };
        filters.AddTo(command);
        command.WithExamples(
            "postback outbox list --sqlite postbacks.db --endpoint acme --state Dead --since 2026-11-26T09:00:00Z",
            "postback outbox list --sqlite postbacks.db --order ORD-2026-000123",
            "postback outbox list --sqlite postbacks.db --since 2h --limit 20 --before 1841");
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, cancellationToken, async outbox =>
        {
            var filter = filters.Read(parse);
            var page = await outbox.QueryAsync(filter, parse.GetValue(before), parse.GetValue(limit), cancellationToken).ConfigureAwait(false);
            if (page.Items.Count == 0)
            {
                Terminal.Out.WriteLine($"No deliveries match ({FilterOptionSet.Describe(filter)}).");
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple)
                .AddColumn(new TableColumn("Id").RightAligned()).AddColumn("Endpoint").AddColumn("State").AddColumn("Order")
                .AddColumn(new TableColumn("Attempts").RightAligned()).AddColumn("Enqueued").AddColumn("Next attempt").AddColumn("Last result");
            foreach (var delivery in page.Items)
            {
                table.AddRow(
                    new Text(delivery.Id.ToString(CultureInfo.InvariantCulture)),
                    new Text(delivery.EndpointName),
                    new Markup(ShowCommand.StateMarkup(delivery.State)),
                    new Text(delivery.OrderNumber ?? "-"),
                    new Text(delivery.Attempts.ToString(CultureInfo.InvariantCulture)),
                    new Text(Durations.Format(delivery.EnqueuedAt)),
                    new Text(Durations.Format(delivery.NextAttemptAt)),
                    new Text(ShowCommand.LastResult(delivery)));
            }

            Terminal.Out.Write(table);
            Terminal.Out.WriteLine(page.NextBeforeId is { } next
                ? string.Create(CultureInfo.InvariantCulture, $"{page.Items.Count} shown; more with --before {next}")
                : string.Create(CultureInfo.InvariantCulture, $"{page.Items.Count} shown; no more."));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
