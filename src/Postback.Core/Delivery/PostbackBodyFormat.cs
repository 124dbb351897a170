namespace Postback;

/// <summary>What a body template produces.</summary>
public enum PostbackBodyFormat
{
    /// <summary><c>application/x-www-form-urlencoded</c>. The default.</summary>
    Form = 0,

    /// <summary><c>application/json</c>.</summary>
    Json,
}
