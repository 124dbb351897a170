// A bare multi-node worker: 1) parse --key value options; 2) LISTEN for wake-ups (polling as fallback); 3) loop: claim a
// batch (committed), send each delivery to the loopback receiver with its idempotency key, complete the batch in one
// transaction; 4) exit once the outbox has had no live deliveries for --idle-exit-ms. Prints "claimed N" / "completed N
// stale M" lines for the test that drives it.
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Postback;
using Postback.Internal;

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

string Get(string name, string fallback) => options.TryGetValue(name, out var value) ? value : fallback;

var owner = Get("owner", $"{Environment.MachineName}-{Environment.ProcessId}");
var batchSize = int.Parse(Get("batch", "100"));
var lease = TimeSpan.FromMilliseconds(int.Parse(Get("lease-ms", "30000")));
var poll = TimeSpan.FromMilliseconds(int.Parse(Get("poll-ms", "1000")));
var idleExit = TimeSpan.FromMilliseconds(int.Parse(Get("idle-exit-ms", "1500")));
var receiver = new Uri(Get("receiver", "http://127.0.0.1:5000/pb"));
var clock = Get("clock", "database") == "database" ? PostgreSqlOutboxClock.Database : PostgreSqlOutboxClock.TimeProvider;

await using var dataSource = new NpgsqlSlimDataSourceBuilder(Get("connection", "")).EnableArrays().Build();
await using var store = new PostgreSqlPostbackOutboxStore(new PostgreSqlPostbackOutboxOptions
{
    DataSource = dataSource,
    Schema = Get("schema", "postback"),
    Clock = clock,
});
await store.InitializeAsync();

using var stop = new CancellationTokenSource();
using var wake = new SemaphoreSlim(0);
var listener = new PostgreSqlOutboxListener(dataSource, store.NotificationChannel, () =>
{
    if (wake.CurrentCount == 0)
    {
        wake.Release();
    }
}, TimeProvider.System, NullLogger.Instance);
var listening = listener.RunAsync(stop.Token);

using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(10) };
var policy = new PostbackEndpointHealthPolicy();
var idle = Stopwatch.StartNew();
var sent = 0L;
Console.WriteLine($"started {owner}");
while (true)
{
    var leases = await store.ClaimAsync(new PostbackOutboxClaim { Owner = owner, MaxCount = batchSize, LeaseDuration = lease });
    if (leases.Count == 0)
    {
        var stats = await store.GetStatsAsync();
        if (stats[PostbackDeliveryState.Pending] + stats[PostbackDeliveryState.InFlight] > 0)
        {
            idle.Restart();
        }
        else if (idle.Elapsed >= idleExit)
        {
            break;
        }

        await wake.WaitAsync(poll);
        continue;
    }

    idle.Restart();
    Console.WriteLine($"claimed {leases.Count}");
    var completions = await Task.WhenAll(leases.Select(async lease =>
    {
        var started = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        int? status = null;
        string? error = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(receiver, $"?id={lease.Id}&attempt={lease.Attempt}&owner={owner}"));
            request.Headers.Add("Idempotency-Key", lease.IdempotencyKey);
            using var response = await http.SendAsync(request);
            status = (int)response.StatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            error = PostbackErrorTypes.ConnectionError;
        }

        var delivered = status is >= 200 and < 300;
        return new PostbackOutboxCompletion
        {
            Id = lease.Id,
            Owner = owner,
            Attempt = lease.Attempt,
            State = delivered ? PostbackDeliveryState.Delivered : PostbackDeliveryState.Pending,
            RetryDelay = TimeSpan.FromMilliseconds(200),
            Signal = delivered ? PostbackEndpointSignal.Success : PostbackEndpointSignal.Failure,
            Record = new PostbackOutboxAttempt
            {
                Number = lease.Attempt,
                StartedAt = started,
                Duration = watch.Elapsed,
                Outcome = delivered ? PostbackOutcome.Delivered : PostbackOutcome.Failed,
                StatusCode = status,
                ErrorType = error,
            },
        };
    }));

    var result = await store.CompleteAsync(completions, policy);
    sent += completions.Length;
    Console.WriteLine($"completed {completions.Length - result.Stale.Count} stale {result.Stale.Count}");
}

await stop.CancelAsync();
await listening;
Console.WriteLine($"done {owner} sent {sent} listener-connections {listener.Connections}");
