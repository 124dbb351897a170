using System;

namespace Postback.Cli.Shell;

/// <summary>
/// Bad input found after parsing (a malformed <c>--set</c>, an unknown catalog, a file that is not JSON): it ends the
/// command with <see cref="ExitCodes.Usage"/>, like a parse error, because nothing was checked yet.
/// </summary>
internal sealed class UsageException : Exception
{
    public UsageException()
    {
    }

    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
