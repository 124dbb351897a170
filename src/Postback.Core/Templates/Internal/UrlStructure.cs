using System;

namespace Postback.Internal;

/// <summary>
/// Decides at parse time where each macro of a URL template stands. It reads a skeleton of the template, in which
/// each macro is one placeholder character: a value can never be a delimiter, so only literal text shapes the URL.
/// </summary>
internal static class UrlStructure
{
    public const char Placeholder = '\0';

    public readonly record struct Result(
        int SchemeEnd,
        int ErrorSkeletonIndex,
        PostbackTemplateErrorCode ErrorCode,
        int HostStart,
        int HostEnd,
        int PortStart,
        int PortEnd,
        int PathStart,
        int PathEnd);

    /// <summary>Assigns a context to each skeleton index that holds a placeholder.</summary>
    /// <param name="skeleton">Literal text with one <see cref="Placeholder"/> per macro.</param>
    /// <param name="contexts">Receives the context of each placeholder, in order.</param>
    public static Result Analyze(ReadOnlySpan<char> skeleton, Span<MacroContext> contexts)
    {
        var macro = 0;
        var schemeEnd = -1;
        int authorityStart;

        // 1. The scheme: letters up to "://", ahead of any '/', '?' or '#'. Without one (a linter warning), a leading
        //    "//" or a plain name is still read as the authority, because that is what the partner meant.
        var firstDelimiter = skeleton.IndexOfAny('/', '?', '#');
        if (firstDelimiter > 0 && skeleton[firstDelimiter - 1] == ':' && firstDelimiter + 1 < skeleton.Length && skeleton[firstDelimiter + 1] == '/')
        {
            schemeEnd = firstDelimiter - 1;
            var inScheme = skeleton[..schemeEnd].IndexOf(Placeholder);
            if (inScheme >= 0)
            {
                return Fail(inScheme, PostbackTemplateErrorCode.MacroInScheme);
            }

            authorityStart = firstDelimiter + 2;
        }
        else if (skeleton.StartsWith("//"))
        {
            authorityStart = 2;
        }
        else if (firstDelimiter == 0)
        {
            authorityStart = -1;
        }
        else
        {
            authorityStart = 0;
        }

        var pathStart = 0;
        int hostStart = -1, hostEnd = -1, portStart = -1, portEnd = -1;
        if (authorityStart >= 0)
        {
            // 2. The authority runs to the first '/', '?' or '#'. The last '@' in it ends the user-info, then comes
            //    the host, then an optional ":port". An IPv6 literal's colons sit inside brackets.
            var authorityEnd = skeleton[authorityStart..].IndexOfAny('/', '?', '#');
            authorityEnd = authorityEnd < 0 ? skeleton.Length : authorityStart + authorityEnd;
            var authority = skeleton[authorityStart..authorityEnd];

            var at = authority.LastIndexOf('@');
            hostStart = authorityStart + at + 1;
            if (hostStart < authorityEnd && skeleton[hostStart] == '[')
            {
                var close = skeleton[hostStart..authorityEnd].IndexOf(']');
                hostEnd = close < 0 ? authorityEnd : hostStart + close + 1;
                var inLiteral = skeleton[hostStart..hostEnd].IndexOf(Placeholder);
                if (inLiteral >= 0)
                {
                    return Fail(hostStart + inLiteral, PostbackTemplateErrorCode.MacroInIpLiteral);
                }
            }
            else
            {
                var colon = skeleton[hostStart..authorityEnd].IndexOf(':');
                hostEnd = colon < 0 ? authorityEnd : hostStart + colon;
            }

            if (hostEnd < authorityEnd && skeleton[hostEnd] == ':')
            {
                portStart = hostEnd + 1;
                portEnd = authorityEnd;
            }

            for (var i = authorityStart; i < authorityEnd; i++)
            {
                if (skeleton[i] == Placeholder)
                {
                    contexts[macro++] = i < hostStart ? MacroContext.UserInfo : i < hostEnd ? MacroContext.Host : MacroContext.Port;
                }
            }

            pathStart = authorityEnd;
        }

        // 3. Path to the first '?' or '#', query to the first '#', fragment to the end. A '?' inside the fragment is
        //    fragment text.
        var pathEnd = skeleton[pathStart..].IndexOfAny('?', '#');
        pathEnd = pathEnd < 0 ? skeleton.Length : pathStart + pathEnd;
        var state = MacroContext.Path;
        for (var i = pathStart; i < skeleton.Length; i++)
        {
            switch (skeleton[i])
            {
                case Placeholder:
                    contexts[macro++] = state;
                    break;
                case '?' when state == MacroContext.Path:
                    state = MacroContext.Query;
                    break;
                case '#' when state != MacroContext.Fragment:
                    state = MacroContext.Fragment;
                    break;
            }
        }

        return new Result(schemeEnd, -1, 0, hostStart, hostEnd, portStart, portEnd, pathStart, pathEnd);

        static Result Fail(int index, PostbackTemplateErrorCode code) => new(-1, index, code, -1, -1, -1, -1, -1, -1);
    }
}
