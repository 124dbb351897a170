using System;

namespace Postback.Internal;

/// <summary>Describes an exception for a result or a log line, even one whose own <see cref="Exception.Message"/> throws.</summary>
internal static class ExceptionText
{
    /// <summary>Returns the exception's message, or a note that it has none it can give.</summary>
    public static string MessageOf(Exception exception)
    {
        try
        {
            return exception.Message;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return $"(the exception's message could not be read: {ex.GetType().Name})";
        }
    }

    /// <summary>Returns "Type: message", as results show an unexpected exception.</summary>
    public static string Describe(Exception exception) => $"{exception.GetType().Name}: {MessageOf(exception)}";
}
