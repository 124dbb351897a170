namespace Postback;

/// <summary>One macro as it stands in a parsed template.</summary>
/// <param name="Name">The name as written in the template.</param>
/// <param name="Definition">The catalog's macro; <see langword="null"/> for an unknown macro kept under <see cref="UnknownMacroPolicy.RenderEmpty"/>.</param>
/// <param name="Position">The 0-based index where the macro starts.</param>
/// <param name="Length">The macro's length in the template, delimiters included.</param>
/// <param name="Context">Where it stands, which decides the encoding.</param>
/// <param name="Format">The <c>:format</c>, or <see langword="null"/>.</param>
/// <param name="DefaultValue">The <c>|default</c>, or <see langword="null"/>.</param>
public sealed record PostbackMacroReference(
    string Name,
    MacroDefinition? Definition,
    int Position,
    int Length,
    MacroContext Context,
    string? Format,
    string? DefaultValue);
