using System;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Postback.Internal;

namespace Postback;

/// <summary>
/// Adds the durable outbox: <see cref="IPostbackOutbox"/> (also registered as <see cref="IPostbackQueue"/>, so code that
/// enqueues keeps working) and the hosted service whose workers deliver from the store.
/// </summary>
/// <remarks>
/// The outbox needs a store: chain the store package's call, such as <c>.AddOutbox().UseSqlite("Data Source=postbacks.db")</c>.
/// It replaces the in-memory queue; adding both is refused at start-up.
/// </remarks>
public static class PostbackOutboxBuilderExtensions
{
    /// <summary>Adds the outbox with default options. Calling it again is harmless.</summary>
    /// <param name="builder">The builder from <c>AddPostbacks</c>.</param>
    /// <returns>The outbox builder, for the store's <c>Use...</c> call.</returns>
    public static IPostbackOutboxBuilder AddOutbox(this IPostbackBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var outbox = new OutboxBuilder(services);
        if (services.Any(static d => d.ServiceType == typeof(Marker)))
        {
            return outbox;
        }

        services.AddSingleton<Marker>();
        services.AddOptionsWithValidateOnStart<PostbackOutboxOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<PostbackOutboxOptions>, PostbackOutboxDefaultSchedule>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostbackOutboxOptions>, PostbackOutboxOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostbackOutboxOptions>, PostbackOutboxOptionsCustomValidator>());
        services.TryAddSingleton<OutboxTelemetry>();
        services.TryAddSingleton(static sp => ActivatorUtilities.CreateInstance<PostbackOutboxEngine>(sp, StoreOf(sp)));
        services.TryAddSingleton<IPostbackOutbox>(static sp => sp.GetRequiredService<PostbackOutboxEngine>());
        services.TryAddSingleton<IPostbackQueue>(static sp => sp.GetRequiredService<PostbackOutboxEngine>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PostbackOutboxWorker>());
        return outbox;
    }

    /// <summary>Adds the outbox and configures it in code.</summary>
    /// <param name="builder">The builder from <c>AddPostbacks</c>.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The outbox builder, for the store's <c>Use...</c> call.</returns>
    public static IPostbackOutboxBuilder AddOutbox(this IPostbackBuilder builder, Action<PostbackOutboxOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var outbox = builder.AddOutbox();
        outbox.Services.Configure(configure);
        return outbox;
    }

    /// <summary>Adds the outbox and binds its options, such as <c>configuration.GetSection("Postbacks:Outbox")</c>.</summary>
    /// <param name="builder">The builder from <c>AddPostbacks</c>.</param>
    /// <param name="section">The section.</param>
    /// <returns>The outbox builder, for the store's <c>Use...</c> call.</returns>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The configuration binding source generator intercepts this call with reflection-free code.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The configuration binding source generator intercepts this call with reflection-free code.")]
    public static IPostbackOutboxBuilder AddOutbox(this IPostbackBuilder builder, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var outbox = builder.AddOutbox();
        outbox.Services.Configure<PostbackOutboxOptions>(section);
        return outbox;
    }

    private static IPostbackOutboxStore StoreOf(IServiceProvider services) =>
        services.GetService<IPostbackOutboxStore>()
        ?? throw new InvalidOperationException(PostbackOutboxOptionsCustomValidator.NoStoreMessage);

    // Registered once, so a second AddOutbox call adds nothing twice.
    private sealed class Marker;

    private sealed record OutboxBuilder(IServiceCollection Services) : IPostbackOutboxBuilder;
}
