namespace Postback.Cli.Shell;

/// <summary>The exit codes a script can rely on; every command returns one of these and nothing else.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked and every check passed.</summary>
    public const int Ok = 0;

    /// <summary>The check failed: a template error, a send that was not delivered, a delivery not found, a declined confirmation.</summary>
    public const int Failed = 1;

    /// <summary>Bad usage: unknown options, missing or malformed arguments. Nothing was done.</summary>
    public const int Usage = 2;
}
