using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;
using Postback.Internal;

namespace Postback;

/// <summary>
/// One partner's postback definition, compiled: its URL template, method, optional body, headers, the traffic sources
/// it applies to, and its success check. Immutable and safe to share.
/// </summary>
public sealed class PostbackEndpoint
{
    private static readonly ReadOnlyDictionary<string, string> NoHeaders = new(new Dictionary<string, string>());
    private readonly HashSet<string>? _trafficSources;

    /// <summary>Initializes a new instance of the <see cref="PostbackEndpoint"/> class.</summary>
    /// <param name="name">The endpoint's name, used in logs, metrics and results.</param>
    /// <param name="url">The URL template; it must be a <see cref="PostbackTemplateKind.Url"/> template.</param>
    /// <param name="method">GET or POST.</param>
    /// <param name="body">The body template, for POST only: a <see cref="PostbackTemplateKind.FormBody"/> or <see cref="PostbackTemplateKind.JsonBody"/> template.</param>
    /// <param name="headers">Extra request headers. Names must be HTTP tokens, values are visible ASCII, space and tab only, and reserved headers cannot be set.</param>
    /// <param name="trafficSources">The traffic sources the endpoint applies to; empty or <see langword="null"/> means all (a "global" postback).</param>
    /// <param name="enabled">Whether postbacks are sent at all.</param>
    /// <param name="successBodyContains">When set, a 2xx response is a delivery only if its body contains this text (ordinal).</param>
    /// <exception cref="ArgumentException">An argument is invalid; the message names the endpoint and the problem.</exception>
    public PostbackEndpoint(
        string name,
        PostbackTemplate url,
        PostbackHttpMethod method = PostbackHttpMethod.Get,
        PostbackTemplate? body = null,
        IEnumerable<KeyValuePair<string, string>>? headers = null,
        IEnumerable<string>? trafficSources = null,
        bool enabled = true,
        string? successBodyContains = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(url);
        if (url.Options.Kind != PostbackTemplateKind.Url)
        {
            throw new ArgumentException($"Endpoint '{name}': the URL template is a {url.Options.Kind} template; it must be a {nameof(PostbackTemplateKind.Url)} template.", nameof(url));
        }

        if (!Enum.IsDefined(method))
        {
            throw new ArgumentOutOfRangeException(nameof(method), method, $"Endpoint '{name}': the method must be GET or POST.");
        }

        if (body is not null)
        {
            if (method != PostbackHttpMethod.Post)
            {
                throw new ArgumentException($"Endpoint '{name}': a body needs the POST method.", nameof(body));
            }

            if (body.Options.Kind == PostbackTemplateKind.Url)
            {
                throw new ArgumentException($"Endpoint '{name}': the body template must be a {nameof(PostbackTemplateKind.FormBody)} or {nameof(PostbackTemplateKind.JsonBody)} template.", nameof(body));
            }
        }

        if (successBodyContains is { Length: 0 })
        {
            throw new ArgumentException($"Endpoint '{name}': the success check text must not be empty; leave it unset to accept any 2xx.", nameof(successBodyContains));
        }

        Name = name;
        Url = url;
        Method = method;
        Body = body;
        Enabled = enabled;
        SuccessBodyContains = successBodyContains;

        if (headers is not null)
        {
            var copy = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (headerName, value) in headers)
            {
                if (HeaderRules.Check(headerName, value) is { } problem)
                {
                    throw new ArgumentException($"Endpoint '{name}': {problem}", nameof(headers));
                }

                if (body is null && HeaderRules.IsContentHeader(headerName))
                {
                    throw new ArgumentException($"Endpoint '{name}': the header '{headerName}' describes a body, and this endpoint sends none.", nameof(headers));
                }

                if (!copy.TryAdd(headerName, value))
                {
                    throw new ArgumentException($"Endpoint '{name}': the header '{headerName}' is given twice.", nameof(headers));
                }
            }

            Headers = copy.Count == 0 ? NoHeaders : new ReadOnlyDictionary<string, string>(copy);
        }
        else
        {
            Headers = NoHeaders;
        }

        if (trafficSources is not null)
        {
            var sources = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var source in trafficSources)
            {
                if (string.IsNullOrWhiteSpace(source))
                {
                    throw new ArgumentException($"Endpoint '{name}': a traffic source must not be empty.", nameof(trafficSources));
                }

                sources.Add(source);
            }

            _trafficSources = sources.Count == 0 ? null : sources;
        }

        TrafficSources = _trafficSources is null ? [] : _trafficSources.Order(StringComparer.OrdinalIgnoreCase).ToArray();
        CustomKeys = CollectCustomKeys(url, body);
    }

    /// <summary>Gets the endpoint's name.</summary>
    public string Name { get; }

    /// <summary>Gets the URL template.</summary>
    public PostbackTemplate Url { get; }

    /// <summary>Gets the HTTP method.</summary>
    public PostbackHttpMethod Method { get; }

    /// <summary>Gets the body template, or <see langword="null"/>.</summary>
    public PostbackTemplate? Body { get; }

    /// <summary>Gets the extra request headers.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>Gets the traffic sources the endpoint applies to; empty means all.</summary>
    public IReadOnlyList<string> TrafficSources { get; }

    /// <summary>Gets a value indicating whether postbacks are sent.</summary>
    public bool Enabled { get; }

    /// <summary>Gets the text a 2xx body must contain to count as delivered, or <see langword="null"/> to accept any 2xx.</summary>
    public string? SuccessBodyContains { get; }

    /// <summary>Gets the content type of the body, or <see langword="null"/> without a body.</summary>
    public string? BodyContentType => Body?.Options.Kind switch
    {
        PostbackTemplateKind.FormBody => "application/x-www-form-urlencoded",
        PostbackTemplateKind.JsonBody => "application/json",
        _ => null,
    };

    /// <summary>The extra-value keys the templates read, which the idempotency key covers besides the typed fields.</summary>
    internal string[] CustomKeys { get; }

    /// <summary>The URL's scheme, host and port when no macro can change them; <see langword="null"/> otherwise.</summary>
    internal string? StaticAuthority => PartnerAuthority.StaticOf(Url);

    /// <summary>Returns whether the endpoint applies to a traffic source: it does when its list is empty, or holds the source (ignoring case).</summary>
    /// <param name="trafficSource">The transaction's traffic source.</param>
    /// <returns><see langword="true"/> when a postback should be sent.</returns>
    public bool AppliesTo(string? trafficSource) =>
        _trafficSources is null || (trafficSource is not null && _trafficSources.Contains(trafficSource));

    /// <summary>Returns the endpoint's name.</summary>
    /// <returns>The name.</returns>
    public override string ToString() => Name;

    private static string[] CollectCustomKeys(PostbackTemplate url, PostbackTemplate? body)
    {
        var keys = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var template in body is null ? [url] : new[] { url, body })
        {
            foreach (var macro in template.Macros)
            {
                if (macro.Definition is { Field: PostbackField.Custom, Key: { } key })
                {
                    keys.Add(key);
                }
            }
        }

        return [.. keys];
    }
}
