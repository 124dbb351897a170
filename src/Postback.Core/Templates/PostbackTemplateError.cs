using System;

namespace Postback;

/// <summary>Why a template could not be parsed.</summary>
public enum PostbackTemplateErrorCode
{
    /// <summary>The template is empty or white space.</summary>
    Empty = 1,

    /// <summary>The template is longer than <see cref="PostbackTemplateOptions.MaxTemplateLength"/>.</summary>
    TooLong,

    /// <summary>A macro's name is not in the catalog.</summary>
    UnknownMacro,

    /// <summary>A macro has no name, such as <c>{}</c>.</summary>
    EmptyMacroName,

    /// <summary>A macro's format does not fit the type of its field, such as <c>#fobs:unix#</c>.</summary>
    InvalidFormat,

    /// <summary>A macro stands in the URL's scheme, which values may never choose.</summary>
    MacroInScheme,

    /// <summary>A macro stands inside an IPv6 literal host (<c>[...]</c>), which is not supported.</summary>
    MacroInIpLiteral,

    /// <summary>The <c>raw</c> format stands where values must always be validated or escaped (the host, the port, a JSON body).</summary>
    RawNotAllowed,
}

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

/// <summary>The exception <see cref="PostbackTemplate.Parse"/> throws for an invalid template.</summary>
public sealed class PostbackTemplateException : FormatException
{
    /// <summary>Initializes a new instance of the <see cref="PostbackTemplateException"/> class.</summary>
    public PostbackTemplateException()
        : this("The postback template is invalid.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostbackTemplateException"/> class.</summary>
    /// <param name="message">The message.</param>
    public PostbackTemplateException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostbackTemplateException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PostbackTemplateException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostbackTemplateException"/> class from an error.</summary>
    /// <param name="error">The error.</param>
    public PostbackTemplateException(PostbackTemplateError error)
        : base((error ?? throw new ArgumentNullException(nameof(error))).Message)
    {
        Error = error;
    }

    /// <summary>Gets the error, with its position and offending text; <see langword="null"/> when constructed from a message alone.</summary>
    public PostbackTemplateError? Error { get; }
}
