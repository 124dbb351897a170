using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Postback.Tests.Support;

/// <summary>
/// The one place where tests add Postback.Core to a service collection. Every delivery test goes through it, so a
/// setting every test needs (such as letting the coming connect-time guard reach loopback) is one line here.
/// </summary>
public static class PostbackTestHost
{
    /// <summary>Settings for tests against a receiver on 127.0.0.1: short retry delays, generous timeouts.</summary>
    /// <remarks>
    /// Applied before configuration and before each test's own settings, so both override it.
    /// The connect-time guard that denies loopback by default is to be relaxed here, for all tests at once.
    /// </remarks>
    public static void ConfigureForLoopback(PostbackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RetryDelay = TimeSpan.FromMilliseconds(10);
        options.ConnectTimeout = TimeSpan.FromSeconds(2);
        options.AttemptTimeout = TimeSpan.FromSeconds(10);
        options.TotalTimeout = TimeSpan.FromSeconds(20);
        options.MaxRetryAfter = TimeSpan.FromSeconds(5);

        // The partner stand-ins listen on 127.0.0.1, which the SSRF guard denies by default: allow exactly that address.
        if (!options.Security.AllowedNetworks.Contains("127.0.0.1/32"))
        {
            options.Security.AllowedNetworks.Add("127.0.0.1/32");
        }
    }

    /// <summary>Adds Postback.Core for a test: <see cref="ConfigureForLoopback"/> first, then the configuration section, if any.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The <c>Postbacks</c> section, or <see langword="null"/>.</param>
    /// <returns>The builder <c>AddPostbacks</c> returned.</returns>
    public static IPostbackBuilder AddPostbacksForTests(this IServiceCollection services, IConfigurationSection? section = null)
    {
        services.Configure<PostbackOptions>(ConfigureForLoopback);
        return section is null ? services.AddPostbacks() : services.AddPostbacks(section);
    }

    /// <summary>Builds a service provider with Postback.Core, logging at every level (to no provider unless a test adds one).</summary>
    /// <param name="configure">The test's own options, applied after <see cref="ConfigureForLoopback"/>.</param>
    /// <param name="services">More registrations, such as fake logging or endpoint providers.</param>
    /// <param name="postbacks">Changes to the postback builder, such as a mock primary handler.</param>
    /// <returns>The provider; dispose it.</returns>
    public static ServiceProvider BuildServices(
        Action<PostbackOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        Action<IPostbackBuilder>? postbacks = null)
    {
        var collection = new ServiceCollection();
        collection.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace));
        var builder = collection.AddPostbacksForTests();
        if (configure is not null)
        {
            collection.Configure(configure);
        }

        services?.Invoke(collection);
        postbacks?.Invoke(builder);
        return collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>Builds (does not start) a host whose <c>Postbacks</c> options are bound from in-memory configuration.</summary>
    /// <param name="configuration">Keys such as <c>Postbacks:Endpoints:acme:Url</c>.</param>
    /// <param name="services">More registrations.</param>
    /// <returns>The host; start it to run the start-up validation, and dispose it.</returns>
    public static IHost BuildHost(IEnumerable<KeyValuePair<string, string?>> configuration, Action<IServiceCollection>? services = null)
    {
        // No default sources or logging providers: nothing from the machine's environment, nothing printed.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddPostbacksForTests(builder.Configuration.GetSection(PostbackOptions.DefaultSectionName));
        services?.Invoke(builder.Services);
        return builder.Build();
    }
}
