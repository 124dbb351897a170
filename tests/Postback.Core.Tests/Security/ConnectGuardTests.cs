using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Postback.Tests.Support;

namespace Postback.Tests.Security;

/// <summary>
/// The guard on the connect path, with loopback stand-ins only: 127.0.0.2 plays a public partner (explicitly
/// allowed), 127.0.0.3 a private address (denied like all of 127/8), and an injected resolver answers for names.
/// Nothing here connects outside loopback.
/// </summary>
public sealed class ConnectGuardTests
{
    internal static readonly IPAddress Public = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Private = IPAddress.Parse("127.0.0.3");

    [Fact]
    public async Task A_name_is_resolved_once_and_the_connection_goes_to_the_validated_address()
    {
        await using var partner = await KestrelReceiver.StartAsync(Public);
        var resolver = new ScriptedResolver((_, call) => call == 1 ? [Public] : [Private]);
        await using var services = Build(resolver);

        var result = await Send(services, $"http://partner.test:{partner.Port}/pb?o=1");

        result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ErrorMessage);
        partner.HitCount.Should().Be(1);
        resolver.Calls.Should().Equal("partner.test");
    }

    [Fact]
    public async Task A_name_that_resolves_to_a_denied_address_is_blocked_and_never_contacted()
    {
        await using var denied = await KestrelReceiver.StartAsync(Private);
        var resolver = new ScriptedResolver((_, _) => [Private]);
        await using var services = Build(resolver);

        var result = await Send(services, $"http://partner.test:{denied.Port}/pb");

        result.Outcome.Should().Be(PostbackOutcome.Blocked);
        result.ErrorType.Should().Be(PostbackErrorTypes.Blocked);
        result.ErrorMessage.Should().Contain("127.0.0.3").And.Contain("loopback");
        result.Attempts.Should().Be(1, "a blocked destination is never retried");
        denied.HitCount.Should().Be(0);
    }

    [Fact]
    public async Task Mixed_answers_are_blocked_when_any_address_is_denied()
    {
        await using var partner = await KestrelReceiver.StartAsync(Public);
        var resolver = new ScriptedResolver((_, _) => [Public, Private]);
        await using var services = Build(resolver);

        var result = await Send(services, $"http://partner.test:{partner.Port}/pb");

        result.Outcome.Should().Be(PostbackOutcome.Blocked);
        partner.HitCount.Should().Be(0, "the public answer must not be used when a private one is among them");
    }

    [Fact]
    public async Task Rebinding_to_a_private_address_is_caught_on_the_next_connection()
    {
        // The partner closes every connection, so each postback needs a new one, and each new one is checked.
        await using var partner = await KestrelReceiver.StartAsync(Public, CloseAfter(200));
        await using var denied = await KestrelReceiver.StartAsync(Private);
        var resolver = new ScriptedResolver((_, call) => call == 1 ? [Public] : [Private]);
        await using var services = Build(resolver);

        var first = await Send(services, $"http://partner.test:{partner.Port}/pb?o=1");
        var second = await Send(services, $"http://partner.test:{partner.Port}/pb?o=2");

        first.Outcome.Should().Be(PostbackOutcome.Delivered, first.ErrorMessage);
        second.Outcome.Should().Be(PostbackOutcome.Blocked);
        partner.HitCount.Should().Be(1);
        denied.HitCount.Should().Be(0);
    }

    [Fact]
    public async Task A_literal_denied_address_is_blocked_before_any_attempt()
    {
        await using var local = await KestrelReceiver.StartAsync();
        await using var services = Build(new ScriptedResolver((_, _) => throw new InvalidOperationException("no lookup expected")));

        var direct = await Send(services, $"http://127.0.0.1:{local.Port}/admin");
        var userInfo = await Send(services, $"http://partner.example@127.0.0.1:{local.Port}/admin");
        var octal = await Send(services, $"http://0177.0.0.1:{local.Port}/admin");
        var name = await Send(services, $"http://localhost:{local.Port}/admin");

        foreach (var result in new[] { direct, userInfo, octal, name })
        {
            result.Outcome.Should().Be(PostbackOutcome.Blocked);
            result.Attempts.Should().Be(0);
        }

        local.HitCount.Should().Be(0);
    }

    [Fact]
    public async Task A_redirect_to_loopback_is_never_followed()
    {
        await using var target = await KestrelReceiver.StartAsync();
        await using var partner = await KestrelReceiver.StartAsync(Public, KestrelReceiver.Respond(302, null, ("Location", $"http://127.0.0.1:{target.Port}/steal")));
        await using var services = Build(new ScriptedResolver((_, _) => [Public]));

        var result = await Send(services, $"http://partner.test:{partner.Port}/pb");

        result.Outcome.Should().Be(PostbackOutcome.Failed);
        result.ErrorType.Should().Be(PostbackErrorTypes.Redirect);
        result.StatusCode.Should().Be(302);
        target.HitCount.Should().Be(0);
    }

    [Fact]
    public async Task An_allowed_host_skips_the_address_check()
    {
        await using var onPrem = await KestrelReceiver.StartAsync(Private);
        await using var services = Build(new ScriptedResolver((_, _) => [Private]), security => security.AllowedHosts.Add("onprem.partner.test"));

        var result = await Send(services, $"http://onprem.partner.test:{onPrem.Port}/pb");

        result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ErrorMessage);
        onPrem.HitCount.Should().Be(1);
    }

    [Fact]
    public async Task Https_only_blocks_http_before_any_attempt()
    {
        await using var partner = await KestrelReceiver.StartAsync(Public);
        await using var services = Build(new ScriptedResolver((_, _) => [Public]), security => security.AllowHttp = false);

        var result = await Send(services, $"http://partner.test:{partner.Port}/pb");

        result.Outcome.Should().Be(PostbackOutcome.Blocked);
        result.ErrorMessage.Should().Contain("https only");
        partner.HitCount.Should().Be(0);
    }

    [Fact]
    public async Task A_connect_that_times_out_is_retried_like_any_other_timeout()
    {
        // The resolver runs inside the connect, so one that never answers makes the handler's connect timeout fire.
        // That timeout is the handler's own, not the postback's: it must be retried, not end the postback at once.
        var resolver = new HangingResolver();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IPostbackDnsResolver>(resolver);
        services.AddPostbacks(o =>
        {
            o.ConnectTimeout = TimeSpan.FromMilliseconds(100);
            o.MaxRetryAttempts = 2;
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
            o.CircuitBreaker.Enabled = false;
            o.Security.AllowedNetworks.Add("127.0.0.2/32");
        });
        await using var provider = services.BuildServiceProvider();

        var result = await Send(provider, "http://partner.test:9/pb");

        result.Outcome.Should().Be(PostbackOutcome.Failed);
        result.ErrorType.Should().Be(PostbackErrorTypes.Timeout);
        result.Attempts.Should().Be(3, "a connect timeout is transient: every attempt is made");
        resolver.Calls.Should().Be(3);
    }

    private static Func<Microsoft.AspNetCore.Http.HttpContext, Task> CloseAfter(int status) => context =>
    {
        context.Response.Headers.Connection = "close";
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    };

    internal static ServiceProvider Build(IPostbackDnsResolver resolver, Action<PostbackSecurityOptions>? security = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(resolver);
        services.AddPostbacks(o =>
        {
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
            o.CircuitBreaker.Enabled = false;

            // Only the stand-in for a public partner; 127.0.0.1 and 127.0.0.3 stay denied like the rest of 127/8.
            o.Security.AllowedNetworks.Add("127.0.0.2/32");
            security?.Invoke(o.Security);
        });
        return services.BuildServiceProvider();
    }

    internal static ValueTask<PostbackResult> Send(ServiceProvider services, string url) =>
        services.GetRequiredService<IPostbackSender>().SendAsync(new PostbackRequest { EndpointName = "guarded", Url = url });

    private sealed class HangingResolver : IPostbackDnsResolver
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public async ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
            return [];
        }
    }

    internal sealed class ScriptedResolver(Func<string, int, IPAddress[]> answer) : IPostbackDnsResolver
    {
        private readonly ConcurrentQueue<string> _calls = new();

        public IReadOnlyList<string> Calls => [.. _calls];

        public ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            _calls.Enqueue(host);
            return ValueTask.FromResult(answer(host, _calls.Count));
        }
    }
}

