using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Text.Json;
using Postback.Cli.Shell;

namespace Postback.Cli.Commands.Shared;

/// <summary>
/// <c>--set name=value</c> and <c>--values file.json</c>: the transaction a template is rendered or sent with. Names are
/// macro names (or aliases) of the catalog, so <c>--set fobs=abc</c> fills what <c>#fobs#</c> reads; in the open catalog
/// any name is an extra value.
/// </summary>
internal sealed class TransactionValues
{
    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "A macro's value, as name=value (repeat it): --set fobs=abc --set sa=12.5 --set et=2026-11-26T18:45:00Z.",
        HelpName = "name=value",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<FileInfo?> ValuesFile { get; } = new("--values")
    {
        Description = "A JSON object of macro values, such as {\"fobs\": \"abc\", \"sa\": 12.5}; --set wins over it.",
        HelpName = "file.json",
    };

    public void AddTo(Command command)
    {
        command.Add(Set);
        command.Add(ValuesFile);
    }

    /// <summary>Builds the transaction for a catalog; a name the catalog does not know or a malformed value is bad usage.</summary>
    public PostbackTransaction Read(ParseResult parse, MacroCatalog catalog)
    {
        var transaction = new PostbackTransaction();
        if (parse.GetValue(ValuesFile) is { } file)
        {
            foreach (var (name, value) in ReadFile(file))
            {
                Assign(transaction, catalog, name, value);
            }
        }

        foreach (var pair in parse.GetValue(Set) ?? [])
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"--set '{pair}' is not name=value.");
            }

            Assign(transaction, catalog, pair[..equals].Trim(), pair[(equals + 1)..]);
        }

        return transaction;
    }

    private static List<(string Name, string Value)> ReadFile(FileInfo file)
    {
        JsonDocument document;
        try
        {
            using var stream = file.OpenRead();
            document = JsonDocument.Parse(stream);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new UsageException($"--values {file.FullName}: {ex.Message}", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new UsageException($"--values {file.FullName}: expected a JSON object of macro values.");
            }

            var values = new List<(string Name, string Value)>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Value.ValueKind)
                {
                    case JsonValueKind.Null:
                        continue;
                    case JsonValueKind.String:
                        values.Add((property.Name, property.Value.GetString()!));
                        break;
                    case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                        // The number's own text, so 12.50 stays 12.50 and is parsed like --set sa=12.50.
                        values.Add((property.Name, property.Value.GetRawText()));
                        break;
                    default:
                        throw new UsageException($"--values {file.FullName}: '{property.Name}' must be a string, a number or a boolean.");
                }
            }

            return values;
        }
    }

    private static void Assign(PostbackTransaction transaction, MacroCatalog catalog, string name, string value)
    {
        if (!catalog.TryGetMacro(name, out var macro))
        {
            if (!catalog.AllowsAnyName)
            {
                throw new UsageException($"'{name}' is not a macro of this catalog. Known: {string.Join(", ", KnownNames(catalog))}. Use --catalog open for any name.");
            }

            transaction.Extra[name] = value;
            return;
        }

        switch (macro.Field)
        {
            case PostbackField.SubId1: transaction.SubId1 = value; break;
            case PostbackField.SubId2: transaction.SubId2 = value; break;
            case PostbackField.SubId3: transaction.SubId3 = value; break;
            case PostbackField.SubId4: transaction.SubId4 = value; break;
            case PostbackField.SubId5: transaction.SubId5 = value; break;
            case PostbackField.OrderNumber: transaction.OrderNumber = value; break;
            case PostbackField.SaleAmount: transaction.SaleAmount = ParseDecimal(name, value); break;
            case PostbackField.CommissionAmount: transaction.CommissionAmount = ParseDecimal(name, value); break;
            case PostbackField.ClickId: transaction.ClickId = value; break;
            case PostbackField.SalesId: transaction.SalesId = value; break;
            case PostbackField.EventTime: transaction.EventTime = ParseTime(name, value); break;
            case PostbackField.ProgramId: transaction.ProgramId = value; break;
            case PostbackField.TrafficSource: transaction.TrafficSource = value; break;
            case PostbackField.PublisherId: transaction.PublisherId = value; break;
            default: transaction.Extra[macro.Key ?? macro.Name] = value; break;
        }
    }

    private static decimal ParseDecimal(string name, string value) =>
        decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new UsageException($"'{name}' needs a number with '.' as decimal separator, such as 12.50; got '{value}'.");

    private static DateTimeOffset ParseTime(string name, string value)
    {
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
        {
            return DateTimeOffset.FromUnixTimeSeconds(unix);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new UsageException($"'{name}' needs an ISO 8601 time (2026-11-26T18:45:00Z) or Unix seconds; got '{value}'.");
    }

    private static IEnumerable<string> KnownNames(MacroCatalog catalog)
    {
        foreach (var macro in catalog.Macros)
        {
            yield return macro.Name;
        }
    }
}
