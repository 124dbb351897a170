using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Postback.Cli.Tests.Support;

/// <summary>
/// A partner's server for the send tests: real Kestrel on 127.0.0.1 only, a random port, answering 200 "OK received"
/// and recording each request's path and query as ASP.NET Core decoded them (the same idea as Postback.Core.Tests'
/// KestrelReceiver, reduced to what these tests read).
/// </summary>
public sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Method, string Path, IReadOnlyDictionary<string, string> Query)> _requests = new();

    private LoopbackReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = string.Empty;

    public IReadOnlyList<(string Method, string Path, IReadOnlyDictionary<string, string> Query)> Requests => [.. _requests];

    public static async Task<LoopbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new LoopbackReceiver(app);
        app.Run(async context =>
        {
            receiver._requests.Enqueue((context.Request.Method, context.Request.Path.Value ?? string.Empty, context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString())));
            context.Response.StatusCode = 200;
            await context.Response.WriteAsync("OK received", context.RequestAborted);
        });
        await app.StartAsync();
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        bound.Host.Should().Be("127.0.0.1", "the receiver only ever listens on loopback");
        receiver.BaseUrl = $"http://127.0.0.1:{bound.Port}";
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