/// <summary>
/// Tests that change process-wide environment variables. They run alone: a test running beside them could start an
/// HttpClient (or a child process) that reads the variables.
/// </summary>
[CollectionDefinition(nameof(ProcessEnvironmentGroup), DisableParallelization = true)]
public sealed class ProcessEnvironmentGroup;

[Collection(nameof(ProcessEnvironmentGroup))]
public sealed class ProxyEnvironmentTests
{
    [Fact]
    public async Task Proxy_environment_variables_are_ignored()
    {
        await using var proxy = await KestrelReceiver.StartAsync();
        await using var partner = await KestrelReceiver.StartAsync(ConnectGuardTests.Public);
        var names = new[] { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy" };
        var saved = names.ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var name in names)
            {
                Environment.SetEnvironmentVariable(name, $"http://127.0.0.1:{proxy.Port}");
            }

            await using var services = ConnectGuardTests.Build(new ConnectGuardTests.ScriptedResolver((_, _) => [ConnectGuardTests.Public]));
            var result = await ConnectGuardTests.Send(services, $"http://partner.test:{partner.Port}/pb");

            result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ErrorMessage);
            partner.HitCount.Should().Be(1);
            proxy.HitCount.Should().Be(0, "a proxy would hide the partner's address from the guard");
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

}
