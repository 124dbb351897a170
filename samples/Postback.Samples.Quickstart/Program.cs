using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Postback;
using Postback.Samples;

// The quickstart: the template engine in a few lines, then real postbacks over HTTP to a stand-in partner server,
// through the durable outbox on an embedded SQLite file, and the outbox's record of them. Nothing leaves the machine:
// the partner server listens on 127.0.0.1 only, and every postback URL points at it.
// The exit code is 0 only when every postback ends as expected, so a run in CI notices when something breaks.

const int LabelWidth = 10;
const int MessageWidth = 100;
var clock = Stopwatch.StartNew();

// A hard bound on the whole run, on top of the per-postback timeouts in appsettings.json.
using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));

// Fixed values, so the output is the same on every run (but for the port).
var eventTime = new DateTimeOffset(2026, 11, 26, 13, 45, 0, TimeSpan.FromHours(-5));
var awkward = Sale("ORD-1002", "coupon", "summer sale & more", 59.00m, 5.90m);

Console.WriteLine("Postback.Core quickstart");

// 1. Parse a partner's template once (it validates it, and lints it: PB106 flags plain http), then render it for
//    each transaction. Every value is percent-encoded for its place, so the '&' in this sub-id cannot add a parameter.
Heading("1. The template engine: parse once, render per transaction (nothing is sent)");
var template = PostbackTemplate.Parse(
    "http://yourdomain.com/pixel.track?sid=#fobs#&orderid=#on#&amount=#sa#&commission=#ca#&date=#et#");
Row("template", template.Text);
foreach (var warning in template.Warnings)
{
    Message(warning.Id, warning.Message);
}

Row("rendered", template.Render(awkward));

// The publisher's side: include your own click IDs (fobs=) in your tracking links; they come back as #fobs#..#fobs5#.
Row("your link", TrackingLink.AddSubIds("https://track.flexlinks.example/a.ashx?foid=1&fot=999", "click 42", "email"));

// 2. The partner server: Kestrel on 127.0.0.1 and a free port. It decodes each postback with ASP.NET Core and records
//    what it got; it answers 503 to the first attempt for ORD-1003 and refuses ORD-1004 with 400.
Heading("2. Postbacks through the durable outbox (SQLite) to a stand-in partner server on 127.0.0.1");
await using var partner = await LoopbackPartner.StartAsync(
    static postback => postback.Value("orderid") switch
    {
        "ORD-1003" when postback.Attempt == 1 => 503,
        "ORD-1004" => 400,
        _ => 200,
    },
    cancellationToken: deadline.Token);
Row("partner", $"http://127.0.0.1:{partner.Port} (Kestrel, loopback only, on a port picked at run time)");

// 3. The host. Its configuration comes from appsettings.json in the app's folder (wherever it is run from). The URLs
//    there say {receiverPort} where the port goes, because the port is only known now; a configuration source added
//    after the file overrides just those URLs with the real port. With real partners this step does not exist.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddInMemoryCollection(LoopbackPartner.PortOverrides(builder.Configuration, partner.Port));

// 4. The partners (Postbacks), and the durable outbox on an embedded SQLite file. Every postback is a row in the file
//    before any HTTP call, so a crash or a deploy loses nothing; the outbox's workers (a hosted service) deliver it on
//    the retry schedule of Postbacks:Outbox, with one idempotency key for all its attempts. A file of its own per run
//    here, in the temp folder; an app keeps one file (or moves to PostgreSQL with .UsePostgreSql("Host=...")).
//    The SSRF guard denies loopback by default; Postbacks:Security:AllowedNetworks lets exactly 127.0.0.1/32 through,
//    for the stand-in partner. Without it every postback here would end Blocked.
var outboxFile = Path.Combine(Path.GetTempPath(), $"postback-quickstart-{Environment.ProcessId}.db");
var finals = new FinalResults();
builder.Services.AddSingleton<IPostbackDeliveryObserver>(finals);
builder.Services.AddPostbacks(builder.Configuration.GetSection(PostbackOptions.DefaultSectionName))
    .AddOutbox(builder.Configuration.GetSection(PostbackOutboxOptions.DefaultSectionName))
    .UseSqlite($"Data Source={outboxFile}");

