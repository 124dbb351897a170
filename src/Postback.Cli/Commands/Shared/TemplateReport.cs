using System;
using System.Globalization;
using System.Text;
using Postback.Cli.Shell;
using Spectre.Console;

namespace Postback.Cli.Commands.Shared;

/// <summary>
/// Prints what the parser and the linter say about a template: the error with the template echoed and a caret under
/// its position, then the hint the engine gave (the "Did you mean" part); each warning with its id (PB1xx) and caret.
/// </summary>
internal static class TemplateReport
{
    private const string Indent = "    ";

    // Long templates are shown as a window around the position, so the caret line is never wrapped away from it.
    private const int Window = 100;

    /// <summary>Prints a parse error; <paramref name="template"/> is the text that was parsed (the error holds only the offending part).</summary>
    public static void Error(string template, PostbackTemplateError error, string prefix = "")
    {
        var (message, hint) = Split(error.Message);
        Terminal.Out.MarkupLine($"{Markup.Escape(prefix)}[red]error[/] {Markup.Escape(error.Code.ToString())}: {Markup.Escape(message)}");
        Caret(template, error.Position);
        if (hint.Length > 0)
        {
            Terminal.Out.WriteLine(Indent + hint);
        }
    }

    public static void Warnings(PostbackTemplate template, string prefix = "")
    {
        foreach (var warning in template.Warnings)
        {
            Terminal.Out.MarkupLine($"{Markup.Escape(prefix)}[yellow]warning[/] {Markup.Escape(warning.Id)}: {Markup.Escape(warning.Message)}");
            Caret(template.Text, warning.Position);
        }
    }

    /// <summary>Echoes the template (or the part around the position) with a caret under the position.</summary>
    public static void Caret(string text, int position)
    {
        if (position < 0 || position > text.Length)
        {
            return;
        }

        var start = 0;
        var end = text.Length;
        if (text.Length > Window)
        {
            start = Math.Max(0, position - (Window / 2));
            end = Math.Min(text.Length, start + Window);
        }

        var line = new StringBuilder(Indent);
        if (start > 0)
        {
            line.Append("...");
        }

        var caretColumn = line.Length + (position - start);
        foreach (var c in text.AsSpan(start, end - start))
        {
            // One visible character per character, so the caret stays under its position.
            line.Append(char.IsControl(c) ? '\u00B7' : c);
        }

        if (end < text.Length)
        {
            line.Append("...");
        }

        Terminal.Out.Write(new Text(line.ToString()));
        Terminal.Out.WriteLine();
        Terminal.Out.Write(new Text(new string(' ', caretColumn) + "^", new Style(Color.Red)));
        Terminal.Out.WriteLine();
    }

    /// <summary>The engine's message is "what is wrong. What to do."; the first sentence is the error, the rest the hint.</summary>
    public static (string Message, string Hint) Split(string message)
    {
        var anchor = message.IndexOf(" at position ", StringComparison.Ordinal);
        var end = message.IndexOf(". ", Math.Max(anchor, 0), StringComparison.Ordinal);
        return end < 0 ? (message, string.Empty) : (message[..(end + 1)], message[(end + 2)..]);
    }

    public static string Describe(PostbackTemplateOptions options) => string.Create(
        CultureInfo.InvariantCulture,
        $"{KindName(options.Kind)}, {options.Syntax.Name} syntax ({options.Syntax.Open}name{options.Syntax.Close}), {(options.Catalog.AllowsAnyName ? "open" : "flexoffers")} catalog");

    public static string KindName(PostbackTemplateKind kind) => kind switch
    {
        PostbackTemplateKind.FormBody => "form body",
        PostbackTemplateKind.JsonBody => "json body",
        _ => "url",
    };
}
