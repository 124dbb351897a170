using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Postback.Tests.Support;

/// <summary>
/// A partner's server for integration tests: real Kestrel on 127.0.0.1 and a random port. Each request is recorded
/// (decoded by ASP.NET Core) and answered by the next scripted response, or by the default handler. For load runs it
/// can only count requests instead (<c>recordRequests: false</c>): recording copies every header and query value into
/// a list under a lock, which costs CPU and memory that a load run should not measure.
/// </summary>
public sealed class KestrelReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _script = new();
    private readonly List<ReceivedRequest> _requests = [];
    private readonly SemaphoreSlim _hitSignal = new(0);
    private readonly Lock _gate = new();
    private readonly bool _recordRequests;
    private Func<HttpContext, Task> _handler;
    private int _hitCount;

    private KestrelReceiver(WebApplication app, Func<HttpContext, Task> handler, bool recordRequests)
    {
        _app = app;
        _handler = handler;
        _recordRequests = recordRequests;
    }

    /// <summary>Gets the base URL, such as <c>http://127.0.0.1:54321</c> (no trailing slash).</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>Gets the bound port.</summary>
    public int Port { get; private set; }

    /// <summary>Gets how many requests arrived (and, when recording, were recorded).</summary>
    public int HitCount => Volatile.Read(ref _hitCount);

    /// <summary>Gets a copy of the requests so far, in arrival order; always empty when the receiver only counts.</summary>
    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Gets a token that is cancelled when the receiver stops, for handlers that wait.</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    /// <summary>Starts a receiver; by default it answers 200 with the body <c>ok</c>.</summary>
    /// <param name="handler">The default handler, used when no scripted response is left.</param>
    /// <param name="recordRequests"><see langword="false"/> to only count requests (<see cref="HitCount"/>), for load runs.</param>
    /// <returns>The started receiver.</returns>
    public static Task<KestrelReceiver> StartAsync(Func<HttpContext, Task>? handler = null, bool recordRequests = true) =>
        StartAsync(IPAddress.Loopback, handler, recordRequests);

    /// <summary>Starts a receiver on another loopback address, such as 127.0.0.2, the tests' stand-in for a public partner.</summary>
    /// <param name="address">A loopback address; anything else is refused.</param>
    /// <param name="handler">The default handler, used when no scripted response is left.</param>
    /// <param name="recordRequests"><see langword="false"/> to only count requests (<see cref="HitCount"/>), for load runs.</param>
    /// <returns>The started receiver.</returns>
    public static async Task<KestrelReceiver> StartAsync(IPAddress address, Func<HttpContext, Task>? handler = null, bool recordRequests = true)
    {
        IPAddress.IsLoopback(address).Should().BeTrue("tests only ever listen on loopback");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, 0));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var receiver = new KestrelReceiver(app, handler ?? Respond(200, "ok"), recordRequests);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var uri = new Uri(bound);
        uri.Host.Should().Be(address.ToString(), "the receiver only ever listens on loopback");
        receiver.Port = uri.Port;
        receiver.BaseUrl = $"http://{address}:{uri.Port}";
        return receiver;
    }

    /// <summary>A canned response: a status, an optional UTF-8 body and headers.</summary>
    /// <param name="status">The status code.</param>
    /// <param name="body">The body, or <see langword="null"/>.</param>
    /// <param name="headers">Response headers.</param>
    /// <returns>The handler.</returns>
    public static Func<HttpContext, Task> Respond(int status, string? body = null, params (string Name, string Value)[] headers) => async context =>
    {
        context.Response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }

        if (body is not null)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(body, context.RequestAborted);
        }
    };

    /// <summary>Sets the handler used when no scripted response is left.</summary>
    /// <param name="handler">The handler.</param>
    public void Handle(Func<HttpContext, Task> handler) => Volatile.Write(ref _handler, handler);

    /// <summary>Queues one-shot responses, used in order by the next requests.</summary>
    /// <param name="responses">The responses.</param>
    public void Enqueue(params Func<HttpContext, Task>[] responses)
    {
        foreach (var response in responses)
        {
            _script.Enqueue(response);
        }
    }

    /// <summary>A handler that never answers: it waits until the client goes away or the receiver stops (at most a minute).</summary>
    /// <returns>The handler.</returns>
    public Func<HttpContext, Task> NeverAnswer() => async context =>
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, Stopping);
        await Task.Delay(TimeSpan.FromMinutes(1), linked.Token);
    };

    /// <summary>Returns how many requests arrived for a path.</summary>
    /// <param name="path">The path, such as <c>/pb</c>.</param>
    /// <returns>The count.</returns>
    public int HitsTo(string path) => Requests.Count(r => r.Path == path);

    /// <summary>Waits until at least <paramref name="count"/> requests have arrived.</summary>
    /// <param name="count">The number of requests.</param>
    /// <param name="timeout">How long to wait at most.</param>
    /// <returns>A task.</returns>
    public async Task WaitForHitsAsync(int count, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (HitCount < count)
        {
            await _hitSignal.WaitAsync(deadline.Token);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await _app.StopAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                // Kestrel closed what was left at the deadline.
            }
        }

        await _app.DisposeAsync();
        _hitSignal.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (_recordRequests)
        {
            var received = await RecordAsync(context);
            lock (_gate)
            {
                _requests.Add(received);
            }
        }

        Interlocked.Increment(ref _hitCount);
        _hitSignal.Release();
        var handler = _script.TryDequeue(out var next) ? next : Volatile.Read(ref _handler);
        try
        {
            await handler(context);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException
            && (context.RequestAborted.IsCancellationRequested || Stopping.IsCancellationRequested))
        {
            // The client went away (a timeout, a cancelled send, a truncated read) or the receiver stopped.
        }
    }

    private static async Task<ReceivedRequest> RecordAsync(HttpContext context)
    {
        var request = context.Request;
        request.EnableBuffering();
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        request.Body.Position = 0;
        IReadOnlyDictionary<string, string>? form = null;
        if (request.HasFormContentType)
        {
            var fields = await request.ReadFormAsync(context.RequestAborted);
            form = fields.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        }

        JsonElement? json = null;
        if (request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true && body.Length > 0)
        {
            using var document = JsonDocument.Parse(body);
            json = document.RootElement.Clone();
        }

        return new ReceivedRequest(
            request.Method,
            request.Path.Value ?? string.Empty,
            request.QueryString.Value ?? string.Empty,
            request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal),
            form,
            body,
            request.ContentType,
            json,
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
    }
}

/// <summary>One request as the receiver saw it, decoded by ASP.NET Core.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The decoded path.</param>
/// <param name="RawQuery">The query string as sent, with its <c>?</c>.</param>
/// <param name="Query">The query values, decoded (<c>Request.Query</c>).</param>
/// <param name="Form">The form fields, decoded (<c>Request.Form</c>), for a form body.</param>
/// <param name="Body">The raw body as UTF-8 text.</param>
/// <param name="ContentType">The Content-Type header.</param>
/// <param name="Json">The parsed JSON body, for a JSON body.</param>
/// <param name="Headers">The request headers.</param>
public sealed record ReceivedRequest(
    string Method,
    string Path,
    string RawQuery,
    IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string>? Form,
    string Body,
    string? ContentType,
    JsonElement? Json,
    IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>Returns a header's value, or <see langword="null"/>.</summary>
    /// <param name="name">The header name.</param>
    /// <returns>The value.</returns>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
