using System;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Postback.Internal;

namespace Postback;

/// <summary>Adds background delivery: <see cref="IPostbackQueue"/> and the hosted service that drains it.</summary>
/// <remarks>
/// Opt-in rather than on by default: it starts a hosted service, which only runs under a host, and callers who
/// dispatch synchronously should not pay for a background loop they do not use.
/// </remarks>
public static class PostbackQueueBuilderExtensions
{
    /// <summary>Adds the bounded background queue with default options. Calling it again is harmless.</summary>
    /// <param name="builder">The builder from <c>AddPostbacks</c>.</param>
    /// <returns>The builder.</returns>
    public static IPostbackBuilder AddQueue(this IPostbackBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptionsWithValidateOnStart<PostbackQueueOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostbackQueueOptions>, PostbackQueueOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostbackQueueOptions>, PostbackQueueOptionsCustomValidator>());
        services.TryAddSingleton<ChannelPostbackQueue>();
        services.TryAddSingleton<IPostbackQueue>(static sp => sp.GetRequiredService<ChannelPostbackQueue>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PostbackDeliveryService>());
        return builder;
    }

    /// <summary>Adds the bounded background queue and configures it in code.</summary>
    /// <param name="builder">The builder from <c>AddPostbacks</c>.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public static IPostbackBuilder AddQueue(this IPostbackBuilder builder, Action<PostbackQueueOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        builder.AddQueue();
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Adds the bounded background queue and binds its options, such as <c>configuration.GetSection("Postbacks:Queue")</c>.</summary>
    /// <param name="builder">The builder from <c>AddPostbacks</c>.</param>
    /// <param name="section">The section.</param>
    /// <returns>The builder.</returns>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The configuration binding source generator intercepts this call with reflection-free code.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The configuration binding source generator intercepts this call with reflection-free code.")]
    public static IPostbackBuilder AddQueue(this IPostbackBuilder builder, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        builder.AddQueue();
        builder.Services.Configure<PostbackQueueOptions>(section);
        builder.Services.AddSingleton(new BoundSection<PostbackQueueOptions>(section.Path));
        return builder;
    }
}
