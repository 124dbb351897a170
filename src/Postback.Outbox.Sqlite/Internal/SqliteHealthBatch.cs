using System;
using System.Collections.Generic;

namespace Postback.Internal;

/// <summary>
/// What one completion batch already knows about each endpoint's health row, so repeated signals of the same kind do
/// not rewrite it. Valid only inside the batch's write transaction: nothing else writes the row until it commits.
/// </summary>
internal sealed class SqliteHealthBatch
{
    private readonly Dictionary<string, (bool Enabled, bool AfterSuccess)> _known = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether applying <paramref name="signal"/> would change nothing: no signal once the flag is known, or a success
    /// right after a success (the same reset, at the batch's one timestamp). Gives the endpoint's enabled flag.
    /// </summary>
    public bool IsKnown(string endpoint, PostbackEndpointSignal signal, out bool enabled)
    {
        if (_known.TryGetValue(endpoint, out var known)
            && (signal == PostbackEndpointSignal.None || (signal == PostbackEndpointSignal.Success && known.AfterSuccess)))
        {
            enabled = known.Enabled;
            return true;
        }

        enabled = false;
        return false;
    }

    /// <summary>Remembers the row after a signal was applied (or read).</summary>
    public void Applied(string endpoint, PostbackEndpointSignal signal, bool enabled)
    {
        var afterSuccess = signal == PostbackEndpointSignal.Success
            || (signal == PostbackEndpointSignal.None && _known.TryGetValue(endpoint, out var known) && known.AfterSuccess);
        _known[endpoint] = (enabled, afterSuccess);
    }
}
