using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Postback.Cli.Shell;
using Spectre.Console;

namespace Postback.Cli.Commands.Outbox;

/// <summary>
/// <c>postback outbox replay</c>: makes deliveries pending again, due at once, with their idempotency keys and a fresh
/// retry schedule; a running outbox worker then sends them. One id, or every match of a filter.
/// </summary>
/// <remarks>
/// A bulk replay first lists what matches (newest first, in pages), asks, then replays the listed deliveries one by one
/// through the store's <c>ReplayAsync</c> with the same filter plus the id: exactly what was confirmed is replayed (a
/// delivery that arrived later is not), one that changed meanwhile (now in flight, or out of the filter) is skipped, and
/// the progress bar shows real progress.
/// </remarks>
internal static class ReplayCommand
{
    private const int PageSize = 1000;

    public static Command Create(StoreOptionSet store)
    {
        var id = new Argument<long?>("id") { Description = "One delivery's id; omit it to replay every delivery matching the filters.", Arity = ArgumentArity.ZeroOrOne };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation." };
        var filters = new FilterOptionSet();
        var command = new Command("replay", "Replay one delivery, or every delivery matching filters (with a confirmation and a progress bar): pending again, due now, same idempotency key.") { id, yes };
        filters.AddTo(command);
        command.WithExamples(
            "postback outbox replay 1841 --sqlite postbacks.db",
            "postback outbox replay --sqlite postbacks.db --endpoint acme --state Dead --since 2026-11-26T09:00:00Z",
            "postback outbox replay --sqlite postbacks.db --endpoint acme --state Failed --since 3h --yes");
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, cancellationToken, async outbox =>
        {
            var filter = filters.Read(parse, parse.GetValue(id));
            if (FilterOptionSet.IsEmpty(filter))
            {
                throw new UsageException("Say what to replay: a delivery id, or filters such as --endpoint acme --state Dead --since 9h.");
            }

            var ids = await MatchAsync(outbox, filter, cancellationToken).ConfigureAwait(false);
            if (ids.Count == 0)
            {
                Terminal.Out.WriteLine($"No delivery to replay matches ({FilterOptionSet.Describe(filter)}); deliveries in flight are never replayed.");
                return filter.Id is null ? ExitCodes.Ok : ExitCodes.Failed;
            }

            var question = string.Create(CultureInfo.InvariantCulture, $"Replay {ids.Count} deliver{(ids.Count == 1 ? "y" : "ies")} ({FilterOptionSet.Describe(filter)})?");
            if (!parse.GetValue(yes) && !Terminal.Confirm(question))
            {
                Terminal.Out.WriteLine("Not confirmed; nothing was replayed. Pass --yes to skip the question.");
                return ExitCodes.Failed;
            }

            var replayed = ids.Count == 1
                ? await outbox.ReplayAsync(filter with { Id = ids[0] }, cancellationToken).ConfigureAwait(false)
                : await ReplayWithProgressAsync(outbox, filter, ids, cancellationToken).ConfigureAwait(false);
            Terminal.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Replayed {replayed} of {ids.Count}; they are pending and due now.{(replayed < ids.Count ? " The others changed meanwhile (in flight, or no longer matching)." : string.Empty)}"));
            return replayed == ids.Count ? ExitCodes.Ok : ExitCodes.Failed;
        }));
        return command;
    }

    private static async Task<List<long>> MatchAsync(IPostbackOutboxStore outbox, PostbackOutboxFilter filter, CancellationToken cancellationToken)
    {
        var ids = new List<long>();
        long? before = null;
        do
        {
            var page = await outbox.QueryAsync(filter, before, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var delivery in page.Items)
            {
                if (delivery.State != PostbackDeliveryState.InFlight)
                {
                    ids.Add(delivery.Id);
                }
            }

            before = page.NextBeforeId;
        }
        while (before is not null);

        // Oldest first, so a partner receives a replayed backlog roughly in its original order.
        ids.Reverse();
        return ids;
    }

    private static async Task<int> ReplayWithProgressAsync(IPostbackOutboxStore outbox, PostbackOutboxFilter filter, List<long> ids, CancellationToken cancellationToken)
    {
        var replayed = 0;
        if (!Terminal.Out.Profile.Capabilities.Interactive)
        {
            // A progress bar into a file or a pipe is noise; the summary line says how it went.
            foreach (var id in ids)
            {
                replayed += await outbox.ReplayAsync(filter with { Id = id }, cancellationToken).ConfigureAwait(false);
            }

            return replayed;
        }

        await Terminal.Out.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("Replaying", maxValue: ids.Count);
                foreach (var id in ids)
                {
                    replayed += await outbox.ReplayAsync(filter with { Id = id }, cancellationToken).ConfigureAwait(false);
                    task.Increment(1);
                }
            }).ConfigureAwait(false);
        return replayed;
    }
}
