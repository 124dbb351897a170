namespace Postback;

/// <summary>A warning about a template that parses but is probably wrong.</summary>
public sealed class PostbackTemplateWarning
{
    internal PostbackTemplateWarning(PostbackTemplateWarningCode code, int position, string message)
    {
        Code = code;
        Position = position;
        Message = message;
    }

    /// <summary>Gets what is probably wrong.</summary>
    public PostbackTemplateWarningCode Code { get; }

    /// <summary>Gets the short id of <see cref="Code"/>, such as <c>PB101</c>.</summary>
    public string Id => "PB" + ((int)Code).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Gets the 0-based index in the template where the suspicious text starts.</summary>
    public int Position { get; }

    /// <summary>Gets a message that says what looks wrong and what to do.</summary>
    public string Message { get; }

    /// <summary>Returns the id and message.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Id + ": " + Message;
}
