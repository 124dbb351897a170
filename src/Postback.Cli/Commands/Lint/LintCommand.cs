using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using Postback.Cli.Commands.Shared;
using Postback.Cli.Shell;
using Spectre.Console;

namespace Postback.Cli.Commands.Lint;

/// <summary>
/// <c>postback lint</c>: parses a template exactly as an endpoint would and reports the error (with a caret) or the
/// linter's warnings. With <c>-</c> or <c>--file</c>, one template per line, each problem prefixed by its line number,
/// and a summary line at the end, for checking a partner list in bulk.
/// </summary>
internal static class LintCommand
{
    public static Command Create()
    {
        var template = new Argument<string?>("template")
        {
            Description = "The template to check, or '-' to read templates from standard input, one per line.",
            Arity = ArgumentArity.ZeroOrOne,
        };

        // No template starts with '-'; without this, a mistyped option would be linted as a template.
        template.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: ['-', _, ..] value }])
            {
                result.AddError($"Unrecognized option '{value}'.");
            }
        });
        var file = new Option<FileInfo?>("--file", "-f")
        {
            Description = "Check every line of this file as a template (blank lines are skipped).",
            HelpName = "path",
        };
        var strict = new Option<bool>("--strict")
        {
            Description = "Fail (exit code 1) on warnings too, not only on errors.",
        };
        var settings = new TemplateOptionSet();

        var command = new Command("lint", "Check a postback template: the parse error with a caret under its position, and every linter warning with its id.")
        {
            template,
            file,
            strict,
        };
        settings.AddTo(command);
        command.WithExamples(
            "postback lint 'https://partner.example/pb?sid=#fobs#&orderid=#on#&amount=#sa#'",
            "postback lint '{\"sid\": \"#fobs#\", \"amount\": #sa#}' --kind json",
            "postback lint 'https://t.example/pb?cid={clickid}&payout={payout}' --syntax braces --catalog open",
            "postback lint --file partner-urls.txt --strict",
            "cat partner-urls.txt | postback lint -");

        command.SetAction(parse =>
        {
            var options = settings.Read(parse);
            var text = parse.GetValue(template);
            var path = parse.GetValue(file);
            if (path is not null && text is not null)
            {
                throw new UsageException("Give a template or --file, not both.");
            }

            if (path is not null)
            {
                return LintMany(ReadLines(path), options, parse.GetValue(strict));
            }

            return text switch
            {
                null => throw new UsageException("Give a template to check, '-' for standard input, or --file <path>."),
                "-" => LintMany(ReadStandardInput(), options, parse.GetValue(strict)),
                _ => LintOne(text, options, parse.GetValue(strict)),
            };
        });
        return command;
    }

    private static int LintOne(string text, PostbackTemplateOptions options, bool strict)
    {
        if (!PostbackTemplate.TryParse(text, options, out var template, out var error))
        {
            TemplateReport.Error(text, error);
            return ExitCodes.Failed;
        }

        var macros = template.Macros.Select(m => m.Name).Distinct(StringComparer.Ordinal).ToArray();
        var status = template.Warnings.Count == 0 ? "[green]valid[/]" : "[yellow]valid, with warnings[/]";
        Terminal.Out.MarkupLine($"{status} ({Markup.Escape(TemplateReport.Describe(options))}): {Plural(template.Macros.Count, "macro")}" +
            (macros.Length == 0 ? string.Empty : ": " + Markup.Escape(string.Join(", ", template.Macros.Select(m => options.Syntax.Open + m.Name + options.Syntax.Close).Distinct(StringComparer.Ordinal)))));
        TemplateReport.Warnings(template);
        return template.Warnings.Count > 0 && strict ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static int LintMany(IEnumerable<string> lines, PostbackTemplateOptions options, bool strict)
    {
        int total = 0, clean = 0, warned = 0, invalid = 0, number = 0;
        foreach (var line in lines)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            total++;
            var prefix = string.Create(CultureInfo.InvariantCulture, $"line {number}: ");
            if (!PostbackTemplate.TryParse(line, options, out var template, out var error))
            {
                invalid++;
                TemplateReport.Error(line, error, prefix);
            }
            else if (template.Warnings.Count > 0)
            {
                warned++;
                TemplateReport.Warnings(template, prefix);
            }
            else
            {
                clean++;
            }
        }

        var summary = string.Create(CultureInfo.InvariantCulture, $"{Plural(total, "template")}: {clean} ok, {warned} with warnings, {invalid} invalid");
        Terminal.Out.MarkupLine(invalid > 0 ? $"[red]{summary}[/]" : warned > 0 ? $"[yellow]{summary}[/]" : $"[green]{summary}[/]");
        return invalid > 0 || (strict && warned > 0) ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static string[] ReadLines(FileInfo file)
    {
        try
        {
            return File.ReadAllLines(file.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--file {file.FullName}: {ex.Message}", ex);
        }
    }

    private static IEnumerable<string> ReadStandardInput()
    {
        while (Console.In.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    private static string Plural(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");
}
