using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Postback.Samples;

/// <summary>
/// Stands in for the partners' servers in the samples: Kestrel on 127.0.0.1, on a port the operating system picks. It
/// decodes each postback the way a partner's ASP.NET Core app would (<c>Request.Query</c>, the JSON or form body),
/// records what it decoded, and answers with the status the sample asks for. It listens on loopback only.
/// </summary>
public sealed class LoopbackPartner : IAsyncDisposable
{
    /// <summary>What the samples' appsettings.json write where the port goes: it is only known once Kestrel has bound.</summary>
    public const string PortPlaceholder = "{receiverPort}";

    private readonly WebApplication _app;
    private readonly Func<ReceivedPostback, int> _answer;
    private readonly TimeSpan _latency;
    private readonly ConcurrentQueue<ReceivedPostback> _received = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);

    private LoopbackPartner(WebApplication app, Func<ReceivedPostback, int> answer, TimeSpan latency)
    {
        _app = app;
        _answer = answer;
        _latency = latency;
    }

    /// <summary>Gets the port Kestrel bound on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary>Starts the partner server on 127.0.0.1 and a free port.</summary>
    /// <param name="answer">Chooses the status for each postback, such as 503 for a first attempt.</param>
    /// <param name="latency">How long the partner takes to answer.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The started server.</returns>
    public static async Task<LoopbackPartner> StartAsync(Func<ReceivedPostback, int> answer, TimeSpan latency = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answer);

        // The empty builder reads no configuration and logs nothing, so the samples' output stays theirs.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var partner = new LoopbackPartner(app, answer, latency);
        app.Run(partner.HandleAsync);
        await app.StartAsync(cancellationToken);

        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        if (address.Host != "127.0.0.1")
        {
            throw new InvalidOperationException($"The partner server bound {address}; it must only ever listen on 127.0.0.1.");
        }

        partner.Port = address.Port;
        return partner;
    }

    /// <summary>
    /// Returns configuration values that replace <see cref="PortPlaceholder"/> with the bound port in every
    /// <c>Postbacks:Endpoints:{name}:Url</c> that holds it. Added as a configuration source after appsettings.json,
    /// they win over the file's values; everything else still comes from the file.
    /// </summary>
    /// <param name="configuration">The configuration read so far.</param>
    /// <param name="port">The port.</param>
    /// <returns>The keys and their values.</returns>
    public static Dictionary<string, string?> PortOverrides(IConfiguration configuration, int port)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var endpoint in configuration.GetSection("Postbacks:Endpoints").GetChildren())
        {
            var url = endpoint.GetSection("Url");
            if (url.Value is { } value && value.Contains(PortPlaceholder, StringComparison.Ordinal))
            {
                overrides[url.Path] = value.Replace(PortPlaceholder, port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            }
        }

        return overrides;
    }

    /// <summary>Returns the requests that carried an idempotency key: every attempt of one postback.</summary>
    /// <param name="idempotencyKey">The key, from <see cref="PostbackResult.IdempotencyKey"/>.</param>
    /// <returns>The requests, in arrival order.</returns>
    public IReadOnlyList<ReceivedPostback> ReceivedWith(string? idempotencyKey) =>
        [.. _received.Where(r => idempotencyKey is not null && r.IdempotencyKey == idempotencyKey)];

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var aborted = context.RequestAborted;

        // Decode as a partner's app would: the query string, then the body by its content type.
        var values = request.Query.Select(q => KeyValuePair.Create(q.Key, q.Value.ToString())).ToList();
        var status = 0;
        try
        {
            if (request.HasJsonContentType())
            {
                using var json = await JsonDocument.ParseAsync(request.Body, cancellationToken: aborted);
                values.AddRange(json.RootElement.EnumerateObject().Select(p => KeyValuePair.Create(
                    p.Name,
                    p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText())));
            }
            else if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(aborted);
                values.AddRange(form.Select(f => KeyValuePair.Create(f.Key, f.Value.ToString())));
            }
        }
        catch (JsonException)
        {
            status = StatusCodes.Status400BadRequest;
        }

        // Every attempt of one postback carries the same idempotency key, so counting keys counts attempts.
        var key = request.Headers["Idempotency-Key"].ToString();
        var attempt = key.Length == 0 ? 1 : _attempts.AddOrUpdate(key, 1, static (_, n) => n + 1);
        var postback = new ReceivedPostback(request.Method, request.Path.Value ?? string.Empty, values, key.Length == 0 ? null : key, attempt);
        if (status == 0)
        {
            status = _answer(postback);
        }

        _received.Enqueue(postback with { Status = status });

        if (_latency > TimeSpan.Zero)
        {
            await Task.Delay(_latency, aborted);
        }

        context.Response.StatusCode = status;
        await context.Response.WriteAsync(status is >= 200 and < 300 ? "ok" : "error", aborted);
    }
}

/// <summary>One postback as the partner server decoded it.</summary>
/// <param name="Method">GET or POST.</param>
/// <param name="Path">The path, such as <c>/acme/pixel.track</c>.</param>
/// <param name="Values">The query values, then the body's, decoded, in the order they came.</param>
/// <param name="IdempotencyKey">The <c>Idempotency-Key</c> header.</param>
/// <param name="Attempt">1 for the first request with this key, 2 for the first retry, and so on.</param>
public sealed record ReceivedPostback(string Method, string Path, IReadOnlyList<KeyValuePair<string, string>> Values, string? IdempotencyKey, int Attempt)
{
    /// <summary>Gets the status the partner answered.</summary>
    public int Status { get; init; }

    /// <summary>Returns a decoded value by name, or <see langword="null"/>.</summary>
    /// <param name="name">The parameter or JSON property name.</param>
    /// <returns>The value.</returns>
    public string? Value(string name) => Values.FirstOrDefault(v => v.Key == name).Value;

    /// <summary>Returns the decoded values as <c>name="value"</c> pairs, for printing.</summary>
    /// <returns>The text.</returns>
    public string Describe() => string.Join(' ', Values.Select(v => $"{v.Key}=\"{v.Value}\""));
}
