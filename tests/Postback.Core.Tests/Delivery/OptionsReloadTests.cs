using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Postback.Internal;
using Postback.Tests.Support;

namespace Postback.Tests.Delivery;

/// <summary>Options reloads: an invalid one is logged and ignored (the last valid options stay in force), a valid one is taken in full.</summary>
public sealed class OptionsReloadTests
{
    [Fact]
    public async Task After_an_invalid_reload_the_dispatcher_and_sender_deliver_with_the_last_valid_options()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        using var host = PostbackTestHost.BuildHost(
            new Dictionary<string, string?>
            {
                ["Postbacks:Endpoints:a:Url"] = receiver.BaseUrl + "/a?o=#on#",
                ["Postbacks:Endpoints:b:Url"] = receiver.BaseUrl + "/b?o=#on#",
            },
            services => services.AddFakeLogging());
        await host.StartAsync();
        var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
        var dispatcher = host.Services.GetRequiredService<IPostbackDispatcher>();

        // An unknown macro, then a value the binder cannot read: neither is taken.
        Reload(configuration, "Postbacks:Endpoints:a:Url", receiver.BaseUrl + "/a?o=#onn#");
        var afterUnknownMacro = await dispatcher.DispatchAsync(new PostbackTransaction { OrderNumber = "1" });
        Reload(configuration, "Postbacks:MaxRetryAttempts", "lots");
        var afterUnreadable = await dispatcher.DispatchAsync(new PostbackTransaction { OrderNumber = "2" });

        afterUnknownMacro.Should().HaveCount(2).And.OnlyContain(r => r.Outcome == PostbackOutcome.Delivered);
        afterUnreadable.Should().HaveCount(2).And.OnlyContain(r => r.Outcome == PostbackOutcome.Delivered);
        receiver.Requests.Select(r => r.Path + r.RawQuery).Should().BeEquivalentTo(["/a?o=1", "/b?o=1", "/a?o=2", "/b?o=2"]);
        var logs = host.Services.GetRequiredService<FakeLogCollector>().GetSnapshot();
        logs.Should().Contain(r => r.Level == LogLevel.Error && r.Message.Contains("Postbacks:Endpoints:a:Url", StringComparison.Ordinal)
            && r.Message.Contains("position", StringComparison.Ordinal) && r.Message.Contains("#onn#", StringComparison.Ordinal));

        // A valid reload is taken.
        Reload(configuration, "Postbacks:MaxRetryAttempts", "1");
        Reload(configuration, "Postbacks:Endpoints:a:Url", receiver.BaseUrl + "/a2?o=#on#");
        var afterValid = await dispatcher.DispatchAsync(new PostbackTransaction { OrderNumber = "3" });
        afterValid.Should().OnlyContain(r => r.Outcome == PostbackOutcome.Delivered);
        receiver.Requests.Select(r => r.Path + r.RawQuery).Should().Contain("/a2?o=3");
    }

    [Fact]
    public async Task A_reload_of_TemplateCacheSize_is_honoured()
    {
        using var host = PostbackTestHost.BuildHost(
            new Dictionary<string, string?> { ["Postbacks:TemplateCacheSize"] = "100" },
            services => services.AddSingleton<IPostbackEndpointProvider, OneEndpointPerOrder>());
        await host.StartAsync();
        var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
        var resolver = host.Services.GetRequiredService<EndpointResolver>();

        for (var i = 0; i < 5; i++)
        {
            await resolver.ResolveAsync(new PostbackTransaction { OrderNumber = "a" + i }, CancellationToken.None);
        }

        resolver.CachedTemplates.Should().Be(5);

        Reload(configuration, "Postbacks:TemplateCacheSize", "0");
        for (var i = 0; i < 5; i++)
        {
            await resolver.ResolveAsync(new PostbackTransaction { OrderNumber = "b" + i }, CancellationToken.None);
        }

        resolver.CachedTemplates.Should().Be(0, "a cache size of 0 turns the cache off");

        Reload(configuration, "Postbacks:TemplateCacheSize", "2");
        for (var i = 0; i < 5; i++)
        {
            await resolver.ResolveAsync(new PostbackTransaction { OrderNumber = "c" + i }, CancellationToken.None);
            resolver.CachedTemplates.Should().BeLessThanOrEqualTo(2);
        }
    }

    private static void Reload(IConfigurationRoot configuration, string key, string value)
    {
        configuration[key] = value;
        try
        {
            configuration.Reload();
        }
        catch (Exception ex) when (ex is AggregateException or Microsoft.Extensions.Options.OptionsValidationException or InvalidOperationException)
        {
            // Microsoft.Extensions.Options may rethrow an invalid reload to whoever calls Reload(): acceptable.
        }
    }

    private sealed class OneEndpointPerOrder : IPostbackEndpointProvider
    {
        public ValueTask<IEnumerable<PostbackEndpointOptions>> GetEndpointsAsync(PostbackTransaction transaction, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IEnumerable<PostbackEndpointOptions>>(
                [new PostbackEndpointOptions { Name = "p", Url = $"https://{transaction.OrderNumber}.partner.test/pb?o=#on#" }]);
    }
}
