using System;
using System.Globalization;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Postback.Internal;

/// <summary>
/// The postback HTTP client, from the outside in: the partner's pipeline (<see cref="PostbackResilienceHandler"/>: the
/// total timeout, retries, the partner authority's circuit breaker, the attempt timeout, and in each attempt the
/// response capture), and a primary handler that guards every connection. <see cref="PostbackHandlerFilter"/> runs after every other
/// configuration of the client and keeps it so.
/// </summary>
internal static class PostbackHttpPipeline
{
    /// <summary>The name of the <see cref="IHttpClientFactory"/> client postbacks go through.</summary>
    public const string HttpClientName = "Postback.Core";

    /// <summary>Configures the named client: handlers, timeouts and the resilience pipeline.</summary>
    public static void Configure(IHttpClientBuilder httpClient)
    {
        httpClient
            .ConfigureHttpClient(static client => client.Timeout = Timeout.InfiniteTimeSpan) // the pipeline owns every timeout
            .RemoveAllLoggers() // the factory's loggers write the URL, path values included; ours log endpoint and host only
            .ConfigurePrimaryHttpMessageHandler(static provider => CreatePrimaryHandler(provider.GetRequiredService<LastValidPostbackOptions>().Current));

        // It also reads the (bounded) body inside each attempt, so the attempt timeout covers it (ResponseCapture).
        httpClient.AddHttpMessageHandler(static provider => new PostbackResilienceHandler(provider.GetRequiredService<PartnerPipelines>()));
    }

    /// <summary>
    /// The default primary handler. <see cref="PostbackHandlerFilter"/> adds the guard's connection callback and turns
    /// off redirects, proxies, cookies and decompression, on this handler or on one the user configured instead.
    /// </summary>
    public static SocketsHttpHandler CreatePrimaryHandler(PostbackOptions options) => new()
    {
        ConnectTimeout = options.ConnectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        MaxResponseHeadersLength = 64,
    };

    public static void ConfigurePipeline(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, PostbackOptions options, TimeProvider time, PostbackTelemetry telemetry, ILogger logger, PartnerPipeline partner)
    {
        pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Name = "postback-total", Timeout = options.TotalTimeout });

        if (options.MaxRetryAttempts > 0)
        {
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                Name = "postback-retry",
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                ShouldRetryAfterHeader = true,
                ShouldHandle = args => PostbackRetryDecision.ShouldRetry(args, time),
                OnRetry = args => OnRetry(args, telemetry, logger),
            });
        }

        if (options.CircuitBreaker.Enabled)
        {
            pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                Name = "postback-breaker",
                FailureRatio = options.CircuitBreaker.FailureRatio,
                MinimumThroughput = options.CircuitBreaker.MinimumThroughput,
                SamplingDuration = options.CircuitBreaker.SamplingDuration,
                BreakDuration = options.CircuitBreaker.BreakDuration,
                // A blocked destination is a decision, not a partner failure: it must not open the partner's circuit.
                ShouldHandle = static args => ValueTask.FromResult(
                    PostbackRetryDecision.IsTransient(args.Outcome, args.Context.CancellationToken) && !PostbackDestinationBlockedException.IsIn(args.Outcome.Exception)),
                OnOpened = args =>
                {
                    // Remembered, so evicting this partner's pipeline (PartnerPipelines) never closes its circuit early.
                    partner.Opened(args.BreakDuration);
                    Log.CircuitOpened(logger, partner.Authority, args.BreakDuration.TotalSeconds);
                    return default;
                },
                OnClosed = _ =>
                {
                    partner.Closed();
                    return default;
                },
            });
        }

        pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Name = "postback-attempt", Timeout = options.AttemptTimeout });
    }

    /// <summary>Counts and logs a retry, naming the endpoint and host, never the URL.</summary>
    private static ValueTask OnRetry(OnRetryArguments<HttpResponseMessage> args, PostbackTelemetry telemetry, ILogger logger)
    {
        // From the context, not the response: an attempt that timed out or failed to connect has no response.
        var request = args.Context.GetRequestMessage() ?? args.Outcome.Result?.RequestMessage;
        if (PostbackSendState.Of(request) is { } state)
        {
            telemetry.RecordRetry(state.EndpointName);
            if (!logger.IsEnabled(LogLevel.Information))
            {
                return default;
            }

            var reason = args.Outcome.Result is { } response ? ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture) : args.Outcome.Exception?.GetType().Name ?? "unknown";
            Log.Retrying(logger, state.EndpointName, state.Host, args.AttemptNumber + 1, reason, args.RetryDelay.TotalMilliseconds);
        }

        return default;
    }
}
