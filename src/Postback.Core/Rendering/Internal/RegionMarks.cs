using System;
using System.Runtime.CompilerServices;

namespace Postback.Internal;

/// <summary>
/// Where the host, port and path regions that hold a macro land in the output, recorded as the render loop passes
/// their tokens, and the checks of those regions once the output is complete. Shared by both render loops.
/// </summary>
internal struct RegionMarks
{
    private int _hostStart;
    private int _hostEnd;
    private int _portStart;
    private int _portEnd;
    private int _pathStart;
    private int _pathEnd;

    public RegionMarks()
    {
        _hostStart = _hostEnd = _portStart = _portEnd = _pathStart = _pathEnd = -1;
    }

    /// <summary>Records the regions that start or end at token <paramref name="token"/>, which starts at <paramref name="written"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Mark(in UrlRegions regions, int token, int written)
    {
        Mark(in regions.Host, token, written, ref _hostStart, ref _hostEnd);
        Mark(in regions.Port, token, written, ref _portStart, ref _portEnd);
        Mark(in regions.Path, token, written, ref _pathStart, ref _pathEnd);
    }

    /// <summary>Checks the rendered host, port and path; a macro's value may not make them invalid.</summary>
    public readonly WriteStatus Check(ReadOnlySpan<char> output, int written, ReadOnlySpan<TemplateToken> tokens, in UrlRegions regions, out RenderFailure failure)
    {
        failure = default;
        if (_hostStart >= 0 && !UrlPartChecks.IsValidHostName(Region(output, _hostStart, _hostEnd, written)))
        {
            return Invalid(PostbackRenderErrorCode.InvalidHost, tokens, regions.Host, out failure);
        }

        if (_portStart >= 0 && !UrlPartChecks.IsValidPort(Region(output, _portStart, _portEnd, written)))
        {
            return Invalid(PostbackRenderErrorCode.InvalidPort, tokens, regions.Port, out failure);
        }

        if (_pathStart >= 0 && UrlPartChecks.HasDotSegment(Region(output, _pathStart, _pathEnd, written)))
        {
            return Invalid(PostbackRenderErrorCode.DotSegment, tokens, regions.Path, out failure);
        }

        return WriteStatus.Done;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mark(in ValidatedRegion region, int token, int written, ref int start, ref int end)
    {
        if (token == region.StartToken)
        {
            start = written + region.StartOffset;
        }

        if (token == region.EndToken)
        {
            end = written + region.EndOffset;
        }
    }

    /// <summary>The rendered text of a region; one that ends with the template ends where the output does.</summary>
    private static ReadOnlySpan<char> Region(ReadOnlySpan<char> output, int start, int end, int written) => output[start..(end < 0 ? written : end)];

    /// <summary>Reports a region whose rendered text is invalid, naming the first macro in it.</summary>
    private static WriteStatus Invalid(PostbackRenderErrorCode code, ReadOnlySpan<TemplateToken> tokens, in ValidatedRegion region, out RenderFailure failure)
    {
        failure = new RenderFailure(code, FirstMacroIn(tokens, region));
        return WriteStatus.Invalid;
    }

    private static int FirstMacroIn(ReadOnlySpan<TemplateToken> tokens, in ValidatedRegion region)
    {
        for (var t = region.StartToken; t < tokens.Length && t <= region.EndToken; t++)
        {
            if (tokens[t].Kind == TokenKind.Macro)
            {
                return t;
            }
        }

        return -1;
    }
}
