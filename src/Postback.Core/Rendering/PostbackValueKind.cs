namespace Postback;

/// <summary>The kind of value a <see cref="PostbackValue"/> holds.</summary>
public enum PostbackValueKind
{
    /// <summary>No value: the field is missing.</summary>
    None = 0,

    /// <summary>Text.</summary>
    Text,

    /// <summary>A decimal number.</summary>
    Decimal,

    /// <summary>A 64-bit integer.</summary>
    Int64,

    /// <summary>A point in time.</summary>
    DateTime,
}
