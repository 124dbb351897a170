using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Postback;
using Postback.Samples;

// The quickstart: the template engine in a few lines, then real postbacks over HTTP to a stand-in partner server.
// Nothing leaves the machine: the partner server listens on 127.0.0.1 only, and every postback URL points at it.
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
Heading("2. Postbacks over HTTP to a stand-in partner server on 127.0.0.1");
await using var partner = await LoopbackPartner.StartAsync(
    static postback => postback.Value("orderid") switch
    {
        "ORD-1003" when postback.Attempt == 1 => 503,
        "ORD-1004" => 400,
        _ => 200,
    },
    cancellationToken: deadline.Token);
Row("partner", $"http://127.0.0.1:{partner.Port} (Kestrel, loopback only, on a port picked at run time)");

// The Postbacks section comes from appsettings.json. Its URLs say {receiverPort} where the port goes, because the
// port is only known now; a configuration source added after the file overrides just those URLs with the real port.
// With real partners the URLs are complete in the file and this step does not exist.
var configuration = new ConfigurationManager();
configuration.SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json", optional: false);
configuration.AddInMemoryCollection(LoopbackPartner.PortOverrides(configuration, partner.Port));

// The SSRF guard denies loopback by default; Postbacks:Security:AllowedNetworks in appsettings.json lets exactly
// 127.0.0.1/32 through, for the stand-in partner. Without it every postback here would end Blocked.
var services = new ServiceCollection();
services.AddPostbacks(configuration.GetSection(PostbackOptions.DefaultSectionName));
await using var provider = services.BuildServiceProvider();
var dispatcher = provider.GetRequiredService<IPostbackDispatcher>();

// Reading the options validates them, templates included: a broken template stops the sample here, naming the endpoint.
var endpoints = provider.GetRequiredService<IOptions<PostbackOptions>>().Value.Endpoints;
var nameWidth = endpoints.Keys.Max(k => k.Length);
var first = true;
foreach (var (name, endpoint) in endpoints)
{
    var method = endpoint.Body is null ? endpoint.Method.ToString().ToUpperInvariant()
        : endpoint.BodyFormat == PostbackBodyFormat.Json ? "POST, JSON body" : "POST, form body";
    Row(first ? "endpoints" : string.Empty, $"{name.PadRight(nameWidth)}  {method,-16}  for traffic sources {string.Join(", ", endpoint.TrafficSources)}");
    first = false;
}

// The transactions, and what should happen to each: every endpoint whose traffic sources include the transaction's
// gets a postback, concurrently; the others get none.
Sample[] samples =
[
    new("a sale", Sale("ORD-1001", "email", "pub-7781", 129.95m, 12.99m), [new("acme-pixel", PostbackOutcome.Delivered, 1)]),
    new("a sub-id with spaces and &, from a source both partners take", awkward,
        [new("acme-pixel", PostbackOutcome.Delivered, 1), new("globex-json", PostbackOutcome.Delivered, 1)]),
    new("the partner fails the first attempt", Sale("ORD-1003", "social", "pub-7781", 24.50m, 2.45m), [new("globex-json", PostbackOutcome.Delivered, 2)]),
    new("the partner refuses it", Sale("ORD-1004", "email", "pub-9902", 310.00m, 31.00m), [new("acme-pixel", PostbackOutcome.Rejected, 1)]),
    new("a traffic source no partner takes", Sale("ORD-1005", "display", "pub-7781", 15.00m, 1.50m), []),
];

var postbacks = 0;
var unexpected = 0;
var outcomes = new SortedDictionary<PostbackOutcome, int>();
foreach (var sample in samples)
{
    var transaction = sample.Transaction;
    Console.WriteLine();
    Console.WriteLine($"{transaction.OrderNumber}, traffic source {transaction.TrafficSource}: {sample.Description}");
    var results = await dispatcher.DispatchAsync(transaction, deadline.Token);
    if (results.Count == 0)
    {
        var ok = sample.Expected.Length == 0;
        unexpected += ok ? 0 : sample.Expected.Length;
        Row("endpoint", $"none applies, so nothing is sent{Verdict(ok, "no postback")}");
        continue;
    }

    for (var i = 0; i < results.Count; i++)
    {
        var result = results[i];
        if (i > 0)
        {
            Console.WriteLine();
        }

        postbacks++;
        outcomes[result.Outcome] = outcomes.GetValueOrDefault(result.Outcome) + 1;

        // What the partner server decoded: one request per attempt, all with the result's idempotency key.
        var received = partner.ReceivedWith(result.IdempotencyKey);
        Row("endpoint", result.EndpointName);
        Row("url", result.RedactedUrl ?? "(none)");
        Row("received", received.Count == 0 ? "nothing" : $"{received[0].Method,-4} {received[0].Describe()}");
        if (received.Count > 0)
        {
            var statuses = string.Join(", then ", received.Select(r => r.Status));
            Row("answered", received.Count == 1 ? statuses : $"{statuses} (every attempt carried Idempotency-Key {result.IdempotencyKey})");
        }

        if (result.ErrorType is not null)
        {
            Message("error", $"{result.ErrorType}: {result.ErrorMessage}");
        }

        // As expected: the outcome and the number of attempts match, and the partner decoded the original values.
        var expected = sample.Expected.FirstOrDefault(e => e.Endpoint == result.EndpointName);
        var ok = expected is not null
            && result.Outcome == expected.Outcome
            && result.Attempts == expected.Attempts
            && received.Count == result.Attempts
            && received.All(r => r.Value("sid") == transaction.SubId1 && r.Value("orderid") == transaction.OrderNumber);
        unexpected += ok ? 0 : 1;
        var attempts = result.Attempts == 1 ? "1 attempt" : $"{result.Attempts} attempts";
        var status = result.StatusCode is { } code ? $" ({code})" : string.Empty;
        Row("outcome", $"{result.Outcome}{status} after {attempts}{Verdict(ok, expected is null ? "no postback" : $"{expected.Outcome} after {expected.Attempts}")}");
    }

    // An expected postback that produced no result at all is just as wrong as a wrong outcome.
    unexpected += sample.Expected.Count(e => !results.Any(r => r.EndpointName == e.Endpoint));
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

/// <summary>A transaction to dispatch, and the postbacks it should produce.</summary>
internal sealed record Sample(string Description, PostbackTransaction Transaction, Expectation[] Expected);

/// <summary>What should happen to the postback to one endpoint.</summary>
internal sealed record Expectation(string Endpoint, PostbackOutcome Outcome, int Attempts);
