using System;
using System.CommandLine;
using System.Threading.Tasks;
using Postback.Cli.Commands.Lint;
using Postback.Cli.Commands.Outbox;
using Postback.Cli.Commands.Render;
using Postback.Cli.Commands.Send;
using Postback.Cli.Shell;

namespace Postback.Cli;

/// <summary>The <c>postback</c> tool's entry point: builds the command tree and maps every way out to an exit code.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("postback: lint, render and test-send postback templates on the Postback.Core engine, and run a durable outbox.")
        {
            LintCommand.Create(),
            RenderCommand.Create(),
            SendCommand.Create(),
            OutboxCommand.Create(),
        };
        root.WithExamples(
            "postback lint 'https://partner.example/pb?sid=#fobs#&amount=#sa#'",
            "postback render 'https://partner.example/pb?sid=#fobs#&amount=#sa#' --set fobs=abc --set sa=12.5",
            "postback send 'http://127.0.0.1:8080/pb?sid=#fobs#' --set fobs=abc --allow-network 127.0.0.1/32",
            "postback outbox stats --sqlite postbacks.db");
        HelpExamples.Install(root);

        var parse = root.Parse(args);

        // Parse errors are bad usage (2), not the default 1, so a script can tell "you called me wrong" from "the check failed".
        if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true })
        {
            foreach (var error in parse.Errors)
            {
                Terminal.Error(error.Message);
            }

            Console.Error.WriteLine($"Run '{CommandPath(parse.CommandResult)} --help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            Terminal.Error(ex.Message);
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException)
        {
            Terminal.Error("cancelled.");
            return ExitCodes.Failed;
        }
    }

    /// <summary>"postback outbox list", as the user would type it (the root's own name is the executable's file name).</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult? result)
    {
        var names = new System.Collections.Generic.List<string>();
        for (; result is not null && result.Command is not RootCommand; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command.Name);
        }

        names.Insert(0, "postback");
        return string.Join(' ', names);
    }
}
