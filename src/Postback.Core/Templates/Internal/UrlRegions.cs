namespace Postback.Internal;

/// <summary>The URL regions of a template that hold a macro, and so are checked after each render.</summary>
internal readonly struct UrlRegions
{
    // Fields, so the render loop can pass them by reference.
    public readonly ValidatedRegion Host;
    public readonly ValidatedRegion Port;
    public readonly ValidatedRegion Path;

    /// <summary>Whether any region holds a macro; only then does the render loop record where regions land.</summary>
    public readonly bool Any;

    public UrlRegions(ValidatedRegion host, ValidatedRegion port, ValidatedRegion path)
    {
        Host = host;
        Port = port;
        Path = path;
        Any = !host.IsNone || !port.IsNone || !path.IsNone;
    }
}
