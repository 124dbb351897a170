// The crash test's child: 1) parse --db, --receiver, --enqueue N; 2) run a host with the SQLite outbox, short timeouts
// and a short lease (so a restart reclaims quickly); 3) with --enqueue, enqueue N transactions (order numbers c0..cN-1)
// and print "enqueued N"; 4) print "ready"; 5) run until stdin closes (then stop gracefully) or until killed.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Postback;

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

var db = options["db"];
var receiver = options["receiver"];
var enqueue = options.TryGetValue("enqueue", out var n) ? int.Parse(n) : 0;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
builder.Services.AddPostbacks(o =>
    {
        o.AddEndpoint("crash", e => e.Url = receiver + "/pb?o=#on#");
        o.Security.AllowedNetworks.Add("127.0.0.1/32");

        // Each scheduled attempt is one request; a breaker that refuses some would only blur the count.
        o.CircuitBreaker.Enabled = false;
        o.ConnectTimeout = TimeSpan.FromSeconds(2);
        o.AttemptTimeout = TimeSpan.FromSeconds(5);
        o.TotalTimeout = TimeSpan.FromSeconds(5);
    })
    .AddOutbox(o =>
    {
        // The lease must exceed the longest attempt (5 s) plus the completion margin (5 s); 13 s leaves 3 s to start.
        o.LeaseDuration = TimeSpan.FromSeconds(13);
        o.PollInterval = TimeSpan.FromMilliseconds(200);
        o.MaxConcurrency = 32;
        o.MaxConcurrencyPerHost = 16;
        o.Schedule = [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];
        o.DrainTimeout = TimeSpan.FromSeconds(5);
    })
    .UseSqlite("Data Source=" + db);

using var host = builder.Build();
await host.StartAsync();
Console.WriteLine($"started pid {Environment.ProcessId}");

if (enqueue > 0)
{
    var outbox = host.Services.GetRequiredService<IPostbackOutbox>();
    await Task.WhenAll(Enumerable.Range(0, enqueue).Select(i =>
        outbox.EnqueueAsync(new PostbackTransaction { OrderNumber = "c" + i, SaleAmount = 1m }).AsTask()));
    Console.WriteLine($"enqueued {enqueue}");
}

Console.WriteLine("ready");

// Closing stdin is the test's "stop"; SIGKILL needs no cooperation.
await Console.In.ReadToEndAsync();
await host.StopAsync();
Console.WriteLine("stopped");
