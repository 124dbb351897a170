using System;
using System.Collections.Generic;

namespace Postback;

/// <summary>Builds a <see cref="MacroCatalog"/>.</summary>
/// <example>
/// <code>
/// var catalog = MacroCatalog.FlexOffers.ToBuilder()
///     .Add(MacroDefinition.ForField("subid", PostbackField.SubId1, "sub1"))
///     .Add(MacroDefinition.Custom("campaign"))
///     .Build();
/// </code>
/// </example>
public sealed class MacroCatalogBuilder
{
    private readonly List<MacroDefinition> _macros = [];
    private bool _ignoreCase = true;
    private bool _allowAnyName;

    internal MacroCatalogBuilder()
    {
    }

    /// <summary>Adds a macro.</summary>
    /// <param name="macro">The macro.</param>
    /// <returns>This builder.</returns>
    public MacroCatalogBuilder Add(MacroDefinition macro)
    {
        ArgumentNullException.ThrowIfNull(macro);
        _macros.Add(macro);
        return this;
    }

    /// <summary>Sets whether names are matched ignoring case. The default is <see langword="true"/>.</summary>
    /// <param name="ignoreCase"><see langword="true"/> to ignore case (ordinal).</param>
    /// <returns>This builder.</returns>
    public MacroCatalogBuilder WithIgnoreCase(bool ignoreCase)
    {
        _ignoreCase = ignoreCase;
        return this;
    }

    /// <summary>Accepts any undeclared name as a custom text macro that reads the extra value of that name.</summary>
    /// <returns>This builder.</returns>
    public MacroCatalogBuilder AllowAnyName()
    {
        _allowAnyName = true;
        return this;
    }

    /// <summary>Builds the catalog.</summary>
    /// <returns>The catalog.</returns>
    /// <exception cref="ArgumentException">Two macros share a name or an alias.</exception>
    public MacroCatalog Build() => new(_macros.ToArray(), _ignoreCase, _allowAnyName);
}
