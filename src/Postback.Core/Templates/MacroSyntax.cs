using System;
using System.Diagnostics.CodeAnalysis;

namespace Postback;

/// <summary>
/// The pair of delimiters that marks a macro in a postback template, such as <c>#</c>…<c>#</c> in
/// <c>#fobs#</c> or <c>{</c>…<c>}</c> in <c>{clickid}</c>.
/// </summary>
/// <remarks>
/// A macro is the opening delimiter, a name, an optional <c>:format</c>, an optional <c>|default</c>,
/// and the closing delimiter. Anything else in a template is literal text, so a stray delimiter
/// (a URL fragment's <c>#</c>, a JSON body's <c>{</c>) never needs escaping.
/// </remarks>
public sealed class MacroSyntax : IEquatable<MacroSyntax>
{
    private MacroSyntax(string name, string open, string close)
    {
        Name = name;
        Open = open;
        Close = close;
    }

    /// <summary>Gets <c>#name#</c>, the default: FlexOffers and CAKE.</summary>
    public static MacroSyntax Hash { get; } = new("hash", "#", "#");

    /// <summary>Gets <c>{name}</c>: TUNE (HasOffers), Everflow, Voluum, Keitaro, Binom.</summary>
    public static MacroSyntax Braces { get; } = new("braces", "{", "}");

    /// <summary>Gets <c>{{name}}</c>.</summary>
    public static MacroSyntax DoubleBraces { get; } = new("double-braces", "{{", "}}");

    /// <summary>Gets <c>[[name]]</c>: Prosper202.</summary>
    public static MacroSyntax DoubleBrackets { get; } = new("double-brackets", "[[", "]]");

    /// <summary>Gets <c>[[[name]]]</c>: Admitad.</summary>
    public static MacroSyntax TripleBrackets { get; } = new("triple-brackets", "[[[", "]]]");

    /// <summary>Gets <c>!!name!!</c>.</summary>
    public static MacroSyntax DoubleBang { get; } = new("double-bang", "!!", "!!");

    /// <summary>Gets <c>!!!name!!!</c>: AWIN.</summary>
    public static MacroSyntax TripleBang { get; } = new("triple-bang", "!!!", "!!!");

    /// <summary>Gets <c>&lt;name&gt;</c>: Rakuten.</summary>
    public static MacroSyntax Angle { get; } = new("angle", "<", ">");

    /// <summary>Gets <c>%name%</c>.</summary>
    /// <remarks>
    /// A percent-encoded octet such as <c>%AB%</c> is ambiguous with this syntax; a name of exactly two hex digits
    /// is therefore read as literal text.
    /// </remarks>
    public static MacroSyntax Percent { get; } = new("percent", "%", "%");

    /// <summary>Gets <c>${name}</c>.</summary>
    public static MacroSyntax DollarBraces { get; } = new("dollar-braces", "${", "}");

    private static readonly MacroSyntax[] BuiltIns =
    [
        Hash, Braces, DoubleBraces, DoubleBrackets, TripleBrackets, DoubleBang, TripleBang, Angle, Percent, DollarBraces,
    ];

    /// <summary>Gets the names of the built-in syntaxes, in the order they are declared.</summary>
    internal static string[] BuiltInNames => Array.ConvertAll(BuiltIns, static syntax => syntax.Name);

    /// <summary>Gets the name of the syntax, such as <c>hash</c> or <c>braces</c>; <c>custom</c> for <see cref="Create"/>.</summary>
    public string Name { get; }

    /// <summary>Gets the opening delimiter.</summary>
    public string Open { get; }

    /// <summary>Gets the closing delimiter.</summary>
    public string Close { get; }

    /// <summary>Creates a syntax from any pair of delimiters.</summary>
    /// <param name="open">The opening delimiter, 1 to 8 characters.</param>
    /// <param name="close">The closing delimiter, 1 to 8 characters.</param>
    /// <returns>The syntax.</returns>
    /// <exception cref="ArgumentException">
    /// A delimiter is empty, longer than 8 characters, or contains a character that can be part of a macro
    /// (a letter, a digit, <c>_</c>, <c>-</c>, <c>.</c>, <c>:</c>, <c>|</c>), white space or a control character.
    /// </exception>
    public static MacroSyntax Create(string open, string close)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(close);
        Validate(open, nameof(open));
        Validate(close, nameof(close));

        foreach (var builtIn in BuiltIns)
        {
            if (builtIn.Open == open && builtIn.Close == close)
            {
                return builtIn;
            }
        }

        return new MacroSyntax("custom", open, close);
    }

    /// <summary>
    /// Gets a built-in syntax by its <see cref="Name"/> (<c>hash</c>, <c>braces</c>, <c>double-braces</c>,
    /// <c>double-brackets</c>, <c>triple-brackets</c>, <c>double-bang</c>, <c>triple-bang</c>, <c>angle</c>,
    /// <c>percent</c>, <c>dollar-braces</c>), ignoring case; <c>-</c> and <c>_</c> may be left out.
    /// </summary>
    /// <param name="name">The name.</param>
    /// <param name="syntax">The syntax, when found.</param>
    /// <returns><see langword="true"/> when the name is a built-in syntax.</returns>
    public static bool TryGetBuiltIn(string? name, [NotNullWhen(true)] out MacroSyntax? syntax)
    {
        if (name is not null)
        {
            foreach (var builtIn in BuiltIns)
            {
                if (EqualsIgnoringSeparators(builtIn.Name, name))
                {
                    syntax = builtIn;
                    return true;
                }
            }
        }

        syntax = null;
        return false;
    }

    /// <inheritdoc/>
    public bool Equals(MacroSyntax? other) =>
        other is not null && string.Equals(Open, other.Open, StringComparison.Ordinal) && string.Equals(Close, other.Close, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as MacroSyntax);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Open, Close);

    /// <summary>Returns the syntax as it looks around a name, for example <c>#name#</c>.</summary>
    /// <returns>The delimiters around the word <c>name</c>.</returns>
    public override string ToString() => Open + "name" + Close;

    private static void Validate(string delimiter, string paramName)
    {
        if (delimiter.Length is 0 or > 8)
        {
            throw new ArgumentException($"A macro delimiter must be 1 to 8 characters long; '{delimiter}' is {delimiter.Length}.", paramName);
        }

        foreach (var c in delimiter)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':' or '|' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                throw new ArgumentException(
                    $"The macro delimiter '{delimiter}' contains '{c}', which can be part of a macro name, format or default. Use punctuation such as # {{ }} [ ] ! % $ < >.",
                    paramName);
            }
        }
    }

    private static bool EqualsIgnoringSeparators(string canonical, string candidate)
    {
        var j = 0;
        foreach (var c in candidate)
        {
            if (c is '-' or '_')
            {
                continue;
            }

            while (j < canonical.Length && canonical[j] == '-')
            {
                j++;
            }

            if (j >= canonical.Length || char.ToLowerInvariant(c) != canonical[j])
            {
                return false;
            }

            j++;
        }

        while (j < canonical.Length && canonical[j] == '-')
        {
            j++;
        }

        return j == canonical.Length;
    }
}
