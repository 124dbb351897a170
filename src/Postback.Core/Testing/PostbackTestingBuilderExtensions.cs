using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Postback;

/// <summary>Test helpers for <see cref="IPostbackBuilder"/>.</summary>
public static class PostbackTestingBuilderExtensions
{
    /// <summary>Replaces the real sender, for tests: the dispatcher and the queue then send through <paramref name="sender"/>.</summary>
    /// <param name="builder">The builder from <c>AddPostbacks</c>.</param>
    /// <param name="sender">The sender, usually a <see cref="FakePostbackSender"/>.</param>
    /// <returns>The builder.</returns>
    public static IPostbackBuilder UseSender(this IPostbackBuilder builder, IPostbackSender sender)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(sender);
        builder.Services.RemoveAll<IPostbackSender>();
        builder.Services.AddSingleton(sender);
        return builder;
    }
}
