using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using HandlebarsDotNet;

namespace Postback.Benchmarks;

/// <summary>What the string-based approaches share: the template forms they need, and each value as a string.</summary>
internal static partial class Macros
{
    /// <summary>The macros of each template, in order of first appearance.</summary>
    public static readonly string[] FlexOffersNames = ["fobs", "on", "sa", "ca", "et"];

    public static readonly string[] LongNames =
        ["fobs", "fobs2", "fobs3", "fobs4", "fobs5", "on", "sa", "ca", "clickid", "flx_salesid", "et", "programid"];

    public static string[] Names(TemplateCase templateCase) =>
        templateCase == TemplateCase.FlexOffers ? FlexOffersNames : LongNames;

    /// <summary>The template with <c>#name#</c> rewritten, such as to <c>{name}</c> for RFC 6570.</summary>
    public static string Rewrite(string template, Func<string, string> replacement) =>
        Pattern().Replace(template, match => replacement(match.ValueSpan[1..^1].ToString()));

    /// <summary>The template as a composite format string: each macro becomes <c>{i}</c>, i its index in <see cref="Names"/>.</summary>
    public static string ToCompositeFormat(TemplateCase templateCase)
    {
        var names = Names(templateCase);
        return Rewrite(Scenarios.Template(templateCase), name => "{" + Array.IndexOf(names, name).ToString(CultureInfo.InvariantCulture) + "}");
    }

    /// <summary>A macro's value as a string, unescaped, the way string-based code formats it.</summary>
    public static string Value(PostbackTransaction tx, ReadOnlySpan<char> name) => name switch
    {
        "fobs" => tx.SubId1 ?? string.Empty,
        "fobs2" => tx.SubId2 ?? string.Empty,
        "fobs3" => tx.SubId3 ?? string.Empty,
        "fobs4" => tx.SubId4 ?? string.Empty,
        "fobs5" => tx.SubId5 ?? string.Empty,
        "on" => tx.OrderNumber ?? string.Empty,
        "sa" => Number(tx.SaleAmount),
        "ca" => Number(tx.CommissionAmount),
        "clickid" => tx.ClickId ?? string.Empty,
        "flx_salesid" => tx.SalesId ?? string.Empty,
        "et" => Time(tx.EventTime),
        "programid" => tx.ProgramId ?? string.Empty,
        _ => string.Empty,
    };

