using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace Postback.Benchmarks;

/// <summary>
/// The whole send path through the real <see cref="IHttpClientFactory"/> pipeline (render, idempotency key, resilience
/// pipeline, bounded body read, result, telemetry) against what a user would otherwise write: a named client with
/// <c>AddStandardResilienceHandler()</c>, sending the already-rendered URL and reading the body. Every row uses the same
/// handler, which answers 200 at once and never touches the network, so the differences are pipeline overhead. The raw
/// <see cref="HttpClient.SendAsync(HttpRequestMessage)"/> row shows what no pipeline at all costs.
/// </summary>
[MemoryDiagnoser]
[MedianColumn] // the machines are shared and noisy: the median ratio is read beside the mean one
public class SendPathBenchmarks : IDisposable
{
    private const string Template = "https://partner.example/pixel.track?sid=#fobs#&orderid=#on#&amount=#sa#&commission=#ca#&date=#et#";
    private const string StandardClientName = "std";

    private ServiceProvider _services = null!;
    private ServiceProvider _standardServices = null!;
    private IPostbackSender _sender = null!;
    private IHttpClientFactory _standardFactory = null!;
    private PostbackEndpoint _endpoint = null!;
    private PostbackTransaction _transaction = null!;
    private HttpClient _raw = null!;
    private string _rawUrl = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        // An in-memory handler is not a SocketsHttpHandler the connect-time guard can protect: the guard is deliberately off.
        services.AddPostbacks(static o => o.Security.Enabled = false)
            .HttpClientBuilder.ConfigurePrimaryHttpMessageHandler(static () => new NoRemoteCallHandler());
        _services = services.BuildServiceProvider();
        _sender = _services.GetRequiredService<IPostbackSender>();
        _endpoint = new PostbackEndpoint("partner", PostbackTemplate.Parse(Template));
        _transaction = Scenarios.FlexOffersTransaction();
        _rawUrl = _endpoint.Url.Render(_transaction);
        _raw = new HttpClient(new NoRemoteCallHandler());

        // Its own container, so neither pipeline's registrations (telemetry options, filters) change the other.
        var standard = new ServiceCollection();
        standard.AddLogging();
        standard.AddHttpClient(StandardClientName)
            .ConfigurePrimaryHttpMessageHandler(static () => new NoRemoteCallHandler())
            .AddStandardResilienceHandler();
        _standardServices = standard.BuildServiceProvider();
        _standardFactory = _standardServices.GetRequiredService<IHttpClientFactory>();

        var result = _sender.SendAsync(_endpoint, _transaction).AsTask().GetAwaiter().GetResult();
        if (result.Outcome != PostbackOutcome.Delivered || result.Attempts != 1 || result.ResponseBody != "ok")
        {
            throw new InvalidOperationException("The send path did not deliver: " + result);
        }

        var status = StandardPipeline().GetAwaiter().GetResult();
        if (status != (int)HttpStatusCode.OK)
        {
            throw new InvalidOperationException("The standard pipeline did not answer 200: " + status);
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _raw?.Dispose();
        _services?.Dispose();
        _standardServices?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, Description = "Standard pipeline: AddStandardResilienceHandler, GET + body")]
    public async Task<int> StandardPipeline()
    {
        var client = _standardFactory.CreateClient(StandardClientName);
        using var response = await client.GetAsync(_rawUrl, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStringAsync();
        return body.Length == 0 ? 0 : (int)response.StatusCode;
    }

    [Benchmark(Description = "Raw HttpClient.SendAsync, same handler")]
    public async Task<int> RawHttpClient()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _rawUrl);
        using var response = await _raw.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return (int)response.StatusCode;
    }

    [Benchmark(Description = "IPostbackSender.SendAsync (render + pipeline + result)")]
    public async Task<int> PostbackSender()
    {
        var result = await _sender.SendAsync(_endpoint, _transaction);
        return result.StatusCode ?? 0;
    }

    /// <summary>Answers 200 with a small body at once; nothing leaves the process.</summary>
    private sealed class NoRemoteCallHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new StringContent("ok") });
    }
}
