using System;

namespace Postback;

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
