namespace Postback.Internal;

/// <summary>The names configuration uses, each written once: section names, built-in catalogs and syntaxes.</summary>
internal static class PostbackConstants
{
    /// <summary>The section <c>AddPostbacks(IConfigurationSection)</c> is usually given, and the one messages name when options are configured in code.</summary>
    public const string SectionName = "Postbacks";

    /// <summary>The queue's section, usually given to <c>AddQueue(IConfigurationSection)</c>.</summary>
    public const string QueueSectionName = SectionName + ":Queue";

    /// <summary>The name of <see cref="MacroCatalog.FlexOffers"/>, the default catalog.</summary>
    public const string FlexOffersCatalog = "flexoffers";

    /// <summary>The name of <see cref="MacroCatalog.Open"/>.</summary>
    public const string OpenCatalog = "open";

    /// <summary>Gets the name of the default syntax, <see cref="MacroSyntax.Hash"/>.</summary>
    public static string DefaultSyntax => MacroSyntax.Hash.Name;

    /// <summary>Gets the built-in syntax names as a list for messages, taken from <see cref="MacroSyntax"/> itself.</summary>
    public static string BuiltInSyntaxNames { get; } = string.Join(", ", MacroSyntax.BuiltInNames);
}
