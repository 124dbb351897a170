namespace Postback;

/// <summary>A render error: which macro, where, and why. It never contains the value itself, which may be personal data.</summary>
public sealed class PostbackRenderError
{
    internal PostbackRenderError(PostbackRenderErrorCode code, string macroName, int position, string message)
    {
        Code = code;
        MacroName = macroName;
        Position = position;
        Message = message;
    }

    /// <summary>Gets what is wrong.</summary>
    public PostbackRenderErrorCode Code { get; }

    /// <summary>Gets the name of the macro whose value failed; empty when the error is not about one macro.</summary>
    public string MacroName { get; }

    /// <summary>Gets the 0-based index of that macro in the template; -1 when the error is not about one macro.</summary>
    public int Position { get; }

    /// <summary>Gets the message.</summary>
    public string Message { get; }

    /// <summary>Returns <see cref="Message"/>.</summary>
    /// <returns>The message.</returns>
    public override string ToString() => Message;
}
