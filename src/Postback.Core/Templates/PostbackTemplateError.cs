namespace Postback;

/// <summary>A template parse error: what is wrong, and where.</summary>
public sealed class PostbackTemplateError
{
    internal PostbackTemplateError(PostbackTemplateErrorCode code, int position, string text, string message)
    {
        Code = code;
        Position = position;
        Text = text;
        Message = message;
    }

    /// <summary>Gets what is wrong.</summary>
    public PostbackTemplateErrorCode Code { get; }

    /// <summary>Gets the 0-based index in the template of the character where the offending text starts.</summary>
    public int Position { get; }

    /// <summary>Gets the offending text, such as the whole macro <c>#fob#</c>.</summary>
    public string Text { get; }

    /// <summary>Gets a message a partner could act on; it includes <see cref="Position"/> and <see cref="Text"/>.</summary>
    public string Message { get; }

    /// <summary>Returns <see cref="Message"/>.</summary>
    /// <returns>The message.</returns>
    public override string ToString() => Message;
}
