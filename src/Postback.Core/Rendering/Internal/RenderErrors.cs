namespace Postback.Internal;

/// <summary>The renderer's error texts: which macro, where, and why.</summary>
internal static class RenderErrors
{
    /// <summary>Turns a render failure into an error that names the macro and says why, without the value itself.</summary>
    public static PostbackRenderError Create(PostbackTemplate template, RenderFailure failure)
    {
        if (failure.TokenIndex < 0)
        {
            return new PostbackRenderError(
                failure.Code,
                string.Empty,
                -1,
                $"The rendered postback would be longer than {TemplateRenderer.MaxRenderLength} characters.");
        }

        ref readonly var token = ref template.Tokens[failure.TokenIndex];
        var text = template.Text;
        var macroText = text.Substring(token.Start, token.Length);
        var name = text.Substring(token.NameStart, token.NameLength);
        var message = failure.Code switch
        {
            PostbackRenderErrorCode.InvalidHost =>
                $"The value of macro '{macroText}' at position {token.Start} does not make a valid host name. A host value may hold only ASCII letters, digits, '-' and '.', in labels of 1 to 63 characters; convert an internationalised name to punycode first.",
            PostbackRenderErrorCode.DotSegment =>
                $"The value of macro '{macroText}' at position {token.Start} makes a '.' or '..' path segment, which URL resolution would remove, changing the path.",
            PostbackRenderErrorCode.InvalidPort =>
                $"The value of macro '{macroText}' at position {token.Start} does not make a valid port: it must be digits, at most 65535.",
            PostbackRenderErrorCode.MissingValue =>
                $"Macro '{macroText}' at position {token.Start} has no value, and missing values are errors ({nameof(MissingValuePolicy)}.{nameof(MissingValuePolicy.Fail)}). Supply '{name}' or give the macro a default, as in '{template.Options.Syntax.Open}{name}|none{template.Options.Syntax.Close}'.",
            PostbackRenderErrorCode.InvalidRawValue =>
                $"The value of raw macro '{macroText}' at position {token.Start} holds a character that is never valid unencoded in a URL (white space, a control character, non-ASCII, or one of \" < > \\ ^ ` {{ | }}). Remove ':raw' to have it encoded.",
            PostbackRenderErrorCode.ValueKindMismatch =>
                $"Macro '{macroText}' at position {token.Start} has a format for a {(token.Macro?.ValueType == MacroValueType.DateTime ? "date and time" : "number")}, and the value source supplied a value of another kind.",
            _ => $"Macro '{macroText}' at position {token.Start} could not be rendered ({failure.Code}).",
        };
        return new PostbackRenderError(failure.Code, name, token.Start, message);
    }
}
