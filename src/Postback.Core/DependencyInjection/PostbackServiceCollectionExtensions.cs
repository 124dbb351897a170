using System;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Net.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Telemetry;
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
        var httpClient = services.AddHttpClient(PostbackHttpPipeline.HttpClientName);
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
        services.TryAddSingleton<LastValidPostbackOptions>();
        services.TryAddSingleton<AddressPolicyProvider>();
        services.TryAddSingleton<IPostbackSender, DefaultPostbackSender>();
        services.TryAddSingleton<EndpointResolver>();
        services.TryAddSingleton<IPostbackDispatcher, DefaultPostbackDispatcher>();
        services.TryAddSingleton<PartnerPipelines>();
        services.AddOptions<TelemetryOptions>().Configure<ILoggerFactory>(static (telemetry, loggers) => telemetry.LoggerFactory = loggers);

        // Runs after all other configuration of the client, whenever its handler chain is built, and once at start-up:
        // the guard cannot be removed by configuring a primary handler, nor resilience handlers added by app-wide defaults.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, PostbackHandlerFilter>());
        services.AddOptions<PrimaryHandlerCheck>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PrimaryHandlerCheck>, PrimaryHandlerCheck.Validator>());

        PostbackHttpPipeline.Configure(httpClient);
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
        services.AddSingleton(new BoundSection<PostbackOptions>(section.Path));
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

    // Registered once, so a second AddPostbacks call adds no second handler chain.
    private sealed class Marker;

    private sealed record PostbackBuilder(IServiceCollection Services, IHttpClientBuilder HttpClientBuilder) : IPostbackBuilder;
}
