namespace Postback.Internal;

/// <summary>What parsing a template produces: its tokens, the URL regions checked at render time, and where the scheme ends.</summary>
/// <param name="Tokens">The literal runs and macros, in order.</param>
/// <param name="Regions">The host, port and path regions that hold a macro.</param>
/// <param name="SchemeEnd">The index of the ':' that ends a URL's scheme; -1 when there is none or the template is not a URL.</param>
internal readonly record struct ParsedTemplate(TemplateToken[] Tokens, UrlRegions Regions, int SchemeEnd);