    public static string Number(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;

    public static string Time(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? string.Empty;

    /// <summary>The per-call dictionary that dictionary-driven engines need: one entry per macro in the template.</summary>
    public static Dictionary<string, object> Map(string[] names, PostbackTransaction tx, bool escape)
    {
        var map = new Dictionary<string, object>(names.Length);
        foreach (var name in names)
        {
            var value = Value(tx, name);
            map[name] = escape ? Uri.EscapeDataString(value) : value;
        }

        return map;
    }

    [GeneratedRegex("#[A-Za-z_][A-Za-z0-9_]*#", RegexOptions.CultureInvariant)]
    public static partial Regex Pattern();
}

/// <summary>The common open-source approach: one <see cref="string.Replace(string, string?)"/> per macro, each value escaped.</summary>
internal static class ReplaceChainRenderer
{
    public static string Render(TemplateCase templateCase, PostbackTransaction tx) =>
        templateCase == TemplateCase.FlexOffers ? RenderFlexOffers(tx) : RenderLong(tx);

    // Only the macros this template holds are replaced, which favours this approach: a general implementation
    // would try all twelve.
    private static string RenderFlexOffers(PostbackTransaction tx) =>
        Scenarios.FlexOffersTemplate
            .Replace("#fobs#", Uri.EscapeDataString(tx.SubId1 ?? string.Empty), StringComparison.Ordinal)
            .Replace("#on#", Uri.EscapeDataString(tx.OrderNumber ?? string.Empty), StringComparison.Ordinal)
            .Replace("#sa#", Uri.EscapeDataString(Macros.Number(tx.SaleAmount)), StringComparison.Ordinal)
            .Replace("#ca#", Uri.EscapeDataString(Macros.Number(tx.CommissionAmount)), StringComparison.Ordinal)
            .Replace("#et#", Uri.EscapeDataString(Macros.Time(tx.EventTime)), StringComparison.Ordinal);

    private static string RenderLong(PostbackTransaction tx) =>
        Scenarios.LongTemplate
            .Replace("#fobs#", Uri.EscapeDataString(tx.SubId1 ?? string.Empty), StringComparison.Ordinal)
            .Replace("#fobs2#", Uri.EscapeDataString(tx.SubId2 ?? string.Empty), StringComparison.Ordinal)
            .Replace("#fobs3#", Uri.EscapeDataString(tx.SubId3 ?? string.Empty), StringComparison.Ordinal)
            .Replace("#fobs4#", Uri.EscapeDataString(tx.SubId4 ?? string.Empty), StringComparison.Ordinal)
            .Replace("#fobs5#", Uri.EscapeDataString(tx.SubId5 ?? string.Empty), StringComparison.Ordinal)
            .Replace("#on#", Uri.EscapeDataString(tx.OrderNumber ?? string.Empty), StringComparison.Ordinal)
            .Replace("#sa#", Uri.EscapeDataString(Macros.Number(tx.SaleAmount)), StringComparison.Ordinal)
            .Replace("#ca#", Uri.EscapeDataString(Macros.Number(tx.CommissionAmount)), StringComparison.Ordinal)
            .Replace("#clickid#", Uri.EscapeDataString(tx.ClickId ?? string.Empty), StringComparison.Ordinal)
            .Replace("#flx_salesid#", Uri.EscapeDataString(tx.SalesId ?? string.Empty), StringComparison.Ordinal)
            .Replace("#et#", Uri.EscapeDataString(Macros.Time(tx.EventTime)), StringComparison.Ordinal)
            .Replace("#programid#", Uri.EscapeDataString(tx.ProgramId ?? string.Empty), StringComparison.Ordinal);
}

/// <summary>
/// <see cref="Regex.Replace(string, MatchEvaluator)"/> with a source-generated pattern; the evaluator looks each
/// name up by span (no substring) and escapes the value.
/// </summary>
internal static class RegexRenderer
{
    public static string Render(TemplateCase templateCase, PostbackTransaction tx) =>
        Macros.Pattern().Replace(Scenarios.Template(templateCase), match => Uri.EscapeDataString(Macros.Value(tx, match.ValueSpan[1..^1])));
}

/// <summary><see cref="CompositeFormat"/> parsed once; each call escapes its arguments and formats.</summary>
internal static class CompositeFormatRenderer
{
    private static readonly CompositeFormat FlexOffers = CompositeFormat.Parse(Macros.ToCompositeFormat(TemplateCase.FlexOffers));
    private static readonly CompositeFormat Long = CompositeFormat.Parse(Macros.ToCompositeFormat(TemplateCase.AllMacros));

    public static string Render(TemplateCase templateCase, PostbackTransaction tx) =>
        templateCase == TemplateCase.FlexOffers ? RenderFlexOffers(tx) : RenderLong(tx);

    private static string RenderFlexOffers(PostbackTransaction tx) =>
        string.Format(
            null,
            FlexOffers,
            Uri.EscapeDataString(tx.SubId1 ?? string.Empty),
            Uri.EscapeDataString(tx.OrderNumber ?? string.Empty),
            Uri.EscapeDataString(Macros.Number(tx.SaleAmount)),
            Uri.EscapeDataString(Macros.Number(tx.CommissionAmount)),
            Uri.EscapeDataString(Macros.Time(tx.EventTime)));

    private static string RenderLong(PostbackTransaction tx) =>
        string.Format(
            null,
            Long,
            Uri.EscapeDataString(tx.SubId1 ?? string.Empty),
            Uri.EscapeDataString(tx.SubId2 ?? string.Empty),
            Uri.EscapeDataString(tx.SubId3 ?? string.Empty),
            Uri.EscapeDataString(tx.SubId4 ?? string.Empty),
            Uri.EscapeDataString(tx.SubId5 ?? string.Empty),
            Uri.EscapeDataString(tx.OrderNumber ?? string.Empty),
            Uri.EscapeDataString(Macros.Number(tx.SaleAmount)),
            Uri.EscapeDataString(Macros.Number(tx.CommissionAmount)),
            Uri.EscapeDataString(tx.ClickId ?? string.Empty),
            Uri.EscapeDataString(tx.SalesId ?? string.Empty),
            Uri.EscapeDataString(Macros.Time(tx.EventTime)),
            Uri.EscapeDataString(tx.ProgramId ?? string.Empty));
}

/// <summary>
/// Std.UriTemplate (RFC 6570 level 4). Its only API is <c>Expand(template, substitutions)</c>, which parses the
/// template on every call; RFC 6570's simple <c>{var}</c> expansion escapes everything outside the unreserved set,
/// as <see cref="Uri.EscapeDataString(string)"/> does, so values are passed unescaped.
/// </summary>
internal static class StdUriTemplateRenderer
{
    private static readonly string FlexOffers = Macros.Rewrite(Scenarios.FlexOffersTemplate, name => "{" + name + "}");
    private static readonly string Long = Macros.Rewrite(Scenarios.LongTemplate, name => "{" + name + "}");

    public static string Render(TemplateCase templateCase, PostbackTransaction tx) =>
        templateCase == TemplateCase.FlexOffers
            ? Std.UriTemplate.Expand(FlexOffers, Macros.Map(Macros.FlexOffersNames, tx, escape: false))
            : Std.UriTemplate.Expand(Long, Macros.Map(Macros.LongNames, tx, escape: false));
}

/// <summary>
/// Handlebars.Net, compiled once, with HTML escaping off and values escaped per call (Handlebars has no URL
/// encoder of its own).
/// </summary>
internal static class HandlebarsRenderer
{
    public static readonly IHandlebars Environment = Handlebars.Create(new HandlebarsConfiguration
    {
        NoEscape = true,
        FormatProvider = CultureInfo.InvariantCulture,
    });

    private static readonly HandlebarsTemplate<object, object> FlexOffers = Environment.Compile(Text(TemplateCase.FlexOffers));
    private static readonly HandlebarsTemplate<object, object> Long = Environment.Compile(Text(TemplateCase.AllMacros));

    public static string Text(TemplateCase templateCase) => Macros.Rewrite(Scenarios.Template(templateCase), name => "{{" + name + "}}");

    public static string Render(TemplateCase templateCase, PostbackTransaction tx) =>
        templateCase == TemplateCase.FlexOffers
            ? FlexOffers(Macros.Map(Macros.FlexOffersNames, tx, escape: true))
            : Long(Macros.Map(Macros.LongNames, tx, escape: true));
}
