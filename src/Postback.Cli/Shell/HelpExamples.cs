using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Linq;

namespace Postback.Cli.Shell;

/// <summary>
/// Adds an "Examples:" section to every command's <c>--help</c>. System.CommandLine 2.0 has no examples section of its
/// own, so the root's help action is wrapped: the standard help is printed, then the examples registered for the
/// command that was asked about.
/// </summary>
internal static class HelpExamples
{
    private static readonly Dictionary<Command, string[]> Registered = [];

    /// <summary>Registers a command's examples, one command line each (a line starting with '#' is a comment).</summary>
    public static TCommand WithExamples<TCommand>(this TCommand command, params string[] examples)
        where TCommand : Command
    {
        Registered[command] = examples;
        return command;
    }

    /// <summary>Wraps the help option's action (the option is recursive, so this covers every subcommand).</summary>
    public static void Install(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        if (help.Action is HelpAction standard)
        {
            help.Action = new WithExamplesAction(standard);
        }
    }

    private sealed class WithExamplesAction(HelpAction standard) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var result = standard.Invoke(parseResult);
            if (Registered.TryGetValue(parseResult.CommandResult.Command, out var examples))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var example in examples)
                {
                    output.WriteLine("  " + example);
                }

                output.WriteLine();
            }

            return result;
        }
    }
}
