using System;

namespace Postback.Internal;

/// <summary>Decides at parse time whether each macro of a JSON template stands inside a string or outside quotes.</summary>
internal static class JsonStructure
{
    /// <summary>Gives each macro its context; returns the skeleton index of a backslash that stands right before a macro inside a string, or -1.</summary>
    public static int Analyze(ReadOnlySpan<char> skeleton, Span<MacroContext> contexts)
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
            else if (inString && c == '\\')
            {
                if (i + 1 < skeleton.Length && skeleton[i + 1] == UrlStructure.Placeholder)
                {
                    // "x\#fobs#": the backslash would escape the value's first character ("\n", "\u", or invalid JSON).
                    return i;
                }

                // An escape: the next character cannot end the string.
                i++;
            }
            else if (c == '"')
            {
                inString = !inString;
            }
        }

        return -1;
    }
}
