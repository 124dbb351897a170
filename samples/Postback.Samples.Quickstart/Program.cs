using System.Globalization;
using Postback;

// The quickstart shows the whole template lifecycle: parse once, lint, render per transaction, and the errors a
// partner's template or a hostile value can cause. It only prints: nothing here opens a socket, so it runs the same
// on a laptop, in CI and behind a firewall.

// Fixed values, so the output is the same on every run and can be compared with the README.
var eventTime = new DateTimeOffset(2026, 11, 26, 13, 45, 0, TimeSpan.FromHours(-5));

// The output is two columns: a label, then a template, a rendered postback or a message.
const int LabelWidth = 16;
const int MessageWidth = 96;

Console.WriteLine("Postback.Core quickstart: parse once, render per transaction. Nothing is sent.");

// 1. Parse the FlexOffers example once. Parsing is the step that can fail and that allocates, so it belongs where the
//    partner saves the template, not on the hot path; the compiled template is immutable and shared across threads.
//    Warnings are things that parse but are probably wrong; this example uses http, so PB106 shows.
Heading("1. Parse the FlexOffers example once");
var flexOffers = PostbackTemplate.Parse(
    "http://yourdomain.com/pixel.track?sid=#fobs#&orderid=#on#&amount=#sa#&commission=#ca#&date=#et#");
Row("template", flexOffers.Text);
Row("macros", DescribeMacros(flexOffers));
foreach (var warning in flexOffers.Warnings)
{
    Message($"{warning.Id} at {warning.Position}", warning.Message);
}

// 2. Render it for a few transactions. Every value is untrusted (a sub-id comes from whoever clicked the link), so
//    each one is percent-encoded for the query: '&' and '=' cannot add parameters, and non-ASCII goes out as UTF-8.
Heading("2. Render it per transaction");
var plain = new PostbackTransaction
{
    SubId1 = "pub-7781",
    OrderNumber = "ORD-2026-000123",
    SaleAmount = 129.95m,
    CommissionAmount = 12.99m,
    EventTime = eventTime,
};
Row("plain", flexOffers.Render(plain));

var awkward = new PostbackTransaction
{
    SubId1 = "summer sale & more – ü",
    OrderNumber = "ORD-2026-000124",
    SaleAmount = 59.00m,
    CommissionAmount = 5.90m,
    EventTime = eventTime,
};
Row("awkward sub-id", flexOffers.Render(awkward));

// A lead with no sale yet: by default a missing value renders empty, so the partner still gets the order number.
var missing = new PostbackTransaction { OrderNumber = "ORD-2026-000125" };
Row("missing values", flexOffers.Render(missing));

// A partner who wants a marker instead of an empty parameter writes a |default into the macro.
var withDefaults = PostbackTemplate.Parse("https://yourdomain.com/pixel.track?sid=#fobs|none#&orderid=#on#&amount=#sa|0#");
Row("with |defaults", withDefaults.Text);
Row(string.Empty, withDefaults.Render(missing));

// A partner who would rather get nothing than an incomplete postback picks MissingValuePolicy.Fail; TryRender
// reports that as an error, naming the macro but never the value, which may be personal data.
var strict = PostbackTemplate.Parse(
    "https://yourdomain.com/pixel.track?sid=#fobs#&orderid=#on#",
    new PostbackTemplateOptions { MissingValues = MissingValuePolicy.Fail });
if (!strict.TryRender(missing, out _, out var missingError))
{
    Message("policy Fail", $"{missingError.Code}: {missingError.Message}");
}

// Numbers and dates are always formatted with the invariant culture: a server running under de-DE must not send
// "1234,50", which the partner's parser would read as 1234 or reject.
var germanSale = new PostbackTransaction
{
    SubId1 = "pub-7781",
    OrderNumber = "ORD-2026-000126",
    SaleAmount = 1234.50m,
    CommissionAmount = 123.45m,
    EventTime = eventTime,
};
var previousCulture = CultureInfo.CurrentCulture;
try
{
    CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
    Row("under de-DE", flexOffers.Render(germanSale));
    Row(string.Empty, $"(1234.50m.ToString() gives \"{1234.50m.ToString(CultureInfo.CurrentCulture)}\" here)");
}
finally
{
    CultureInfo.CurrentCulture = previousCulture;
}

