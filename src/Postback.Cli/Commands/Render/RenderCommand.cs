using System.CommandLine;
using Postback.Cli.Commands.Shared;
using Postback.Cli.Shell;
using Spectre.Console;

namespace Postback.Cli.Commands.Render;

/// <summary>
/// <c>postback render</c>: renders a template with the given values through the engine and shows the result, then a
/// table of each macro: where it stands (its context, which decides the encoding), the value given and what was written.
/// </summary>
internal static class RenderCommand
{
    public static Command Create()
    {
        var template = new Argument<string>("template") { Description = "The template to render." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the rendered text, for scripts." };
        var settings = new TemplateOptionSet();
        var values = new TransactionValues();

        var command = new Command("render", "Render a template with values: the URL or body the engine produces, and a table of each macro's context, raw and encoded value.")
        {
            template,
            quiet,
        };
        settings.AddTo(command);
        values.AddTo(command);
        command.WithExamples(
            "postback render 'https://partner.example/pb?sid=#fobs#&amount=#sa#&date=#et#' --set fobs='a b&c' --set sa=12.5 --set et=2026-11-26T18:45:00Z",
            "postback render '{\"sid\": \"#fobs#\", \"amount\": #sa#}' --kind json --values sale.json",
            "postback render 'https://t.example/pb?cid={clickid}' --syntax braces --catalog open --set clickid=abc -q");

        command.SetAction(parse =>
        {
            var options = settings.Read(parse);
            var text = parse.GetRequiredValue(template);
            if (!PostbackTemplate.TryParse(text, options, out var parsed, out var parseError))
            {
                TemplateReport.Error(text, parseError);
                return ExitCodes.Failed;
            }

            var transaction = values.Read(parse, options.Catalog);
            if (!parsed.TryRender(transaction, out var rendered, out var renderError))
            {
                Terminal.Out.MarkupLine($"[red]error[/] {Markup.Escape(renderError.Code.ToString())}: {Markup.Escape(renderError.Message)}");
                TemplateReport.Caret(text, renderError.Position);
                return ExitCodes.Failed;
            }

            if (parse.GetValue(quiet))
            {
                System.Console.Out.WriteLine(rendered);
                return ExitCodes.Ok;
            }

            Terminal.Out.Write(new Text(rendered));
            Terminal.Out.WriteLine();
            Terminal.Out.WriteLine();
            WriteTable(parsed, transaction, rendered);
            TemplateReport.Warnings(parsed);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteTable(PostbackTemplate template, PostbackTransaction transaction, string rendered)
    {
        if (template.Macros.Count == 0)
        {
            Terminal.Out.WriteLine("(no macros)");
            return;
        }

        var probed = MacroProbe.Probe(template, transaction, rendered);
        var table = new Table().Border(TableBorder.Simple)
            .AddColumn("Macro").AddColumn("Context").AddColumn("Raw value").AddColumn("Encoded value");
        var syntax = template.Options.Syntax;
        for (var i = 0; i < template.Macros.Count; i++)
        {
            var macro = template.Macros[i];
            var name = syntax.Open + macro.Name + (macro.Format is null ? string.Empty : ":" + macro.Format) + syntax.Close;
            string raw, encoded;
            if (probed is null)
            {
                raw = encoded = "?";
            }
            else
            {
                var (value, written) = probed[i];
                raw = value.IsEmpty
                    ? macro.DefaultValue is { } fallback ? $"(missing; default '{fallback}')" : "(missing)"
                    : value.ToString();
                encoded = written;
            }

            table.AddRow(new Text(name), new Text(macro.Context.ToString()), new Text(raw), new Text(encoded));
        }

        Terminal.Out.Write(table);
    }
}
