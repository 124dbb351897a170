using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Threading;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>
/// Runs after every other configuration of the postback client, each time its handler chain is built, so no
/// configuration can undo what the library promises:
/// <list type="bullet">
/// <item>the primary handler is a <see cref="SocketsHttpHandler"/> that connects through the guard (<see cref="ConnectGuard"/>),
/// follows no redirect, uses no proxy and decompresses nothing; the user's pooling settings are kept. Any other primary
/// handler, or one with a <see cref="SocketsHttpHandler.ConnectCallback"/> of its own, is refused unless the guard is
/// deliberately off (<see cref="PostbackSecurityOptions.Enabled"/>);</item>
/// <item>resilience handlers inherited from app-wide defaults (<c>ConfigureHttpClientDefaults</c>) are removed, so the
/// attempts, timeouts and breakers are exactly the library's.</item>
/// </list>
/// </summary>
internal sealed class PostbackHandlerFilter(
    LastValidPostbackOptions options,
    AddressPolicyProvider policies,
    IPostbackDnsResolver resolver) : IHttpMessageHandlerBuilderFilter
{
    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return builder =>
        {
            next(builder);
            if (!string.Equals(builder.Name, PostbackHttpPipeline.HttpClientName, StringComparison.Ordinal))
            {
                return;
            }

            RemoveForeignResilience(builder.AdditionalHandlers);
            builder.PrimaryHandler = Guard(builder.PrimaryHandler, options.Current);
        };
    }

    /// <summary>Builds the message that refuses a primary handler, saying how to tune the handler safely.</summary>
    public static string Refusal(string what) =>
        $"The postback client's primary handler is {what}, which the connect-time SSRF guard cannot protect. " +
        "To tune connections, configure a SocketsHttpHandler without a ConnectCallback, for example " +
        "AddPostbacks(...).HttpClientBuilder.UseSocketsHttpHandler((handler, _) => handler.MaxConnectionsPerServer = 50): " +
        "the library adds the guard's ConnectCallback and turns off redirects, proxies, cookies and decompression, and keeps your pooling settings. " +
        $"To turn the guard off deliberately, set {PostbackConstants.SectionName}:Security:Enabled to false.";

    private HttpMessageHandler Guard(HttpMessageHandler primary, PostbackOptions settings)
    {
        if (primary is SocketsHttpHandler sockets)
        {
            if (sockets.ConnectCallback is { } callback)
            {
                // Already guarded: the factory hands out one handler instance again, or this is a handler we built.
                if (callback.Target is ConnectGuard || !settings.Security.Enabled)
                {
                    return sockets;
                }

                throw new InvalidOperationException(Refusal("a SocketsHttpHandler with its own ConnectCallback"));
            }

            sockets.ConnectCallback = new ConnectGuard(policies, resolver).ConnectAsync;
            sockets.AllowAutoRedirect = false;
            sockets.UseProxy = false;
            sockets.Proxy = null;
            sockets.AutomaticDecompression = DecompressionMethods.None;
            sockets.UseCookies = false;
            if (sockets.ConnectTimeout == Timeout.InfiniteTimeSpan)
            {
                sockets.ConnectTimeout = settings.ConnectTimeout;
            }

            return sockets;
        }

        if (!settings.Security.Enabled)
        {
            return primary;
        }

        throw new InvalidOperationException(Refusal(primary.GetType().Name));
    }

    private static void RemoveForeignResilience(IList<DelegatingHandler> handlers)
    {
        for (var i = handlers.Count - 1; i >= 0; i--)
        {
            var handler = handlers[i];

            if (IsResilienceHandler(handler.GetType()))
            {
                handlers.RemoveAt(i);
                handler.Dispose();
            }
        }
    }

    /// <summary>
    /// Microsoft.Extensions.Http.Resilience's handler (standard, hedging and custom pipelines) and
    /// Microsoft.Extensions.Http.Polly's, or a type derived from them. Matched by name: the first is marked experimental,
    /// and the second is in a package the library does not reference.
    /// </summary>
    private static bool IsResilienceHandler(Type? type)
    {
        for (; type is not null && type != typeof(DelegatingHandler); type = type.BaseType)
        {
            if (type.FullName is "Microsoft.Extensions.Http.Resilience.ResilienceHandler" or "Microsoft.Extensions.Http.PolicyHttpMessageHandler")
            {
                return true;
            }
        }

        return false;
    }
}