// 3. Tracker-style templates (TUNE, Everflow, Voluum, Keitaro, Binom) use {name} and names of their own. The open
//    catalog accepts any name and reads it from Extra. A macro in the host is validated, not encoded: a value that
//    is not a plain host name fails the render, so no value can redirect the request (here, via user-info).
Heading("3. Tracker style: {braces}, open catalog, a macro in the host");
var tracker = PostbackTemplate.Parse(
    "https://{trackingDomain}/postback?cid={clickid}&payout={payout}",
    new PostbackTemplateOptions { Syntax = MacroSyntax.Braces, Catalog = MacroCatalog.Open });
Row("template", tracker.Text);
Row("macros", DescribeMacros(tracker));

var conversion = new PostbackTransaction();
conversion.Extra["trackingDomain"] = "track.example.com";
conversion.Extra["clickid"] = "c9f2e1a7";
conversion.Extra["payout"] = "4.20";
Row("valid host", tracker.Render(conversion));

// TryRender, not Render: a bad value supplied by a partner is an expected outcome to log, not an exception.
conversion.Extra["trackingDomain"] = "evil.example@10.0.0.1";
if (tracker.TryRender(conversion, out var rendered, out var hostError))
{
    Row("hostile host", rendered);
}
else
{
    Message("hostile host", $"{hostError.Code}: {hostError.Message}");
}

// 4. The same macros can fill a request body. The kind decides the encoding: in JSON a value inside quotes is
//    escaped, outside quotes a number stays a number, anything else becomes a quoted string and a missing value
//    null, so the body stays valid JSON whatever the values; a form body is form-encoded (space becomes '+').
Heading("4. Request bodies: JSON and form");
var json = PostbackTemplate.Parse(
    """{"sid": "#fobs#", "order": #on#, "amount": #sa#, "commission": #ca:0.00#, "time": #et:unix#, "program": #programid#}""",
    new PostbackTemplateOptions { Kind = PostbackTemplateKind.JsonBody });
var quoted = new PostbackTransaction
{
    SubId1 = "say \"hi\" \\ bye",
    OrderNumber = "ORD-2026-000127",
    SaleAmount = 42.5m,
    CommissionAmount = 4.25m,
    EventTime = eventTime,
};
Row("json template", json.Text);
Row("json body", json.Render(quoted));

var form = PostbackTemplate.Parse("sid=#fobs#&orderid=#on#&amount=#sa#", new PostbackTemplateOptions { Kind = PostbackTemplateKind.FormBody });
Row("form template", form.Text);
Row("form body", form.Render(awkward));

// 5. A template the partner mistyped fails at parse time, when they save it, with the position and a suggestion,
//    rather than as a silent stream of postbacks with '#fob#' in them.
Heading("5. Parse errors say where and what");
string[] broken =
[
    "https://yourdomain.com/pixel.track?sid=#fob#&orderid=#on#",
    "https://yourdomain.com/pixel.track?sid=#fobs:unix#&orderid=#on#",
];
for (var i = 0; i < broken.Length; i++)
{
    if (PostbackTemplate.TryParse(broken[i], null, out _, out var error))
    {
        continue;
    }

    if (i > 0)
    {
        Console.WriteLine();
    }

    Row("template", broken[i]);
    Row(string.Empty, new string(' ', error.Position) + new string('^', error.Text.Length));
    Message(error.Code.ToString(), error.Message);
}

return 0;

static void Heading(string title)
{
    Console.WriteLine();
    Console.WriteLine(title);
}

// Each macro as written and where it stands: the place, decided at parse time, is what decides its encoding.
static string DescribeMacros(PostbackTemplate template) =>
    string.Join(", ", template.Macros.Select(m => $"{template.Text.Substring(m.Position, m.Length)} ({m.Context})"));

// Labels in one column and values in the next. Templates and rendered output are printed whole, so they can be
// copied; only prose (warnings, errors) wraps, under its own column.
static void Row(string label, string value) => Console.WriteLine($"  {label,-LabelWidth} {value}");

static void Message(string label, string text)
{
    var lines = Wrap(text, MessageWidth);
    Row(label, lines[0]);
    foreach (var line in lines.Skip(1))
    {
        Row(string.Empty, line);
    }
}

static List<string> Wrap(string text, int width)
{
    var lines = new List<string>();
    var line = string.Empty;
    foreach (var word in text.Split(' '))
    {
        if (line.Length > 0 && line.Length + 1 + word.Length > width)
        {
            lines.Add(line);
            line = word;
        }
        else
        {
            line = line.Length == 0 ? word : line + " " + word;
        }
    }

    lines.Add(line);
    return lines;
}