// Starting the host validates the options, templates included: a broken template stops the sample here, naming the endpoint.
using var host = builder.Build();
await host.StartAsync(deadline.Token);
var outbox = host.Services.GetRequiredService<IPostbackOutbox>();
Row("outbox", $"SQLite, {outboxFile}");

var endpoints = host.Services.GetRequiredService<IOptions<PostbackOptions>>().Value.Endpoints;
var nameWidth = endpoints.Keys.Max(k => k.Length);
var first = true;
foreach (var (name, endpoint) in endpoints)
{
    var method = endpoint.Body is null ? endpoint.Method.ToString().ToUpperInvariant()
        : endpoint.BodyFormat == PostbackBodyFormat.Json ? "POST, JSON body" : "POST, form body";
    Row(first ? "endpoints" : string.Empty, $"{name.PadRight(nameWidth)}  {method,-16}  for traffic sources {string.Join(", ", endpoint.TrafficSources)}");
    first = false;
}

var schedule = host.Services.GetRequiredService<IOptions<PostbackOutboxOptions>>().Value.Schedule;
Row("schedule", $"{schedule.Count} attempts, after {string.Join(", ", schedule.Select(d => $"{d.TotalSeconds:0.#} s"))} (Postbacks:Outbox:Schedule)");

// The transactions, and what should happen to each: every endpoint whose traffic sources include the transaction's
// gets a postback (a delivery in the outbox); the others get none.
Sample[] samples =
[
    new("a sale", Sale("ORD-1001", "email", "pub-7781", 129.95m, 12.99m), [new("acme-pixel", PostbackOutcome.Delivered, 1)]),
    new("a sub-id with spaces and &, from a source both partners take", awkward,
        [new("acme-pixel", PostbackOutcome.Delivered, 1), new("globex-json", PostbackOutcome.Delivered, 1)]),
    new("the partner fails the first attempt", Sale("ORD-1003", "social", "pub-7781", 24.50m, 2.45m), [new("globex-json", PostbackOutcome.Delivered, 2)]),
    new("the partner refuses it", Sale("ORD-1004", "email", "pub-9902", 310.00m, 31.00m), [new("acme-pixel", PostbackOutcome.Rejected, 1)]),
    new("a traffic source no partner takes", Sale("ORD-1005", "display", "pub-7781", 15.00m, 1.50m), []),
];

// 5. Enqueue: EnqueueAsync returns once the transaction's deliveries are committed to the SQLite file. Then wait until
//    the observer has seen every expected postback reach a final state (the retry of ORD-1003 is due about 1 s after
//    its 503, by the sample's schedule).
foreach (var sample in samples)
{
    await outbox.EnqueueAsync(sample.Transaction, deadline.Token);
}

var owed = samples.Sum(s => s.Expected.Length);
Row("enqueued", $"{samples.Length} transactions, {owed} postbacks; waiting for their final results");
await finals.WaitForAsync(owed, deadline.Token);

// 6. Each postback as the store recorded it (one delivery per transaction and endpoint) and as the partner decoded it.
var postbacks = 0;
var unexpected = 0;
var outcomes = new SortedDictionary<PostbackOutcome, int>();
foreach (var sample in samples)
{
    var transaction = sample.Transaction;
    Console.WriteLine();
    Console.WriteLine($"{transaction.OrderNumber}, traffic source {transaction.TrafficSource}: {sample.Description}");
    var page = await outbox.Store.QueryAsync(new PostbackOutboxFilter { OrderNumber = transaction.OrderNumber }, beforeId: null, limit: 10, deadline.Token);
    var deliveries = page.Items.OrderBy(d => d.Id).ToList();
    if (deliveries.Count == 0)
    {
        var ok = sample.Expected.Length == 0;
        unexpected += ok ? 0 : sample.Expected.Length;
        Row("endpoint", $"none applies, so nothing is stored or sent{Verdict(ok, "no postback")}");
        continue;
    }

    for (var i = 0; i < deliveries.Count; i++)
    {
        var delivery = deliveries[i];
        if (i > 0)
        {
            Console.WriteLine();
        }

        postbacks++;
        var result = finals.Get(delivery.IdempotencyKey);
        if (result is not null)
        {
            outcomes[result.Outcome] = outcomes.GetValueOrDefault(result.Outcome) + 1;
        }

        // What the partner server decoded: one request per attempt, all with the delivery's idempotency key.
        var received = partner.ReceivedWith(delivery.IdempotencyKey);
        Row("endpoint", delivery.EndpointName);
        Row("url", result?.RedactedUrl ?? "(none)");
        Row("received", received.Count == 0 ? "nothing" : $"{received[0].Method,-4} {received[0].Describe()}");
        if (received.Count > 0)
        {
            var statuses = string.Join(", then ", received.Select(r => r.Status));
            Row("answered", received.Count == 1 ? statuses : $"{statuses} (every attempt carried Idempotency-Key {delivery.IdempotencyKey})");
        }

        if (result?.ErrorType is not null)
        {
            Message("error", $"{result.ErrorType}: {result.ErrorMessage}");
        }

        // As expected: the outcome and the number of attempts (the store's count, over the delivery's whole life)
        // match, and the partner decoded the original values on every attempt.
        var expected = sample.Expected.FirstOrDefault(e => e.Endpoint == delivery.EndpointName);
        var ok = expected is not null
            && result is not null
            && result.Outcome == expected.Outcome
            && delivery.Attempts == expected.Attempts
            && received.Count == delivery.Attempts
            && received.All(r => r.Value("sid") == transaction.SubId1 && r.Value("orderid") == transaction.OrderNumber);
        unexpected += ok ? 0 : 1;
        var attempts = delivery.Attempts == 1 ? "1 attempt" : $"{delivery.Attempts} attempts";
        var status = result?.StatusCode is { } code ? $" ({code})" : string.Empty;
        Row("outcome", $"{result?.Outcome.ToString() ?? delivery.State.ToString()}{status} after {attempts}{Verdict(ok, expected is null ? "no postback" : $"{expected.Outcome} after {expected.Attempts}")}");
    }

    // An expected postback that produced no delivery at all is just as wrong as a wrong outcome.
    unexpected += sample.Expected.Count(e => !deliveries.Any(d => d.EndpointName == e.Endpoint));
}

// 7. The outbox's own view, read back from the SQLite file: counts by state, and the delivery log of the postback
//    that was retried (each attempt with its time, outcome, status, duration and redacted URL). The same queries
//    serve a support screen, and IPostbackOutbox.ReplayAsync re-sends what a filter selects, with the same keys.
Heading("3. The outbox, read back from its store");
var stats = await outbox.Store.GetStatsAsync(deadline.Token);
var live = stats[PostbackDeliveryState.Pending] + stats[PostbackDeliveryState.InFlight] + stats[PostbackDeliveryState.Parked];
Row("states", $"{stats[PostbackDeliveryState.Delivered]} delivered, {stats[PostbackDeliveryState.Rejected]} rejected, " +
    $"{stats[PostbackDeliveryState.Dead]} dead, {live} still pending, in flight or parked");
unexpected += stats[PostbackDeliveryState.Delivered] == 4 && stats[PostbackDeliveryState.Rejected] == 1 && live == 0 ? 0 : 1;

var retried = (await outbox.Store.QueryAsync(new PostbackOutboxFilter { OrderNumber = "ORD-1003" }, beforeId: null, limit: 1, deadline.Token)).Items;
foreach (var delivery in retried)
{
    Row("delivery", $"#{delivery.Id} {delivery.EndpointName} {delivery.OrderNumber}: {delivery.State} after {delivery.Attempts} attempts, key {delivery.IdempotencyKey}");
    foreach (var attempt in await outbox.Store.GetAttemptsAsync(delivery.Id, deadline.Token))
    {
        var status = attempt.StatusCode is { } code ? $" ({code})" : string.Empty;
        Row($"attempt {attempt.Number}", $"{attempt.Outcome}{status} in {attempt.Duration.TotalMilliseconds:0} ms, {attempt.RedactedUrl}");
    }
}

// 8. Stop: the outbox stops claiming and lets attempts in flight finish (none here). A real app keeps its file; the
//    sample deletes its own.
await host.StopAsync(deadline.Token);
host.Dispose();
SqliteConnection.ClearAllPools();
foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
{
    File.Delete(outboxFile + suffix);
}

Console.WriteLine();
var tally = string.Join(", ", outcomes.Select(o => $"{o.Value} {o.Key.ToString().ToLowerInvariant()}"));
Console.WriteLine(unexpected == 0
    ? $"Summary: {postbacks} postbacks for {samples.Length} transactions, all as expected ({tally}), in {clock.Elapsed.TotalSeconds:0.0} s."
    : $"Summary: {unexpected} of {postbacks} postbacks NOT as expected ({tally}), in {clock.Elapsed.TotalSeconds:0.0} s.");
return unexpected == 0 ? 0 : 1;

PostbackTransaction Sale(string order, string trafficSource, string subId, decimal amount, decimal commission) => new()
{
    OrderNumber = order,
    TrafficSource = trafficSource,
    SubId1 = subId,
    SaleAmount = amount,
    CommissionAmount = commission,
    EventTime = eventTime,
};

static string Verdict(bool ok, string expected) => ok ? "   [as expected]" : $"   [NOT AS EXPECTED: wanted {expected}]";

static void Heading(string title)
{
    Console.WriteLine();
    Console.WriteLine(title);
}

// Labels in one column, values in the next. URLs are printed whole, so they can be copied; only prose wraps.
static void Row(string label, string value) => Console.WriteLine($"  {label,-LabelWidth} {value}");

static void Message(string label, string text)
{
    var line = string.Empty;
    foreach (var word in text.Split(' '))
    {
        if (line.Length > 0 && line.Length + 1 + word.Length > MessageWidth)
        {
            Row(label, line);
            label = string.Empty;
            line = word;
        }
        else
        {
            line = line.Length == 0 ? word : line + " " + word;
        }
    }

    Row(label, line);
}

/// <summary>A transaction to enqueue, and the postbacks it should produce.</summary>
internal sealed record Sample(string Description, PostbackTransaction Transaction, Expectation[] Expected);

/// <summary>What should happen to the postback to one endpoint.</summary>
internal sealed record Expectation(string Endpoint, PostbackOutcome Outcome, int Attempts);

/// <summary>
/// An observer of final results: the outbox reports each delivery's final result once (not its failed attempts before),
/// from the node that completed it. The sample waits on it for every expected postback.
/// </summary>
internal sealed class FinalResults : IPostbackDeliveryObserver
{
    private readonly ConcurrentDictionary<string, PostbackResult> _results = new(StringComparer.Ordinal);
    private readonly Channel<string?> _arrived = Channel.CreateUnbounded<string?>();

    public PostbackResult? Get(string idempotencyKey) => _results.GetValueOrDefault(idempotencyKey);

    public async Task WaitForAsync(int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            await _arrived.Reader.ReadAsync(cancellationToken);
        }
    }

    public ValueTask OnCompletedAsync(PostbackTransaction transaction, PostbackResult result, CancellationToken cancellationToken)
    {
        _results[result.IdempotencyKey ?? string.Empty] = result;
        _arrived.Writer.TryWrite(result.IdempotencyKey);
        return ValueTask.CompletedTask;
    }

    public ValueTask OnAbandonedAsync(PostbackTransaction transaction, string? endpointName, string reason, CancellationToken cancellationToken)
    {
        _arrived.Writer.TryWrite(null);
        return ValueTask.CompletedTask;
    }
}
