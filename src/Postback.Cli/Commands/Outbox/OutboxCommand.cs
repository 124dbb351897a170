using System.CommandLine;

namespace Postback.Cli.Commands.Outbox;

/// <summary><c>postback outbox</c>: the operations on-call needs on a durable outbox, each a subcommand.</summary>
internal static class OutboxCommand
{
    public static Command Create()
    {
        var store = new StoreOptionSet();
        var command = new Command("outbox", "Inspect and operate a durable outbox (SQLite or PostgreSQL): stats, list, show, replay, enable, disable, purge.");
        store.AddTo(command);
        command.Add(StatsCommand.Create(store));
        command.Add(ListCommand.Create(store));
        command.Add(ShowCommand.Create(store));
        command.Add(ReplayCommand.Create(store));
        command.Add(EndpointCommands.CreateEnable(store));
        command.Add(EndpointCommands.CreateDisable(store));
        command.Add(PurgeCommand.Create(store));
        return command;
    }
}
