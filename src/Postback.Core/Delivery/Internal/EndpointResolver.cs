using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Postback.Internal;

/// <summary>Finds the endpoints a transaction goes to: the configured ones and those the providers supply, compiled once.</summary>
internal sealed class EndpointResolver
{
    private readonly LastValidPostbackOptions _options;
    private readonly IPostbackEndpointProvider[] _providers;
    private readonly PostbackTelemetry _telemetry;
    private readonly ILogger<EndpointResolver> _logger;
    private readonly TemplateCache _cache;
    private readonly string _section;
    private Compiled? _compiled;

    public EndpointResolver(
        LastValidPostbackOptions options,
        IEnumerable<IPostbackEndpointProvider> providers,
        IEnumerable<BoundSection<PostbackOptions>> sections,
        PostbackTelemetry telemetry,
        ILogger<EndpointResolver> logger)
    {
        _section = BoundSection<PostbackOptions>.PathOf(sections, PostbackConstants.SectionName);
        _options = options;
        _providers = [.. providers];
        _telemetry = telemetry;
        _logger = logger;
        _cache = new TemplateCache(options.TryGet(out var current, out _) ? current.TemplateCacheSize : new PostbackOptions().TemplateCacheSize);
    }

    /// <summary>Gets the number of provider templates in the cache.</summary>
    internal int CachedTemplates => _cache.Count;

    /// <summary>Returns the endpoints that apply to the transaction, and a result for every provider or endpoint that failed.</summary>
    public async ValueTask<(List<PostbackEndpoint> Targets, List<PostbackResult> Problems)> ResolveAsync(PostbackTransaction transaction, CancellationToken cancellationToken)
    {
        if (!_options.TryGet(out var settings, out var invalid))
        {
            // Only when the options never validated (start-up validation was bypassed): a result, not an exception.
            return ([], [Record(new PostbackResult { EndpointName = _section, Outcome = PostbackOutcome.Invalid, ErrorType = PostbackErrorTypes.EndpointError, ErrorMessage = invalid })]);
        }

        // Read on every call, so a reload of TemplateCacheSize is honoured.
        _cache.Capacity = settings.TemplateCacheSize;
        var compiled = GetConfigured(settings);
        var targets = new List<PostbackEndpoint>();
        var problems = new List<PostbackResult>(compiled.Problems);
        foreach (var endpoint in compiled.Endpoints)
        {
            if (endpoint.Enabled && endpoint.AppliesTo(transaction.TrafficSource))
            {
                targets.Add(endpoint);
            }
        }

        foreach (var provider in _providers)
        {
            var providerName = provider.GetType().Name;
            List<PostbackEndpointOptions?> definitions;
            try
            {
                // Enumerated here, inside the try: a lazy sequence (an iterator, a deferred query) fails on enumeration.
                definitions = [.. await Bounded(provider.GetEndpointsAsync(transaction, cancellationToken), cancellationToken).ConfigureAwait(false) ?? []];
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A provider that fails must not silently drop postbacks: the caller gets a result that says so.
                Log.ProviderFailed(_logger, providerName, ex);
                problems.Add(Record(new PostbackResult
                {
                    EndpointName = providerName,
                    Outcome = PostbackOutcome.Failed,
                    ErrorType = PostbackErrorTypes.EndpointError,
                    ErrorMessage = $"Endpoint provider '{providerName}' failed: {ExceptionText.Describe(ex)}",
                }));
                continue;
            }

            foreach (var definition in definitions)
            {
                var name = string.IsNullOrWhiteSpace(definition?.Name) ? providerName + ":(unnamed)" : definition.Name;
                PostbackEndpoint? endpoint = null;
                var problem = definition is null ? "The provider returned a null endpoint."
                    : string.IsNullOrWhiteSpace(definition.Name) ? $"An endpoint from provider '{providerName}' has no Name."
                    : EndpointCompiler.TryCompile(name, definition, settings, _cache, out endpoint, out var compileProblem, source: $"Endpoint '{name}' from provider '{providerName}'") ? null
                    : compileProblem;
                if (problem is not null || endpoint is null)
                {
                    problem ??= "The endpoint did not compile.";
                    Log.EndpointInvalid(_logger, name, providerName, problem);
                    problems.Add(Record(new PostbackResult { EndpointName = name, Outcome = PostbackOutcome.Invalid, ErrorType = PostbackErrorTypes.EndpointError, ErrorMessage = problem }));
                    continue;
                }

                if (endpoint.Enabled && endpoint.AppliesTo(transaction.TrafficSource))
                {
                    targets.Add(endpoint);
                }
            }
        }

        return (targets, problems);
    }

    /// <summary>
    /// Waits for a provider no longer than the caller: a provider that ignores its token cannot hold up shutdown. Its
    /// task is then left to finish alone (a later failure is observed, so it is not reported as unobserved).
    /// </summary>
    private static ValueTask<IEnumerable<PostbackEndpointOptions>> Bounded(ValueTask<IEnumerable<PostbackEndpointOptions>> pending, CancellationToken cancellationToken)
    {
        if (pending.IsCompleted || !cancellationToken.CanBeCanceled)
        {
            return pending;
        }

        var task = pending.AsTask();
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new ValueTask<IEnumerable<PostbackEndpointOptions>>(task.WaitAsync(cancellationToken));
    }

    private PostbackResult Record(PostbackResult result)
    {
        _telemetry.Record(result);
        return result;
    }

    private Compiled GetConfigured(PostbackOptions settings)
    {
        // Configured endpoints are compiled once per options instance; a reload brings a new instance.
        var compiled = Volatile.Read(ref _compiled);
        if (compiled is not null && ReferenceEquals(compiled.Options, settings))
        {
            return compiled;
        }

        var endpoints = new List<PostbackEndpoint>();
        var problems = new List<PostbackResult>();
        foreach (var (key, definition) in settings.Endpoints)
        {
            if (EndpointCompiler.TryCompile(key, definition, settings, cache: null, out var endpoint, out var problem, source: $"{_section}:Endpoints:{key}"))
            {
                endpoints.Add(endpoint);
            }
            else
            {
                // Start-up validation normally stops the host first; this only happens when validation was bypassed.
                problems.Add(new PostbackResult { EndpointName = key, Outcome = PostbackOutcome.Invalid, ErrorType = PostbackErrorTypes.EndpointError, ErrorMessage = problem });
            }
        }

        compiled = new Compiled(settings, [.. endpoints], [.. problems]);
        Volatile.Write(ref _compiled, compiled);
        return compiled;
    }

    private sealed record Compiled(PostbackOptions Options, PostbackEndpoint[] Endpoints, PostbackResult[] Problems);
}
