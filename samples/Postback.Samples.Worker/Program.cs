using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Postback;
using Postback.Samples;
using Postback.Samples.Worker;

// A worker service that delivers postbacks in the background, through the durable outbox on an embedded SQLite file.
// A hosted service (CheckoutSimulator) stands for the part of your app where sales happen: it hands each transaction
// to IPostbackQueue (the outbox) and moves on once its deliveries are committed to the file. The outbox's own hosted
// service delivers them, a few at a time per partner host, retries failures on its schedule with one idempotency key,
// and tells the PostbackLog the final result of each. On shutdown (here requested by the sample itself; in production
// Ctrl+C or SIGTERM) it stops claiming and lets the attempts in flight finish; anything else stays in the file and is
// delivered after the next start. Nothing is abandoned.
// Traffic goes only to a stand-in partner server on 127.0.0.1. The exit code is 0 only when every postback was delivered.

// 1. The stand-in partner: Kestrel on 127.0.0.1 and a free port, 100 ms per answer, and a 503 for the first attempt of
//    every sixth order. It is started before the host, since its port goes into configuration, and outlives it, so it
//    still answers during the drain.
await using var partner = await LoopbackPartner.StartAsync(
    static postback => postback.Attempt == 1 && postback.Value("orderid") is { } order && order.EndsWith('6') ? 503 : 200,
    latency: TimeSpan.FromMilliseconds(100));

// 2. The host. The content root is the app's folder, not the current directory, so appsettings.json is found wherever
//    it is run from.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });

//    appsettings.json says {receiverPort} where the port goes: it is only known now. This source, added after the file
//    (and the environment and command line), overrides just those URLs. With real partners this step does not exist.
builder.Configuration.AddInMemoryCollection(LoopbackPartner.PortOverrides(builder.Configuration, partner.Port));

// 3. The partners (Postbacks) and the durable outbox (Postbacks:Outbox) on a SQLite file: a file of its own per run
//    here, in the temp folder; an app keeps one file, or shares PostgreSQL between nodes with .UsePostgreSql("Host=...").
var outboxFile = Path.Combine(Path.GetTempPath(), $"postback-worker-{Environment.ProcessId}.db");
builder.Services
    .AddPostbacks(builder.Configuration.GetSection(PostbackOptions.DefaultSectionName))
    .AddOutbox(builder.Configuration.GetSection(PostbackOutboxOptions.DefaultSectionName))
    .UseSqlite($"Data Source={outboxFile}");

// 4. The postback log: one instance, told about every result (and anything abandoned at shutdown).
builder.Services.AddSingleton<PostbackLog>();
builder.Services.AddSingleton<IPostbackDeliveryObserver>(static services => services.GetRequiredService<PostbackLog>());

// 5. The sales. Registered after AddOutbox, so it starts after the delivery service and stops before it: by the time
//    the outbox stops, nothing is adding to it any more.
builder.Services.AddHostedService<CheckoutSimulator>();

// 6. The drain timeout (Postbacks:Outbox:DrainTimeout, 10 s) must fit in the host's shutdown timeout.
builder.Services.Configure<HostOptions>(static host => host.ShutdownTimeout = TimeSpan.FromSeconds(15));

using var host = builder.Build();
var log = host.Services.GetRequiredService<PostbackLog>();
Console.WriteLine("Postback.Core worker sample: transactions go to the durable outbox (SQLite); a hosted service delivers them");
Console.WriteLine($"  partner    http://127.0.0.1:{partner.Port} (Kestrel, loopback only, on a port picked at run time)");
var outbox = host.Services.GetRequiredService<IOptions<PostbackOutboxOptions>>().Value;
Console.WriteLine($"  outbox     {outboxFile}, {outbox.MaxConcurrencyPerHost} postbacks at a time per partner host, " +
    $"{outbox.Schedule.Count} scheduled attempts, drain timeout {outbox.DrainTimeout.TotalSeconds} s (Postbacks:Outbox)");
Console.WriteLine();
Console.WriteLine("  time      order     source  endpoint     outcome          attempts");

// 7. Runs until StopApplication is called, then stops every hosted service: the outbox lets its attempts in flight
//    finish before this returns. (RunAsync would do the same, and dispose the host, store included.)
await host.StartAsync();
await host.WaitForShutdownAsync();

// 8. What the store says: every delivery final, none left pending. A real app keeps its file; the sample deletes its own.
var stats = await host.Services.GetRequiredService<IPostbackOutboxStore>().GetStatsAsync();
var ok = log.PrintSummary(stats);
host.Dispose();
SqliteConnection.ClearAllPools();
foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
{
    File.Delete(outboxFile + suffix);
}

return ok ? 0 : 1;
