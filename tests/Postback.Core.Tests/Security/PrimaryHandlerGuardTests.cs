using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Postback.Tests.Support;

namespace Postback.Tests.Security;

/// <summary>
/// The guard cannot be removed by configuring the postback client's primary handler, and it reads the current policy on
/// every connection. Loopback stand-ins only: 127.0.0.2 plays a public partner, 127.0.0.3 and 127.0.0.1 are denied.
/// </summary>
public sealed class PrimaryHandlerGuardTests
{
    private static readonly IPAddress Public = ConnectGuardTests.Public;
    private static readonly IPAddress Private = IPAddress.Parse("127.0.0.3");

    [Fact]
    public async Task A_SocketsHttpHandler_configured_by_the_user_still_blocks_a_name_that_resolves_to_a_denied_address()
    {
        await using var denied = await KestrelReceiver.StartAsync(Private);
        var mine = new SocketsHttpHandler { MaxConnectionsPerServer = 7, PooledConnectionLifetime = TimeSpan.FromMinutes(1) };
        await using var services = Build(new ConnectGuardTests.ScriptedResolver((_, _) => [Private]), p => p.HttpClientBuilder.ConfigurePrimaryHttpMessageHandler(() => mine));

        var result = await ConnectGuardTests.Send(services, $"http://partner.test:{denied.Port}/pb");

        result.Outcome.Should().Be(PostbackOutcome.Blocked, result.ToString());
        result.ErrorMessage.Should().Contain("127.0.0.3");
        denied.HitCount.Should().Be(0);
        mine.ConnectCallback.Should().NotBeNull("the guard's callback is put on the user's handler");
        mine.MaxConnectionsPerServer.Should().Be(7, "the user's pooling settings are kept");
        mine.PooledConnectionLifetime.Should().Be(TimeSpan.FromMinutes(1));
        mine.UseProxy.Should().BeFalse();
        mine.AllowAutoRedirect.Should().BeFalse();
        mine.AutomaticDecompression.Should().Be(DecompressionMethods.None);
    }

    [Fact]
    public async Task UseSocketsHttpHandler_tuning_keeps_the_guard()
    {
        await using var denied = await KestrelReceiver.StartAsync(Private);
        await using var services = Build(
            new ConnectGuardTests.ScriptedResolver((_, _) => [Private]),
            p => p.HttpClientBuilder.UseSocketsHttpHandler((handler, _) => handler.MaxConnectionsPerServer = 3));

        var result = await ConnectGuardTests.Send(services, $"http://partner.test:{denied.Port}/pb");

        result.Outcome.Should().Be(PostbackOutcome.Blocked, result.ToString());
        denied.HitCount.Should().Be(0);
    }

