using System;
using System.Runtime.CompilerServices;
using System.Text;

namespace Postback.Internal;

/// <summary>
/// Where a URL template's macros stand, for redaction: which path segments and which query keys hold one. Values are
/// encoded so that they never add a <c>/</c>, <c>&amp;</c> or <c>=</c>, so a rendered URL has the same segments and
/// items as its template. Computed once per template.
/// </summary>
internal sealed class UrlShape
{
    private const char Hole = '\uE000';
    private static readonly ConditionalWeakTable<PostbackTemplate, UrlShape> Shapes = [];

    private UrlShape(bool[] pathSegments, bool[] queryKeys)
    {
        PathSegments = pathSegments;
        QueryKeys = queryKeys;
    }

    /// <summary>Gets, for each <c>/</c>-separated path segment (the empty one before the first <c>/</c> included), whether a macro stands in it.</summary>
    public bool[] PathSegments { get; }

    /// <summary>Gets, for each non-empty <c>&amp;</c>-separated query item, whether a macro stands in its key (or in a bare item).</summary>
    public bool[] QueryKeys { get; }

    public static UrlShape Of(PostbackTemplate template) => Shapes.GetValue(template, static t => Build(t));

    private static UrlShape Build(PostbackTemplate template)
    {
        // The template with every macro replaced by one placeholder character.
        var skeleton = new StringBuilder(template.Text.Length);
        foreach (ref readonly var token in template.Tokens)
        {
            if (token.Kind == TokenKind.Macro)
            {
                skeleton.Append(Hole);
            }
            else
            {
                skeleton.Append(template.Text, token.Start, token.Length);
            }
        }

        var text = skeleton.ToString().AsSpan();
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        var rest = scheme < 0 ? text : text[(scheme + 3)..];
        var fragment = rest.IndexOf('#');
        if (fragment >= 0)
        {
            rest = rest[..fragment];
        }

        var pathStart = rest.IndexOfAny('/', '?');
        rest = pathStart < 0 ? [] : rest[pathStart..];
        var queryStart = rest.IndexOf('?');
        var path = queryStart < 0 ? rest : rest[..queryStart];
        var query = queryStart < 0 ? [] : rest[(queryStart + 1)..];

        var segments = new bool[path.Count('/') + 1];
        var i = 0;
        foreach (var range in path.Split('/'))
        {
            segments[i++] = path[range].Contains(Hole);
        }

        var items = new System.Collections.Generic.List<bool>();
        foreach (var range in query.Split('&'))
        {
            var item = query[range];
            if (!item.IsEmpty)
            {
                var equals = item.IndexOf('=');
                items.Add(equals < 0 || item[..equals].Contains(Hole));
            }
        }

        return new UrlShape(segments, [.. items]);
    }
}
