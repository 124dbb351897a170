using System;
using System.Collections.Generic;
using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>
/// Checks what spans several options, and compiles every endpoint, so that an invalid template stops the host at start-up
/// with the endpoint's name, the position and the problem, rather than failing at the first transaction.
/// </summary>
/// <remarks>Messages name keys under the section the options were bound from (<see cref="PostbackConstants.SectionName"/> when configured in code).</remarks>
internal sealed class PostbackOptionsCustomValidator(IEnumerable<BoundSection<PostbackOptions>> sections) : IValidateOptions<PostbackOptions>
{
    private readonly string _section = BoundSection<PostbackOptions>.PathOf(sections, PostbackConstants.SectionName);

    public ValidateOptionsResult Validate(string? name, PostbackOptions options)
    {
        var failures = new List<string>();

        // TimeSpan ranges are checked here: [Range(typeof(TimeSpan), ...)] is not trim-safe.
        CheckRange(failures, nameof(PostbackOptions.AttemptTimeout), options.AttemptTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10));
        CheckRange(failures, nameof(PostbackOptions.TotalTimeout), options.TotalTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        CheckRange(failures, nameof(PostbackOptions.ConnectTimeout), options.ConnectTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5));
        CheckRange(failures, nameof(PostbackOptions.RetryDelay), options.RetryDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        CheckRange(failures, nameof(PostbackOptions.MaxRetryAfter), options.MaxRetryAfter, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        if (options.CircuitBreaker is { } breaker)
        {
            CheckRange(failures, "CircuitBreaker:SamplingDuration", breaker.SamplingDuration, TimeSpan.FromMilliseconds(500), TimeSpan.FromHours(1));
            CheckRange(failures, "CircuitBreaker:BreakDuration", breaker.BreakDuration, TimeSpan.FromMilliseconds(500), TimeSpan.FromHours(1));
        }

        if (options.AttemptTimeout > options.TotalTimeout)
        {
            failures.Add($"{nameof(PostbackOptions.AttemptTimeout)} ({options.AttemptTimeout}) must not exceed {nameof(PostbackOptions.TotalTimeout)} ({options.TotalTimeout}).");
        }

        if (options.Security is { } security)
        {
            try
            {
                _ = new PostbackAddressPolicy(security, _section);
            }
            catch (ArgumentException ex)
            {
                failures.Add(ex.Message);
            }

            foreach (var port in security.AllowedPorts)
            {
                if (port is < 1 or > 65535)
                {
                    failures.Add($"{_section}:Security:AllowedPorts holds {port}; a port is from 1 to 65535.");
                }
            }
        }

        if (HeaderRules.CheckIdempotencyHeaderName(options.IdempotencyHeaderName) is { } headerProblem)
        {
            failures.Add($"{_section}:{nameof(PostbackOptions.IdempotencyHeaderName)} '{options.IdempotencyHeaderName}' {headerProblem}");
        }

        foreach (var (key, endpoint) in options.Endpoints)
        {
            if (endpoint is null)
            {
                failures.Add($"Endpoint '{key}' is empty.");
                continue;
            }

            if (!string.IsNullOrEmpty(endpoint.Name) && !string.Equals(endpoint.Name, key, System.StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"Endpoint '{key}' has the name '{endpoint.Name}'; leave Name empty under Endpoints or make it match the key.");
            }

            if (!EndpointCompiler.TryCompile(key, endpoint, options, cache: null, out _, out var problem, source: $"{_section}:Endpoints:{key}"))
            {
                failures.Add(problem);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void CheckRange(List<string> failures, string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{_section}:{name} is {value}; it must be from {min} to {max}.");
        }
    }
}
