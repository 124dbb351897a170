using System;
using System.CommandLine;
using Postback.Cli.Shell;

namespace Postback.Cli.Commands.Shared;

/// <summary>
/// <c>--syntax</c>, <c>--catalog</c> and <c>--kind</c>: how a template is read, with the same names and defaults as an
/// endpoint's configuration (<c>Syntax</c>, <c>Catalog</c>, <c>BodyFormat</c>), so what the tool accepts is what
/// <c>appsettings.json</c> accepts.
/// </summary>
internal sealed class TemplateOptionSet
{
    public const string FlexOffers = "flexoffers";
    public const string Open = "open";

    public Option<string> Syntax { get; } = new("--syntax")
    {
        Description = "Macro delimiters: hash (#name#, the default), braces ({name}), double-braces, double-brackets, triple-brackets, double-bang, triple-bang, angle, percent, dollar-braces, or delimiters around the word name, such as '<<name>>'.",
        DefaultValueFactory = _ => "hash",
        HelpName = "name",
    };

    public Option<string> Catalog { get; } = CreateCatalog();

    public Option<string> Kind { get; } = CreateKind();

    public void AddTo(Command command, bool withKind = true)
    {
        command.Add(Syntax);
        command.Add(Catalog);
        if (withKind)
        {
            command.Add(Kind);
        }
    }

    /// <summary>The template options for the parsed command line; an unknown syntax is bad usage.</summary>
    public PostbackTemplateOptions Read(ParseResult parse)
    {
        var syntax = ParseSyntax(parse.GetValue(Syntax));
        return new PostbackTemplateOptions
        {
            Syntax = syntax,
            Catalog = CatalogOf(parse.GetValue(Catalog)),
            Kind = parse.GetValue(Kind) switch
            {
                "form" => PostbackTemplateKind.FormBody,
                "json" => PostbackTemplateKind.JsonBody,
                _ => PostbackTemplateKind.Url,
            },
        };
    }

    public static MacroCatalog CatalogOf(string? name) =>
        string.Equals(name, Open, StringComparison.OrdinalIgnoreCase) ? MacroCatalog.Open : MacroCatalog.FlexOffers;

    /// <summary>A built-in syntax by name, or custom delimiters written around the word "name", as endpoints accept them.</summary>
    public static MacroSyntax ParseSyntax(string? text)
    {
        if (MacroSyntax.TryGetBuiltIn(text, out var syntax))
        {
            return syntax;
        }

        var index = text?.IndexOf("name", StringComparison.Ordinal) ?? -1;
        if (index > 0 && index + 4 < text!.Length)
        {
            try
            {
                return MacroSyntax.Create(text[..index], text[(index + 4)..]);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException($"--syntax '{text}': {ex.Message}", ex);
            }
        }

        throw new UsageException($"--syntax '{text}' is neither a built-in syntax (hash, braces, double-braces, double-brackets, triple-brackets, double-bang, triple-bang, angle, percent, dollar-braces) nor delimiters around the word 'name', such as '<<name>>'.");
    }

    private static Option<string> CreateCatalog()
    {
        var option = new Option<string>("--catalog")
        {
            Description = "The macro names: flexoffers (#fobs#, #on#, #sa#, ..., the default) or open (any name, read from the values you set).",
            DefaultValueFactory = _ => FlexOffers,
        };
        option.AcceptOnlyFromAmong(FlexOffers, Open);
        return option;
    }

    private static Option<string> CreateKind()
    {
        var option = new Option<string>("--kind")
        {
            Description = "What the template is: a url (the default), a form body or a json body; it decides how values are encoded.",
            DefaultValueFactory = _ => "url",
        };
        option.AcceptOnlyFromAmong("url", "form", "json");
        return option;
    }
}
