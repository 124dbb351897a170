using System;
using System.CommandLine;
using System.Globalization;
using Postback.Cli.Shell;
using Spectre.Console;

namespace Postback.Cli.Commands.Outbox;

/// <summary>
/// <c>postback outbox purge</c>: deletes final deliveries with their attempts, as the outbox's retention does on its
/// schedule, with the same defaults (<see cref="PostbackOutboxRetentionOptions"/>), for a one-off clean-up.
/// </summary>
internal static class PurgeCommand
{
    public static Command Create(StoreOptionSet store)
    {
        var defaults = new PostbackOutboxRetentionOptions();
        var finished = new Option<string>("--finished-age")
        {
            Description = string.Create(CultureInfo.InvariantCulture, $"Delete delivered, rejected, blocked and invalid deliveries completed longer ago than this (such as 7d, 12h, 0 for all). Default: the outbox's, {Durations.Format(defaults.Finished)}."),
            HelpName = "age",
            DefaultValueFactory = _ => defaults.Finished.ToString("c", CultureInfo.InvariantCulture),
        };
        var dead = new Option<string>("--dead-age")
        {
            Description = string.Create(CultureInfo.InvariantCulture, $"Delete dead deliveries completed longer ago than this. Default: the outbox's, {Durations.Format(defaults.Dead)}."),
            HelpName = "age",
            DefaultValueFactory = _ => defaults.Dead.ToString("c", CultureInfo.InvariantCulture),
        };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation." };
        var command = new Command("purge", "Delete final deliveries (and their attempts) older than the given ages; pending, in-flight and parked ones are never deleted.") { finished, dead, yes };
        command.WithExamples(
            "postback outbox purge --sqlite postbacks.db",
            "postback outbox purge --sqlite postbacks.db --finished-age 2d --dead-age 14d --yes");
        command.SetAction((parse, cancellationToken) =>
        {
            var finishedAge = Age(parse.GetRequiredValue(finished), "--finished-age");
            var deadAge = Age(parse.GetRequiredValue(dead), "--dead-age");
            return store.RunAsync(parse, cancellationToken, async outbox =>
            {
                var question = $"Delete finished deliveries completed over {Durations.Format(finishedAge)} ago and dead ones over {Durations.Format(deadAge)} ago?";
                if (!parse.GetValue(yes) && !Terminal.Confirm(question))
                {
                    Terminal.Out.WriteLine("Not confirmed; nothing was deleted. Pass --yes to skip the question.");
                    return ExitCodes.Failed;
                }

                var deleted = await outbox.PurgeAsync(finishedAge, deadAge, cancellationToken).ConfigureAwait(false);
                Terminal.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Purged {deleted} deliver{(deleted == 1 ? "y" : "ies")}."));
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static TimeSpan Age(string text, string option) =>
        Durations.TryParseAge(text, out var age) ? age : throw new UsageException($"{option} '{text}' is not an age such as 7d, 12h, 30m or 0.");
}
