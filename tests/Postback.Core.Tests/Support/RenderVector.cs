using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Postback.Tests.Support;

/// <summary>One case of Vectors/render-vectors.json (a copy of ../shared/vectors; see its README for the format).</summary>
public sealed class RenderVector
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("syntax")] public string Syntax { get; set; } = "";
    [JsonPropertyName("catalog")] public string Catalog { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("template")] public string Template { get; set; } = "";
    [JsonPropertyName("values")] public Dictionary<string, string> Values { get; set; } = [];
    [JsonPropertyName("culture")] public string? Culture { get; set; }
    [JsonPropertyName("expected")] public string? Expected { get; set; }
    [JsonPropertyName("parseError")] public ParseErrorSpec? ParseError { get; set; }
    [JsonPropertyName("renderError")] public bool RenderError { get; set; }

    public sealed class ParseErrorSpec
    {
        [JsonPropertyName("position")] public int Position { get; set; }
    }

    public override string ToString() => Name;

    public static IReadOnlyList<RenderVector> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Vectors", "render-vectors.json");
        return JsonSerializer.Deserialize<List<RenderVector>>(File.ReadAllText(path))
            ?? throw new InvalidOperationException("No vectors in " + path);
    }

    public PostbackTemplateOptions Options() => new()
    {
        Syntax = MacroSyntax.TryGetBuiltIn(Syntax, out var syntax) ? syntax : throw new InvalidOperationException("Unknown syntax " + Syntax),
        Catalog = Catalog switch
        {
            "flexoffers" => MacroCatalog.FlexOffers,
            "open" => MacroCatalog.Open,
            _ => throw new InvalidOperationException("Unknown catalog " + Catalog),
        },
        Kind = Kind switch
        {
            "url" => PostbackTemplateKind.Url,
            "form" => PostbackTemplateKind.FormBody,
            "json" => PostbackTemplateKind.JsonBody,
            _ => throw new InvalidOperationException("Unknown kind " + Kind),
        },
    };

    /// <summary>Builds the transaction: FlexOffers names fill the typed fields, an open catalog reads extras.</summary>
    public PostbackTransaction Transaction()
    {
        var tx = new PostbackTransaction();
        foreach (var (name, value) in Values)
        {
            if (Catalog == "open")
            {
                tx.Extra[name] = value;
                continue;
            }

            switch (name)
            {
                case "fobs": tx.SubId1 = value; break;
                case "fobs2": tx.SubId2 = value; break;
                case "fobs3": tx.SubId3 = value; break;
                case "fobs4": tx.SubId4 = value; break;
                case "fobs5": tx.SubId5 = value; break;
                case "on": tx.OrderNumber = value; break;
                case "sa": tx.SaleAmount = decimal.Parse(value, NumberStyles.Number, CultureInfo.InvariantCulture); break;
                case "ca": tx.CommissionAmount = decimal.Parse(value, NumberStyles.Number, CultureInfo.InvariantCulture); break;
                case "clickid": tx.ClickId = value; break;
                case "flx_salesid": tx.SalesId = value; break;
                case "et": tx.EventTime = DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.None); break;
                case "programid": tx.ProgramId = value; break;
                default: throw new InvalidOperationException($"Vector value '{name}' is not a FlexOffers macro.");
            }
        }

        return tx;
    }
}
