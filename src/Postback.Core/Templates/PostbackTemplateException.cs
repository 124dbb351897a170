using System;

namespace Postback;

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
