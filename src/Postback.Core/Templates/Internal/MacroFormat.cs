namespace Postback.Internal;

internal enum MacroFormat : byte
{
    /// <summary>The field's default representation.</summary>
    Default,

    /// <summary>A .NET numeric or date and time format string, in <see cref="TemplateToken.Format"/>.</summary>
    Custom,

    /// <summary>Seconds since the Unix epoch.</summary>
    Unix,

    /// <summary>Milliseconds since the Unix epoch.</summary>
    UnixMilliseconds,

    /// <summary>No encoding: the deliberate opt-out.</summary>
    Raw,
}
