using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using Postback.Internal;

namespace Postback;

/// <summary>
/// The macros a template may use and the transaction field each one reads.
/// </summary>
/// <remarks>
/// <see cref="FlexOffers"/> is the default. Build your own with <see cref="CreateBuilder"/> or extend an existing
/// catalog with <see cref="ToBuilder"/>. An open catalog (<see cref="Open"/>, or
/// <see cref="MacroCatalogBuilder.AllowAnyName"/>) accepts any name as a custom macro that reads the extra value
/// of that name, which suits tracker-style templates such as <c>{transaction_id}</c>.
/// Catalogs are immutable and safe to share.
/// </remarks>
public sealed class MacroCatalog
{
    private readonly Dictionary<string, MacroDefinition> _byName;
    private readonly Dictionary<string, MacroDefinition>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    internal MacroCatalog(IReadOnlyList<MacroDefinition> macros, bool ignoreCase, bool allowAnyName)
    {
        Macros = macros;
        IgnoreCase = ignoreCase;
        AllowsAnyName = allowAnyName;
        _byName = new Dictionary<string, MacroDefinition>(ignoreCase ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (var macro in macros)
        {
            Add(macro.Name, macro);
            foreach (var alias in macro.Aliases)
            {
                Add(alias, macro);
            }
        }

        _lookup = _byName.GetAlternateLookup<ReadOnlySpan<char>>();

        void Add(string name, MacroDefinition macro)
        {
            if (!_byName.TryAdd(name, macro))
            {
                throw new ArgumentException(
                    $"The macro name '{name}' is declared twice (by '{_byName[name].Name}' and '{macro.Name}'){(ignoreCase ? " when case is ignored" : string.Empty)}.",
                    nameof(macros));
            }
        }
    }

    /// <summary>
    /// Gets the FlexOffers macro set, the default: <c>fobs</c>, <c>fobs2</c>..<c>fobs5</c> (sub-ids 1 to 5),
    /// <c>on</c> (order number), <c>sa</c> (sale amount), <c>ca</c> (commission amount), <c>clickid</c>,
    /// <c>flx_salesid</c> (sales id), <c>et</c> (event time) and <c>programid</c>. Names ignore case.
    /// </summary>
    public static MacroCatalog FlexOffers { get; } = CreateBuilder()
        .Add(MacroDefinition.ForField("fobs", PostbackField.SubId1))
        .Add(MacroDefinition.ForField("fobs2", PostbackField.SubId2))
        .Add(MacroDefinition.ForField("fobs3", PostbackField.SubId3))
        .Add(MacroDefinition.ForField("fobs4", PostbackField.SubId4))
        .Add(MacroDefinition.ForField("fobs5", PostbackField.SubId5))
        .Add(MacroDefinition.ForField("on", PostbackField.OrderNumber))
        .Add(MacroDefinition.ForField("sa", PostbackField.SaleAmount))
        .Add(MacroDefinition.ForField("ca", PostbackField.CommissionAmount))
        .Add(MacroDefinition.ForField("clickid", PostbackField.ClickId))
        .Add(MacroDefinition.ForField("flx_salesid", PostbackField.SalesId))
        .Add(MacroDefinition.ForField("et", PostbackField.EventTime))
        .Add(MacroDefinition.ForField("programid", PostbackField.ProgramId))
        .Build();

    /// <summary>
    /// Gets an open catalog with no declared macros: every name is a custom text macro that reads the extra value
    /// of the same name. Names ignore case.
    /// </summary>
    public static MacroCatalog Open { get; } = CreateBuilder().AllowAnyName().Build();

    /// <summary>Gets the declared macros.</summary>
    public IReadOnlyList<MacroDefinition> Macros { get; }

    /// <summary>Gets a value indicating whether names are matched ignoring case (ordinal).</summary>
    public bool IgnoreCase { get; }

    /// <summary>Gets a value indicating whether an undeclared name is accepted as a custom text macro.</summary>
    public bool AllowsAnyName { get; }

    /// <summary>Starts a new, empty catalog whose names ignore case.</summary>
    /// <returns>A builder.</returns>
    public static MacroCatalogBuilder CreateBuilder() => new();

    /// <summary>Starts a builder holding this catalog's macros and settings, to extend it.</summary>
    /// <returns>A builder.</returns>
    public MacroCatalogBuilder ToBuilder()
    {
        var builder = new MacroCatalogBuilder().WithIgnoreCase(IgnoreCase);
        if (AllowsAnyName)
        {
            builder.AllowAnyName();
        }

        foreach (var macro in Macros)
        {
            builder.Add(macro);
        }

        return builder;
    }

    /// <summary>Finds a declared macro by name or alias.</summary>
    /// <param name="name">The name.</param>
    /// <param name="macro">The macro, when found.</param>
    /// <returns><see langword="true"/> when the name is declared.</returns>
    public bool TryGetMacro(ReadOnlySpan<char> name, [NotNullWhen(true)] out MacroDefinition? macro) =>
        _lookup.TryGetValue(name, out macro);

    /// <summary>Returns up to three declared names closest to <paramref name="name"/>, nearest first, for "did you mean" messages.</summary>
    internal string[] SuggestNames(ReadOnlySpan<char> name) => NameSimilarity.Closest(name, _byName.Keys, max: 3);
}
