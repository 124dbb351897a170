namespace Postback;

/// <summary>What rendering does when a macro's value is missing or empty and the macro has no <c>|default</c>.</summary>
public enum MissingValuePolicy
{
    /// <summary>The macro renders empty; in a JSON body outside quotes, as <c>null</c>. The default.</summary>
    Empty = 0,

    /// <summary>The macro's own text is rendered, encoded for its place like any value (so <c>#fobs#</c> in a query becomes <c>%23fobs%23</c>).</summary>
    KeepMacro,

    /// <summary>Rendering fails with an error that names the macro.</summary>
    Fail,
}
