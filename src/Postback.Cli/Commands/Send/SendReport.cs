using System;
using System.Globalization;
using System.Linq;
using System.Text;
using Postback.Cli.Shell;
using Spectre.Console;

namespace Postback.Cli.Commands.Send;

/// <summary>Prints a send's result, or a dry run's request, as a short key/value grid, and picks the exit code.</summary>
internal static class SendReport
{
    // Enough of the response to see the partner's answer ("OK", an error text), never a whole page.
    private const int ResponsePreview = 256;

    public static int Sent(PostbackHttpMethod method, PostbackResult result)
    {
        var grid = Grid();
        Row(grid, "Endpoint", result.EndpointName);
        Row(grid, "Request", $"{method.ToString().ToUpperInvariant()} {result.RedactedUrl ?? "-"}");
        Row(grid, "Status", result.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "-");
        Row(grid, "Attempts", result.Attempts.ToString(CultureInfo.InvariantCulture));
        Row(grid, "Time", Durations.Format(result.Elapsed));
        if (result.ResponseBody is { } response)
        {
            Row(grid, "Response", Preview(response, result.ResponseBodyTruncated));
        }

        if (result.IdempotencyKey is { } key)
        {
            Row(grid, "Idempotency key", key);
        }

        grid.AddRow(new Text("Outcome"), new Markup(OutcomeMarkup(result)));
        Terminal.Out.Write(grid);
        if (result.Outcome == PostbackOutcome.Blocked)
        {
            Terminal.Out.WriteLine("The SSRF guard blocked this destination. If it is yours on purpose (a test receiver, a partner on your network), allow exactly its range, such as --allow-network 127.0.0.1/32.");
        }

        return result.IsDelivered ? ExitCodes.Ok : ExitCodes.Failed;
    }

    public static int DryRun(SentPostback? request, PostbackResult result, PostbackSecurityOptions security)
    {
        if (request is null)
        {
            // The fake refuses what the real sender would refuse (an invalid request), and records nothing.
            return Sent(PostbackHttpMethod.Get, result);
        }

        var verdict = new PostbackAddressPolicy(security).EvaluateUrl(request.Url);
        var grid = Grid();
        Row(grid, "Endpoint", request.EndpointName);
        Row(grid, "Request", $"{request.Method.ToString().ToUpperInvariant()} {request.Url}");
        Row(grid, "Redacted", PostbackUrlRedactor.Redact(request.Url));
        if (request.ContentType is { } contentType)
        {
            Row(grid, "Content-Type", contentType);
        }

        if (request.Body is { } body)
        {
            Row(grid, "Body", body);
        }

        foreach (var header in request.Headers.Keys.Order(StringComparer.OrdinalIgnoreCase))
        {
            // Header values are often credentials (X-Api-Key); only their names are shown.
            Row(grid, "Header", header + ": " + PostbackUrlRedactor.Mask);
        }

        Row(grid, "Idempotency key", request.IdempotencyKey);
        grid.AddRow(new Text("Guard"), new Markup(verdict.IsAllowed
            ? "[green]allowed[/] (host names are checked again when resolved, at connect time)"
            : "[red]blocked[/]: " + Markup.Escape(verdict.Reason ?? string.Empty)));
        grid.AddRow(new Text("Outcome"), new Markup("[grey]not sent (dry run)[/]"));
        Terminal.Out.Write(grid);
        return verdict.IsAllowed ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static string OutcomeMarkup(PostbackResult result)
    {
        var colour = result.Outcome switch
        {
            PostbackOutcome.Delivered => "green",
            PostbackOutcome.Failed => "yellow",
            _ => "red",
        };
        var detail = result.ErrorType is null ? string.Empty : $" ({result.ErrorType}{(result.ErrorMessage is null ? string.Empty : ": " + result.ErrorMessage)})";
        return $"[{colour}]{result.Outcome}[/]{Markup.Escape(detail)}";
    }

    private static string Preview(string response, bool truncated)
    {
        var text = new StringBuilder();
        foreach (var c in response.AsSpan(0, Math.Min(response.Length, ResponsePreview)))
        {
            text.Append(c switch { '\r' => "\\r", '\n' => "\\n", '\t' => "\\t", _ when char.IsControl(c) => "\u00B7", _ => c.ToString() });
        }

        if (truncated || response.Length > ResponsePreview)
        {
            text.Append(" ...");
        }

        return text.ToString();
    }

    private static Grid Grid() => new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();

    private static void Row(Grid grid, string label, string value) => grid.AddRow(new Text(label), new Text(value));
}
