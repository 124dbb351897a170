using System;
using System.Collections.Generic;
using System.Text;

namespace Postback;

/// <summary>
/// The publisher's side of sub-tracking: adds your own click ids to a partner's tracking link ("include your own click
/// IDs (fobs=) in your tracking links"), so they come back in the partner's postbacks as <c>#fobs#</c>..<c>#fobs5#</c>.
/// </summary>
/// <example>
/// <code>
/// TrackingLink.AddSubIds("https://track.flexlinks.example/a.ashx?foid=1&amp;fot=999", "click 42", "email");
/// // https://track.flexlinks.example/a.ashx?foid=1&amp;fot=999&amp;fobs=click%2042&amp;fobs2=email
/// </code>
/// </example>
public static class TrackingLink
{
    /// <summary>The default parameter names: <c>fobs</c>, <c>fobs2</c>, <c>fobs3</c>, <c>fobs4</c>, <c>fobs5</c>.</summary>
    public static IReadOnlyList<string> DefaultParameterNames { get; } = ["fobs", "fobs2", "fobs3", "fobs4", "fobs5"];

    /// <summary>Adds up to five sub-ids under the default names (<c>fobs</c>..<c>fobs5</c>).</summary>
    /// <param name="link">The partner's tracking link: absolute, with or without a query string or fragment.</param>
    /// <param name="subIds">The sub-ids in order; <see langword="null"/> or empty ones are left out.</param>
    /// <returns>The link with the sub-ids added, percent-encoded, before any fragment. A parameter the link already had under one of these names is replaced.</returns>
    public static string AddSubIds(string link, params string?[] subIds) => AddSubIds(link, DefaultParameterNames, subIds);

    /// <summary>Adds sub-ids under parameter names of your choosing.</summary>
    /// <param name="link">The partner's tracking link.</param>
    /// <param name="parameterNames">The names, one per sub-id position, such as <c>subid1</c>..<c>subid5</c>.</param>
    /// <param name="subIds">The sub-ids in order; <see langword="null"/> or empty ones are left out.</param>
    /// <returns>The link with the sub-ids added.</returns>
    /// <exception cref="ArgumentException">The link is not an absolute http(s) URL, a name is empty, or there are more sub-ids than names.</exception>
    public static string AddSubIds(string link, IReadOnlyList<string> parameterNames, params string?[] subIds)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(parameterNames);
        ArgumentNullException.ThrowIfNull(subIds);
        if (!Uri.TryCreate(link, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The tracking link must be an absolute http or https URL.", nameof(link));
        }

        if (subIds.Length > parameterNames.Count)
        {
            throw new ArgumentException($"{subIds.Length} sub-ids were given but only {parameterNames.Count} parameter names.", nameof(subIds));
        }

        var added = new List<KeyValuePair<string, string>>(subIds.Length);
        for (var i = 0; i < subIds.Length; i++)
        {
            var name = parameterNames[i];
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ArgumentException($"Parameter name {i + 1} is empty.", nameof(parameterNames));
            }

            if (!string.IsNullOrEmpty(subIds[i]))
            {
                added.Add(new(name, subIds[i]!));
            }
        }

        return AddParameters(link, added);
    }

    /// <summary>Adds query parameters to a link, before its fragment, replacing parameters of the same names.</summary>
    /// <param name="link">The link.</param>
    /// <param name="parameters">The names and values; values are percent-encoded by RFC 3986.</param>
    /// <returns>The link with the parameters.</returns>
    public static string AddParameters(string link, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count == 0)
        {
            return link;
        }

        var fragmentAt = link.IndexOf('#', StringComparison.Ordinal);
        var beforeFragment = fragmentAt < 0 ? link : link[..fragmentAt];
        var fragment = fragmentAt < 0 ? string.Empty : link[fragmentAt..];
        var queryAt = beforeFragment.IndexOf('?', StringComparison.Ordinal);
        var text = new StringBuilder(link.Length + 32 * parameters.Count);
        text.Append(queryAt < 0 ? beforeFragment : beforeFragment[..queryAt]);

        var separator = '?';
        if (queryAt >= 0)
        {
            // Keep every existing pair as it was written, except those we are about to set.
            foreach (var pair in beforeFragment[(queryAt + 1)..].Split('&'))
            {
                if (pair.Length == 0 || IsReplaced(pair, parameters))
                {
                    continue;
                }

                text.Append(separator).Append(pair);
                separator = '&';
            }
        }

        foreach (var (name, value) in parameters)
        {
            text.Append(separator).Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        return text.Append(fragment).ToString();
    }

    private static bool IsReplaced(string pair, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        var equals = pair.IndexOf('=', StringComparison.Ordinal);
        var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
        foreach (var parameter in parameters)
        {
            if (string.Equals(key, parameter.Key, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
