using System;

namespace Postback.Internal;

/// <summary>Decides at parse time whether each macro of a JSON template stands inside a string or outside quotes.</summary>
internal static class JsonStructure
{
    public static void Analyze(ReadOnlySpan<char> skeleton, Span<MacroContext> contexts)
    {
        var macro = 0;
        var inString = false;
        for (var i = 0; i < skeleton.Length; i++)
        {
            var c = skeleton[i];
            if (c == UrlStructure.Placeholder)
            {
                contexts[macro++] = inString ? MacroContext.JsonString : MacroContext.JsonValue;
            }
            else if (inString && c == '\\' && i + 1 < skeleton.Length && skeleton[i + 1] != UrlStructure.Placeholder)
            {
                // An escape: the next character cannot end the string. (A macro right after a backslash is still a macro.)
                i++;
            }
            else if (c == '"')
            {
                inString = !inString;
            }
        }
    }
}
