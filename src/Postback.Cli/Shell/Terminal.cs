using System;
using Spectre.Console;

namespace Postback.Cli.Shell;

/// <summary>
/// The one console the commands write to. Spectre.Console detects colours and interactivity; when the output is
/// redirected (a script, a test, a pipe to a file) it writes plain text, and the width is widened so that tables
/// and URLs are not wrapped at 80 columns in the middle of a value someone will grep for.
/// </summary>
internal static class Terminal
{
    private const int RedirectedWidth = 1024;

    private static readonly Lazy<IAnsiConsole> Instance = new(Create);

    /// <summary>Gets the console for standard output.</summary>
    public static IAnsiConsole Out => Instance.Value;

    /// <summary>Writes an error line to standard error, plain, so it never mixes with output a script parses.</summary>
    public static void Error(string message) => Console.Error.WriteLine("error: " + message);

    /// <summary>Asks a yes/no question on the terminal; anything but y/yes (including end of input) is no.</summary>
    public static bool Confirm(string question)
    {
        Out.Markup(Markup.Escape(question) + " [[y/N]] ");
        var answer = Console.In.ReadLine();
        Out.WriteLine();
        return answer is not null && (answer.Trim().Equals("y", StringComparison.OrdinalIgnoreCase) || answer.Trim().Equals("yes", StringComparison.OrdinalIgnoreCase));
    }

    private static IAnsiConsole Create()
    {
        // No escape codes into a file or a pipe; NO_COLOR is honoured by Spectre.Console itself.
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Out),
            Ansi = Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = Console.IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}
