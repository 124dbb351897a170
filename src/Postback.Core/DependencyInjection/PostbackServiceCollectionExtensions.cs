using System;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Postback.Internal;

namespace Postback;

/// <summary>Registers Postback.Core: <see cref="IPostbackSender"/>, <see cref="IPostbackDispatcher"/>, the HTTP client and its resilience pipeline.</summary>
public static class PostbackServiceCollectionExtensions
{
    /// <summary>Adds Postback.Core with options configured elsewhere (or the defaults). Calling it again is harmless.</summary>
    /// <param name="services">The services.</param>
    /// <returns>A builder that exposes the <see cref="IHttpClientBuilder"/> of the postback client.</returns>
    public static IPostbackBuilder AddPostbacks(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var httpClient = services.AddHttpClient(DefaultPostbackSender.HttpClientName);
        var builder = new PostbackBuilder(services, httpClient);
        if (services.Any(d => d.ServiceType == typeof(Marker)))
        {
            return builder;
        }

        services.AddSingleton<Marker>();
        services.AddOptionsWithValidateOnStart<PostbackOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostbackOptions>, PostbackOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostbackOptions>, PostbackOptionsCustomValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<PostbackOptions>, EndpointNamesFromKeys>());
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PostbackTelemetry>();
        services.TryAddSingleton<IPostbackDnsResolver, SystemDnsResolver>();
        services.TryAddSingleton<AddressPolicyProvider>();
        services.TryAddSingleton<IPostbackSender, DefaultPostbackSender>();
        services.TryAddSingleton<EndpointResolver>();
        services.TryAddSingleton<IPostbackDispatcher, DefaultPostbackDispatcher>();

        httpClient
            .ConfigureHttpClient(static client => client.Timeout = Timeout.InfiniteTimeSpan) // the pipeline owns every timeout
            .RemoveAllLoggers() // the factory's loggers write the URL, path values included; ours log endpoint and host only
            .ConfigurePrimaryHttpMessageHandler(static provider => CreatePrimaryHandler(
                provider.GetRequiredService<IOptionsMonitor<PostbackOptions>>().CurrentValue,
                new ConnectGuard(provider.GetRequiredService<AddressPolicyProvider>().Current, provider.GetRequiredService<IPostbackDnsResolver>())));

        httpClient
            .AddResilienceHandler("postback", static (pipeline, context) =>
            {
                context.EnableReloads<PostbackOptions>();
                var options = context.GetOptions<PostbackOptions>();
                var time = context.ServiceProvider.GetRequiredService<TimeProvider>();
                var telemetry = context.ServiceProvider.GetRequiredService<PostbackTelemetry>();
                var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger<DefaultPostbackSender>();
                ConfigurePipeline(pipeline, options, time, telemetry, logger);
                foreach (var extra in context.ServiceProvider.GetServices<ResilienceCustomization>())
                {
                    extra.Configure(pipeline);
                }
            })
            .SelectPipelineByAuthority();

        // Innermost: inside the attempt timeout, so reading the (bounded) body is part of the attempt.
        httpClient.AddHttpMessageHandler(static () => new ResponseCaptureHandler());
        return builder;
    }

    /// <summary>Adds Postback.Core and configures its options in code.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>A builder that exposes the <see cref="IHttpClientBuilder"/> of the postback client.</returns>
    public static IPostbackBuilder AddPostbacks(this IServiceCollection services, Action<PostbackOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddPostbacks();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds Postback.Core and binds its options from configuration, such as <c>configuration.GetSection("Postbacks")</c>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section.</param>
    /// <returns>A builder that exposes the <see cref="IHttpClientBuilder"/> of the postback client.</returns>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The configuration binding source generator intercepts this call with reflection-free code.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The configuration binding source generator intercepts this call with reflection-free code.")]
    public static IPostbackBuilder AddPostbacks(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var builder = services.AddPostbacks();
        services.Configure<PostbackOptions>(section);
        return builder;
    }

    /// <summary>Adds strategies to the postback resilience pipeline, after (inside) the built-in ones.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Adds strategies.</param>
    /// <returns>The builder.</returns>
    public static IPostbackBuilder ConfigureResilience(this IPostbackBuilder builder, Action<ResiliencePipelineBuilder<HttpResponseMessage>> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddSingleton(new ResilienceCustomization(configure));
        return builder;
    }

    internal static SocketsHttpHandler CreatePrimaryHandler(PostbackOptions options, ConnectGuard guard) => new()
    {
        // Every connection is checked where it is made; see ConnectGuard.
        ConnectCallback = guard.ConnectAsync,
        // A redirect's target is never contacted: a 3xx becomes a failed result.
        AllowAutoRedirect = false,
        // The body is read raw and bounded; decompression would let a small body expand without limit.
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = options.ConnectTimeout,
        UseCookies = false,
        // A proxy would hide the partner's address from the connection callback.
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        MaxResponseHeadersLength = 64,
    };

    internal static void ConfigurePipeline(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, PostbackOptions options, TimeProvider time, PostbackTelemetry telemetry, ILogger logger)
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
                OnRetry = args =>
                {
                    // From the context, not the response: an attempt that timed out or failed to connect has no response.
                    var request = args.Context.GetRequestMessage() ?? args.Outcome.Result?.RequestMessage;
                    if (request is not null && request.Options.TryGetValue(PostbackSendState.Key, out var state))
                    {
                        telemetry.RecordRetry(state.EndpointName);
                        if (!logger.IsEnabled(LogLevel.Information))
                        {
                            return default;
                        }

                        var reason = args.Outcome.Result is { } response ? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : args.Outcome.Exception?.GetType().Name ?? "unknown";
                        Log.Retrying(logger, state.EndpointName, state.Host, args.AttemptNumber + 1, reason, args.RetryDelay.TotalMilliseconds);
                    }

                    return default;
                },
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
                    HttpClientResiliencePredicates.IsTransient(args.Outcome) && !PostbackDestinationBlockedException.IsIn(args.Outcome.Exception)),
            });
        }

        pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Name = "postback-attempt", Timeout = options.AttemptTimeout });
    }

    // Registered once, so a second AddPostbacks call adds no second handler chain.
    private sealed class Marker;

    private sealed record PostbackBuilder(IServiceCollection Services, IHttpClientBuilder HttpClientBuilder) : IPostbackBuilder;

    private sealed class EndpointNamesFromKeys : IPostConfigureOptions<PostbackOptions>
    {
        public void PostConfigure(string? name, PostbackOptions options)
        {
            foreach (var (key, endpoint) in options.Endpoints)
            {
                if (endpoint is not null && string.IsNullOrWhiteSpace(endpoint.Name))
                {
                    endpoint.Name = key;
                }
            }
        }
    }
}

/// <summary>What <c>AddPostbacks</c> returns: the services, and the postback HTTP client's builder for your own handlers.</summary>
public interface IPostbackBuilder
{
    /// <summary>Gets the services.</summary>
    IServiceCollection Services { get; }

    /// <summary>Gets the builder of the named HTTP client postbacks go through.</summary>
    IHttpClientBuilder HttpClientBuilder { get; }
}

internal sealed class ResilienceCustomization(Action<ResiliencePipelineBuilder<HttpResponseMessage>> configure)
{
    public void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline) => configure(pipeline);
}
