using System;
using System.Collections.Generic;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

using Postback.Internal;

namespace Postback;

/// <summary>Options for delivering postbacks: the endpoints, timeouts, retries and the circuit breaker. Bound from <c>Postbacks</c> by default.</summary>
public sealed class PostbackOptions
{
    /// <summary>The configuration section <c>AddPostbacks(IConfiguration)</c> users usually bind: <c>Postbacks</c>.</summary>
    public const string DefaultSectionName = PostbackConstants.SectionName;

    private readonly Dictionary<string, MacroCatalog> _catalogs = new(StringComparer.OrdinalIgnoreCase)
    {
        [PostbackConstants.FlexOffersCatalog] = MacroCatalog.FlexOffers,
        [PostbackConstants.OpenCatalog] = MacroCatalog.Open,
    };

    /// <summary>Gets the partners' endpoints, by name.</summary>
    public IDictionary<string, PostbackEndpointOptions> Endpoints { get; } = new Dictionary<string, PostbackEndpointOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets the header that carries the idempotency key. The default is <c>Idempotency-Key</c>.</summary>
    [Required]
    public string IdempotencyHeaderName { get; set; } = "Idempotency-Key";

    /// <summary>Gets or sets the timeout of one attempt, reading the (bounded) response body included. The default is 10 seconds.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the timeout of one postback, all attempts and waits included. The default is 30 seconds.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the timeout for establishing a connection. The default is 5 seconds; the attempt timeout still applies when it is shorter.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how many times a failed attempt is retried (network errors, 408, 429, 5xx). The default is 3; 0 turns retries off.</summary>
    [Range(0, 10)]
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>Gets or sets the base of the exponential backoff, with jitter. The default is 1 second.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets the longest <c>Retry-After</c> the sender waits for. A partner asking for longer, or for longer than the
    /// total timeout leaves, gets no retry: the result fails with <see cref="PostbackErrorTypes.RetryAfterTooLong"/> and
    /// says when to retry. The default is 10 seconds.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how many bytes of a response body are read and kept in the result. The default is 4096.</summary>
    [Range(0, 1024 * 1024)]
    public int MaxResponseBodyBytes { get; set; } = 4096;

    /// <summary>Gets or sets the longest URL sent, in characters. The default is 8192.</summary>
    [Range(64, 1024 * 1024)]
    public int MaxUrlLength { get; set; } = 8192;

    /// <summary>Gets or sets how many compiled templates from endpoint providers are cached; 0 turns the cache off. A reload takes effect at the next transaction. The default is 1000.</summary>
    [Range(0, 1_000_000)]
    public int TemplateCacheSize { get; set; } = 1000;

    /// <summary>Gets or sets where postbacks may go: the connect-time guard against SSRF, on by default.</summary>
    [Required]
    public PostbackSecurityOptions Security { get; set; } = new();

    /// <summary>Gets or sets the circuit breaker, one per partner host.</summary>
    [Required]
    [ValidateObjectMembers]
    public PostbackCircuitBreakerOptions CircuitBreaker { get; set; } = new();

    /// <summary>Finds a named catalog (<c>flexoffers</c>, <c>open</c>, or one added with <see cref="AddCatalog"/>). A method, not a property, so configuration binding leaves it alone.</summary>
    internal bool TryGetCatalog(string? name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MacroCatalog? catalog) =>
        _catalogs.TryGetValue(name ?? string.Empty, out catalog);

    /// <summary>Registers a catalog under a name that endpoints can give as <see cref="PostbackEndpointOptions.Catalog"/>.</summary>
    /// <param name="name">The name.</param>
    /// <param name="catalog">The catalog.</param>
    /// <returns>These options.</returns>
    public PostbackOptions AddCatalog(string name, MacroCatalog catalog)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(catalog);
        _catalogs[name] = catalog;
        return this;
    }

    /// <summary>Adds an endpoint in code.</summary>
    /// <param name="name">The endpoint's name.</param>
    /// <param name="configure">Sets its URL template and the rest.</param>
    /// <returns>These options.</returns>
    public PostbackOptions AddEndpoint(string name, Action<PostbackEndpointOptions> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var endpoint = new PostbackEndpointOptions { Name = name };
        configure(endpoint);
        Endpoints[name] = endpoint;
        return this;
    }
}
