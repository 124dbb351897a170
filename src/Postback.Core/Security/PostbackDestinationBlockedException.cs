using System;

namespace Postback;

/// <summary>
/// Thrown inside the HTTP pipeline when the guard refuses a destination. The sender turns it into a
/// <see cref="PostbackOutcome.Blocked"/> result; it is never retried and never reaches the caller.
/// </summary>
public sealed class PostbackDestinationBlockedException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="PostbackDestinationBlockedException"/> class.</summary>
    public PostbackDestinationBlockedException()
        : this("The postback destination is not allowed.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostbackDestinationBlockedException"/> class.</summary>
    /// <param name="message">Why the destination is refused.</param>
    public PostbackDestinationBlockedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostbackDestinationBlockedException"/> class.</summary>
    /// <param name="message">Why the destination is refused.</param>
    /// <param name="innerException">The cause.</param>
    public PostbackDestinationBlockedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal static bool IsIn(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostbackDestinationBlockedException)
            {
                return true;
            }
        }

        return false;
    }

    internal static string? MessageIn(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostbackDestinationBlockedException blocked)
            {
                return blocked.Message;
            }
        }

        return null;
    }
}
