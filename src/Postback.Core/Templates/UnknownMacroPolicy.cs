namespace Postback;

/// <summary>What parsing does with a well-formed macro whose name the catalog does not know.</summary>
public enum UnknownMacroPolicy
{
    /// <summary>Parsing fails, naming the macro and suggesting close matches. The default.</summary>
    Error = 0,

    /// <summary>The macro is kept in the output exactly as written in the template.</summary>
    KeepLiteral,

    /// <summary>The macro renders empty (or as its <c>|default</c>).</summary>
    RenderEmpty,
}
