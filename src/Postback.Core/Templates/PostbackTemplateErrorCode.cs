namespace Postback;

/// <summary>Why a template could not be parsed.</summary>
public enum PostbackTemplateErrorCode
{
    /// <summary>The template is empty or white space.</summary>
    Empty = 1,

    /// <summary>The template is longer than <see cref="PostbackTemplateOptions.MaxTemplateLength"/>.</summary>
    TooLong,

    /// <summary>A macro's name is not in the catalog.</summary>
    UnknownMacro,

    /// <summary>A macro has no name, such as <c>{}</c>.</summary>
    EmptyMacroName,

    /// <summary>A macro's format does not fit the type of its field, such as <c>#fobs:unix#</c>.</summary>
    InvalidFormat,

    /// <summary>A macro stands in the URL's scheme, which values may never choose.</summary>
    MacroInScheme,

    /// <summary>A macro stands inside an IPv6 literal host (<c>[...]</c>), which is not supported.</summary>
    MacroInIpLiteral,

    /// <summary>The <c>raw</c> format stands where values must always be validated or escaped (the host, the port, a JSON body).</summary>
    RawNotAllowed,

    /// <summary>In a JSON body, a <c>\</c> stands right before a macro inside a string, so it would escape the value's first character.</summary>
    EscapeBeforeMacro,
}
