using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Postback.Tests.MultiNode;

/// <summary>A partner on 127.0.0.1 (Kestrel in the test process) that counts every postback per delivery id.</summary>
internal sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _total;

    private LoopbackReceiver(WebApplication app) => _app = app;

    public ConcurrentDictionary<long, int> Hits { get; } = new();

    public ConcurrentDictionary<long, string> Keys { get; } = new();

    public ConcurrentBag<long> KeyMismatches { get; } = [];

    public long Total => Interlocked.Read(ref _total);

    public Uri Url { get; private set; } = null!;

    public TimeSpan Delay { get; set; }

    /// <summary>Gets or sets the worker whose postbacks are held unanswered until <see cref="ReleaseHeld"/>: its leases are then surely in flight.</summary>
    public string? HoldOwner { get; set; }

    /// <summary>Gets the delivery ids of the postbacks held so far.</summary>
    public ConcurrentBag<long> Held { get; } = [];

    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseHeld() => _release.TrySetResult();

    public static async Task<LoopbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new LoopbackReceiver(app);
        app.MapGet("/pb", async (HttpContext context) =>
        {
            var id = long.Parse(context.Request.Query["id"]!);
            var key = context.Request.Headers["Idempotency-Key"].ToString();
            if (!receiver.Keys.GetOrAdd(id, key).Equals(key, StringComparison.Ordinal))
            {
                receiver.KeyMismatches.Add(id);
            }

            receiver.Hits.AddOrUpdate(id, 1, (_, count) => count + 1);
            Interlocked.Increment(ref receiver._total);
            if (receiver.HoldOwner is { } holdOwner && context.Request.Query["owner"] == holdOwner)
            {
                receiver.Held.Add(id);
                await receiver._release.Task;
            }

            if (receiver.Delay > TimeSpan.Zero)
            {
                await Task.Delay(receiver.Delay);
            }

            return Results.Ok();
        });
        await app.StartAsync();
        receiver.Url = new Uri(app.Urls.First() + "/pb");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
