using System;
using System.Collections.Generic;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Postback;

/// <summary>Adds <see cref="PostbackOutboxHealthCheck"/> to the health checks.</summary>
public static class PostbackOutboxHealthChecksBuilderExtensions
{
    /// <summary>Adds the outbox's health check (needs <c>AddPostbacks().AddOutbox()</c> and a store).</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name. The default is <c>postback-outbox</c>.</param>
    /// <param name="failureStatus">The status when the store cannot be read; the default is Unhealthy.</param>
    /// <param name="tags">Tags, such as <c>ready</c>.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddPostbackOutbox(this IHealthChecksBuilder builder, string name = "postback-outbox", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        // One instance for the process: it remembers the dead count of the previous check (a registration's factory runs per check).
        builder.Services.TryAddSingleton(static sp => new PostbackOutboxHealthCheck(
            sp.GetRequiredService<IPostbackOutboxStore>(),
            sp.GetRequiredService<IOptions<PostbackOutboxOptions>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        return builder.Add(new HealthCheckRegistration(name, static sp => sp.GetRequiredService<PostbackOutboxHealthCheck>(), failureStatus, tags));
    }
}