    [Fact]
    public async Task A_user_SocketsHttpHandler_that_follows_redirects_never_follows_a_302_to_an_internal_address()
    {
        await using var target = await KestrelReceiver.StartAsync();
        await using var partner = await KestrelReceiver.StartAsync(Public, KestrelReceiver.Respond(302, null, ("Location", $"http://127.0.0.1:{target.Port}/steal")));
        await using var services = Build(
            new ConnectGuardTests.ScriptedResolver((_, _) => [Public]),
            p => p.HttpClientBuilder.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 5 }));

        var result = await ConnectGuardTests.Send(services, $"http://partner.test:{partner.Port}/pb");

        result.Outcome.Should().Be(PostbackOutcome.Failed, result.ToString());
        result.ErrorType.Should().Be(PostbackErrorTypes.Redirect);
        target.HitCount.Should().Be(0);
    }

    [Fact]
    public async Task An_HttpClientHandler_fails_start_up_with_a_message_that_says_how_to_tune_safely()
    {
        using var host = BuildHost(p => p.HttpClientBuilder.ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler()));

        var act = () => host.StartAsync();

        var error = (await act.Should().ThrowAsync<OptionsValidationException>()).Which;
        error.Message.Should().Contain("HttpClientHandler").And.Contain("UseSocketsHttpHandler").And.Contain("Security:Enabled");
    }

    [Fact]
    public async Task A_SocketsHttpHandler_with_its_own_ConnectCallback_fails_start_up()
    {
        using var host = BuildHost(p => p.HttpClientBuilder.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            ConnectCallback = static (_, _) => throw new InvalidOperationException("never called"),
        }));

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("ConnectCallback");
    }

    [Fact]
    public async Task An_HttpClientHandler_never_follows_a_redirect_even_without_start_up_validation()
    {
        await using var target = await KestrelReceiver.StartAsync();
        await using var partner = await KestrelReceiver.StartAsync(Public, KestrelReceiver.Respond(302, null, ("Location", $"http://127.0.0.1:{target.Port}/steal")));
        await using var services = Build(
            new ConnectGuardTests.ScriptedResolver((_, _) => [Public]),
            p => p.HttpClientBuilder.ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler()));

        var result = await ConnectGuardTests.Send(services, $"http://127.0.0.2:{partner.Port}/pb");

        result.IsDelivered.Should().BeFalse();
        partner.HitCount.Should().Be(0, "a handler the guard cannot protect is refused, so nothing is sent");
        target.HitCount.Should().Be(0);
    }

    [Fact]
    public async Task Turning_the_guard_off_deliberately_accepts_any_primary_handler()
    {
        using var host = BuildHost(p => p.HttpClientBuilder.ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler()), security: s => s.Enabled = false);

        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public async Task A_reload_that_removes_an_allowance_refuses_the_next_connection()
    {
        // The partner closes every connection, so the second postback needs a new one.
        await using var partner = await KestrelReceiver.StartAsync(Public, context =>
        {
            context.Response.Headers.Connection = "close";
            return Task.CompletedTask;
        });
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Postbacks:MaxRetryAttempts"] = "0",
            ["Postbacks:CircuitBreaker:Enabled"] = "false",
            ["Postbacks:Security:AllowedNetworks:0"] = "127.0.0.2/32",
        }).Build();
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton<IPostbackDnsResolver>(new ConnectGuardTests.ScriptedResolver((_, _) => [Public]));
        collection.AddPostbacks(configuration.GetSection("Postbacks"));
        await using var services = collection.BuildServiceProvider();
        var monitor = services.GetRequiredService<IOptionsMonitor<PostbackOptions>>();

        var before = await ConnectGuardTests.Send(services, $"http://partner.test:{partner.Port}/pb?o=1");
        configuration["Postbacks:Security:AllowedNetworks:0"] = "127.0.0.9/32";
        configuration.Reload();
        monitor.CurrentValue.Security.AllowedNetworks.Should().Equal("127.0.0.9/32");
        var after = await ConnectGuardTests.Send(services, $"http://partner.test:{partner.Port}/pb?o=2");

        before.Outcome.Should().Be(PostbackOutcome.Delivered, before.ToString());
        after.Outcome.Should().Be(PostbackOutcome.Blocked, after.ToString());
        partner.HitCount.Should().Be(1);
    }

    private static ServiceProvider Build(IPostbackDnsResolver resolver, Action<IPostbackBuilder> postbacks)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(resolver);
        var builder = services.AddPostbacks(o =>
        {
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
            o.CircuitBreaker.Enabled = false;
            o.Security.AllowedNetworks.Add("127.0.0.2/32");
        });
        postbacks(builder);
        return services.BuildServiceProvider();
    }

    private static IHost BuildHost(Action<IPostbackBuilder> postbacks, Action<PostbackSecurityOptions>? security = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        postbacks(builder.Services.AddPostbacks(o =>
        {
            o.Security.AllowedNetworks.Add("127.0.0.2/32");
            security?.Invoke(o.Security);
        }));
        return builder.Build();
    }
}
