using System;
using System.Collections.Generic;

namespace Postback;

/// <summary>A macro that a <see cref="MacroCatalog"/> knows: its name, its aliases and the field it reads.</summary>
public sealed class MacroDefinition
{
    private MacroDefinition(string name, PostbackField field, string? key, MacroValueType valueType, string[] aliases)
    {
        Name = name;
        Field = field;
        Key = key;
        ValueType = valueType;
        Aliases = aliases;
    }

    /// <summary>Gets the macro's name as it is written between the delimiters.</summary>
    public string Name { get; }

    /// <summary>Gets other names that mean the same macro.</summary>
    public IReadOnlyList<string> Aliases { get; }

    /// <summary>Gets the transaction field the macro reads.</summary>
    public PostbackField Field { get; }

    /// <summary>Gets the name of the extra value a <see cref="PostbackField.Custom"/> macro reads; <see langword="null"/> for the typed fields.</summary>
    public string? Key { get; }

    /// <summary>Gets the type of value the macro renders.</summary>
    public MacroValueType ValueType { get; }

    /// <summary>Creates a macro that reads one of the typed transaction fields.</summary>
    /// <param name="name">The macro's name.</param>
    /// <param name="field">The field; not <see cref="PostbackField.Custom"/>.</param>
    /// <param name="aliases">Other names for the same macro.</param>
    /// <returns>The definition.</returns>
    public static MacroDefinition ForField(string name, PostbackField field, params string[] aliases)
    {
        ValidateName(name, nameof(name));
        if (field == PostbackField.Custom || !Enum.IsDefined(field))
        {
            throw new ArgumentOutOfRangeException(nameof(field), field, $"Macro '{name}': use {nameof(Custom)} for a macro that reads an extra value.");
        }

        ArgumentNullException.ThrowIfNull(aliases);
        foreach (var alias in aliases)
        {
            ValidateName(alias, nameof(aliases));
        }

        var type = field switch
        {
            PostbackField.SaleAmount or PostbackField.CommissionAmount => MacroValueType.Decimal,
            PostbackField.EventTime => MacroValueType.DateTime,
            _ => MacroValueType.Text,
        };
        return new MacroDefinition(name, field, key: null, type, (string[])aliases.Clone());
    }

    /// <summary>Creates a macro that reads a named extra value, such as <see cref="PostbackTransaction.Extra"/>.</summary>
    /// <param name="name">The macro's name.</param>
    /// <param name="key">The extra value's name; defaults to <paramref name="name"/>.</param>
    /// <param name="valueType">The type of value the macro renders, which decides the formats it accepts.</param>
    /// <param name="aliases">Other names for the same macro.</param>
    /// <returns>The definition.</returns>
    public static MacroDefinition Custom(string name, string? key = null, MacroValueType valueType = MacroValueType.Text, params string[] aliases)
    {
        ValidateName(name, nameof(name));
        ArgumentNullException.ThrowIfNull(aliases);
        if (!Enum.IsDefined(valueType))
        {
            throw new ArgumentOutOfRangeException(nameof(valueType), valueType, $"Macro '{name}': unknown value type.");
        }

        foreach (var alias in aliases)
        {
            ValidateName(alias, nameof(aliases));
        }

        if (key is not null && key.Length == 0)
        {
            throw new ArgumentException($"Macro '{name}': the extra value's key must not be empty.", nameof(key));
        }

        return new MacroDefinition(name, PostbackField.Custom, key ?? name, valueType, (string[])aliases.Clone());
    }

    /// <summary>Returns the macro's name.</summary>
    /// <returns>The name.</returns>
    public override string ToString() => Name;

    internal static void ValidateName(string name, string paramName)
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        if (!Internal.MacroName.IsValid(name))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid macro name: it must start with a letter or '_', continue with letters, digits, '_', '-' or '.', and be at most {Internal.MacroName.MaxLength} characters long.",
                paramName);
        }
    }
}
