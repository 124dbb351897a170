using System.CommandLine;
using Postback.Cli.Shell;
using Spectre.Console;

namespace Postback.Cli.Commands.Outbox;

/// <summary>
/// <c>postback outbox enable|disable &lt;endpoint&gt;</c>: the store's endpoint switch. Enabling makes the endpoint's
/// parked deliveries pending and due at once and ends its failure streak; disabling parks its pending deliveries.
/// </summary>
internal static class EndpointCommands
{
    public static Command CreateEnable(StoreOptionSet store)
    {
        var endpoint = new Argument<string>("endpoint") { Description = "The endpoint's name." };
        var command = new Command("enable", "Enable an endpoint the outbox disabled (or someone did): its parked deliveries become pending, due now.") { endpoint };
        command.WithExamples("postback outbox enable acme --sqlite postbacks.db");
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, cancellationToken, async outbox =>
        {
            var name = parse.GetRequiredValue(endpoint);
            var changed = await outbox.SetEndpointEnabledAsync(name, enabled: true, reason: null, cancellationToken).ConfigureAwait(false);
            Terminal.Out.WriteLine(changed
                ? $"Endpoint '{name}' enabled; its parked deliveries are pending and due now."
                : $"Endpoint '{name}' was already enabled; nothing changed.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command CreateDisable(StoreOptionSet store)
    {
        var endpoint = new Argument<string>("endpoint") { Description = "The endpoint's name." };
        var reason = new Option<string>("--reason") { Description = "Why, recorded with the endpoint and shown by stats.", DefaultValueFactory = _ => "disabled by an operator (postback outbox disable)" };
        var command = new Command("disable", "Disable an endpoint: its pending deliveries are parked until it is enabled again.") { endpoint, reason };
        command.WithExamples("postback outbox disable acme --reason 'partner maintenance until 14:00' --sqlite postbacks.db");
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, cancellationToken, async outbox =>
        {
            var name = parse.GetRequiredValue(endpoint);
            var changed = await outbox.SetEndpointEnabledAsync(name, enabled: false, parse.GetValue(reason), cancellationToken).ConfigureAwait(false);
            Terminal.Out.WriteLine(changed
                ? $"Endpoint '{name}' disabled; its pending deliveries are parked."
                : $"Endpoint '{name}' was already disabled; nothing changed.");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
