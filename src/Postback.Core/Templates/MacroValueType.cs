namespace Postback;

/// <summary>The type of value a macro renders, which decides the formats it accepts.</summary>
public enum MacroValueType
{
    /// <summary>Text. Accepts only the <c>raw</c> format.</summary>
    Text = 0,

    /// <summary>A decimal number. Accepts .NET numeric format strings such as <c>0.00</c>, and <c>raw</c>.</summary>
    Decimal,

    /// <summary>A date and time, always rendered in UTC. Accepts <c>unix</c>, <c>unixms</c>, .NET date and time format strings, and <c>raw</c>.</summary>
    DateTime,
}
