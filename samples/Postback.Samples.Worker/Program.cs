using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Postback;
using Postback.Samples;
using Postback.Samples.Worker;

// A worker service that delivers postbacks in the background. A hosted service (CheckoutSimulator) stands for the
// part of your app where sales happen: it hands each transaction to IPostbackQueue and moves on. The queue's own
// hosted service delivers them, a few at a time per partner host, and tells the PostbackLog what happened to each.
// On shutdown (here requested by the sample itself; in production Ctrl+C or SIGTERM) the queue stops accepting and
// drains: every queued and in-flight postback is delivered, or reported as abandoned after the drain timeout.
// Traffic goes only to a stand-in partner server on 127.0.0.1. The exit code is 0 only when every postback was delivered.

// The stand-in partner: Kestrel on 127.0.0.1 and a free port, 100 ms per answer, and a 503 for the first attempt of
// every sixth order. It is started before the host, since its port goes into configuration, and outlives it, so it
// still answers during the drain.
await using var partner = await LoopbackPartner.StartAsync(
    static postback => postback.Attempt == 1 && postback.Value("orderid") is { } order && order.EndsWith('6') ? 503 : 200,
    latency: TimeSpan.FromMilliseconds(100));

// The content root is the app's folder, not the current directory, so appsettings.json is found wherever it is run from.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });

// appsettings.json says {receiverPort} where the port goes: it is only known now. This source, added after the file
// (and the environment and command line), overrides just those URLs. With real partners this step does not exist.
builder.Configuration.AddInMemoryCollection(LoopbackPartner.PortOverrides(builder.Configuration, partner.Port));

builder.Services
    .AddPostbacks(builder.Configuration.GetSection(PostbackOptions.DefaultSectionName))
    .AddQueue(builder.Configuration.GetSection("Postbacks:Queue"));

// The postback log: one instance, told about every result (and anything abandoned at shutdown).
builder.Services.AddSingleton<PostbackLog>();
builder.Services.AddSingleton<IPostbackDeliveryObserver>(static services => services.GetRequiredService<PostbackLog>());

// Registered after AddQueue, so it starts after the delivery service and stops before it: by the time the queue
// drains, nothing is adding to it any more.
builder.Services.AddHostedService<CheckoutSimulator>();

// The drain timeout (Postbacks:Queue:DrainTimeout, 10 s) must fit in the host's shutdown timeout.
builder.Services.Configure<HostOptions>(static host => host.ShutdownTimeout = TimeSpan.FromSeconds(15));

using var host = builder.Build();
var log = host.Services.GetRequiredService<PostbackLog>();
Console.WriteLine("Postback.Core worker sample: transactions go on a background queue; a hosted service delivers them");
Console.WriteLine($"  partner    http://127.0.0.1:{partner.Port} (Kestrel, loopback only, on a port picked at run time)");
var queue = host.Services.GetRequiredService<IOptions<PostbackQueueOptions>>().Value;
Console.WriteLine($"  queue      {queue.MaxConcurrencyPerHost} postbacks at a time per partner host, drain timeout {queue.DrainTimeout.TotalSeconds} s (Postbacks:Queue)");
Console.WriteLine();
Console.WriteLine("  time      order     source  endpoint     outcome          attempts");

// Runs until StopApplication is called, then stops every hosted service: the queue drains before this returns.
await host.RunAsync();
return log.PrintSummary() ? 0 : 1;
