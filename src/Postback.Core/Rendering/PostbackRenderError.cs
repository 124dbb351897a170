using System;

namespace Postback;

/// <summary>Why a template could not be rendered for a transaction.</summary>
public enum PostbackRenderErrorCode
{
    /// <summary>A value in the host is not a valid ASCII host name, or the resulting host is not.</summary>
    InvalidHost = 1,

    /// <summary>A value in the port is not a number from 0 to 65535.</summary>
    InvalidPort,

    /// <summary>A value is missing and <see cref="MissingValuePolicy.Fail"/> is in force.</summary>
    MissingValue,

    /// <summary>A <c>raw</c> value contains a character that is never valid unencoded in its place (white space, a control character, non-ASCII, or <c>" &lt; &gt; \ ^ ` { | }</c>).</summary>
    InvalidRawValue,

    /// <summary>The macro has a format, and the value source supplied a value of another kind (text for a number format, say).</summary>
    ValueKindMismatch,

    /// <summary>A value in the path makes a <c>.</c> or <c>..</c> segment, which URL resolution would remove, changing the path.</summary>
    DotSegment,

    /// <summary>The rendered text would be longer than the renderer's limit of 1 048 576 characters.</summary>
    OutputTooLong,
}

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

/// <summary>The exception rendering throws when a value cannot be placed in the template safely.</summary>
public sealed class PostbackRenderException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="PostbackRenderException"/> class.</summary>
    public PostbackRenderException()
        : this("The postback template could not be rendered.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostbackRenderException"/> class.</summary>
    /// <param name="message">The message.</param>
    public PostbackRenderException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostbackRenderException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PostbackRenderException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostbackRenderException"/> class from an error.</summary>
    /// <param name="error">The error.</param>
    public PostbackRenderException(PostbackRenderError error)
        : base((error ?? throw new ArgumentNullException(nameof(error))).Message)
    {
        Error = error;
    }

    /// <summary>Gets the error; <see langword="null"/> when constructed from a message alone.</summary>
    public PostbackRenderError? Error { get; }
}
