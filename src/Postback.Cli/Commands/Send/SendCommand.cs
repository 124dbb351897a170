using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Postback.Cli.Commands.Shared;
using Postback.Cli.Shell;

namespace Postback.Cli.Commands.Send;

/// <summary>
/// <c>postback send</c>: a real test send through the library as production runs it: <c>AddPostbacks</c>, the
/// dispatcher, the sender with its retries, timeouts and connect-time SSRF guard. The guard is never turned off here;
/// <c>--allow-network</c> adds ranges to <c>Security:AllowedNetworks</c>, the documented way to reach loopback or a
/// private partner. <c>--dry-run</c> swaps in the library's <see cref="FakePostbackSender"/>, which builds and checks
/// the request exactly as the real sender does, and shows it instead of sending it.
/// </summary>
internal static class SendCommand
{
    private const string AdHocEndpoint = "cli";

    public static Command Create()
    {
        var template = new Argument<string?>("template") { Description = "The URL template to send (or use --config and --endpoint).", Arity = ArgumentArity.ZeroOrOne };
        var config = new Option<FileInfo?>("--config") { Description = "An appsettings.json whose Postbacks section holds the endpoint.", HelpName = "appsettings.json" };
        var endpoint = new Option<string?>("--endpoint") { Description = "With --config, the endpoint to send to; without it, the name given to the template's endpoint (default: cli).", HelpName = "name" };
        var section = new Option<string>("--section") { Description = "With --config, the section that holds the postback options.", DefaultValueFactory = _ => PostbackOptions.DefaultSectionName };
        var method = new Option<PostbackHttpMethod>("--method") { Description = "Get (the default) or Post.", DefaultValueFactory = _ => PostbackHttpMethod.Get };
        var body = new Option<string?>("--body") { Description = "A body template (with --method Post).", HelpName = "template" };
        var bodyFormat = new Option<PostbackBodyFormat>("--body-format") { Description = "Form (the default) or Json.", DefaultValueFactory = _ => PostbackBodyFormat.Form };
        var allowNetwork = new Option<string[]>("--allow-network")
        {
            Description = "A CIDR range the SSRF guard allows although it is denied by default, such as 127.0.0.1/32 for a receiver on loopback (repeat it).",
            HelpName = "cidr",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var retries = new Option<int?>("--retries") { Description = "Retries after the first attempt (MaxRetryAttempts, 0 to 10; default: the configuration's, else 3)." };
        var timeout = new Option<string?>("--timeout") { Description = "The whole send's time limit (TotalTimeout), such as 10s or 1m.", HelpName = "duration" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Build and check the request, and show it, without sending it." };
        var settings = new TemplateOptionSet();
        var values = new TransactionValues();

        var command = new Command("send", "Send one postback for real, through the library's sender and its SSRF guard, and show the method, redacted URL, status, attempts, timing, the start of the response and the outcome.")
        {
            template, config, endpoint, section, method, body, bodyFormat, allowNetwork, retries, timeout, dryRun,
        };
        settings.AddTo(command, withKind: false);
        values.AddTo(command);
        command.WithExamples(
            "postback send 'https://partner.example/pb?sid=#fobs#&amount=#sa#' --set fobs=abc --set sa=12.5",
            "postback send 'http://127.0.0.1:8080/pb?sid=#fobs#' --set fobs=abc --allow-network 127.0.0.1/32",
            "postback send --config appsettings.json --endpoint acme-pixel --set fobs=abc --set on=ORD-1 --dry-run",
            "postback send 'https://partner.example/conv' --method Post --body '{\"sid\": \"#fobs#\"}' --body-format Json --set fobs=abc");

        command.SetAction(async (parse, cancellationToken) =>
        {
            var request = new SendRequest(
                parse.GetValue(template),
                parse.GetValue(config),
                parse.GetValue(endpoint),
                parse.GetRequiredValue(section),
                parse.GetValue(method),
                parse.GetValue(body),
                parse.GetValue(bodyFormat),
                parse.GetValue(allowNetwork) ?? [],
                parse.GetValue(retries),
                ParseTimeout(parse.GetValue(timeout)),
                parse.GetValue(dryRun));
            return await RunAsync(request, parse, settings, values, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(SendRequest request, ParseResult parse, TemplateOptionSet settings, TransactionValues values, CancellationToken cancellationToken)
    {
        CheckNetworks(request.AllowNetworks);
        var services = new ServiceCollection();
        services.AddLogging();
        IPostbackBuilder builder;
        string name;
        MacroCatalog catalog;
        if (request.Config is { } file)
        {
            if (request.Template is not null)
            {
                throw new UsageException("Give a template or --config, not both.");
            }

            var configuration = LoadConfiguration(file);
            name = request.Endpoint ?? throw new UsageException("--config needs --endpoint <name>.");
            var endpoints = configuration.GetSection(request.Section + ":Endpoints");
            var definition = endpoints.GetChildren().FirstOrDefault(e => string.Equals(e.Key, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new UsageException($"{file.Name} has no endpoint '{name}' under {request.Section}:Endpoints. Known: {string.Join(", ", endpoints.GetChildren().Select(e => e.Key))}.");
            name = definition.Key;
            catalog = TemplateOptionSet.CatalogOf(definition["Catalog"]);
            builder = services.AddPostbacks(configuration.GetSection(request.Section));
        }
        else
        {
            var text = request.Template ?? throw new UsageException("Give a URL template, or --config <appsettings.json> --endpoint <name>.");
            var options = settings.Read(parse);
            name = request.Endpoint ?? AdHocEndpoint;
            catalog = options.Catalog;

            // Parsed here first only to show a template error as lint does, with a caret; the endpoint parses it again.
            if (!CheckTemplate(text, options) || (request.Body is { } bodyText && !CheckTemplate(bodyText, options with
            {
                Kind = request.BodyFormat == PostbackBodyFormat.Json ? PostbackTemplateKind.JsonBody : PostbackTemplateKind.FormBody,
            })))
            {
                return ExitCodes.Failed;
            }

            builder = services.AddPostbacks(o => o.AddEndpoint(name, e =>
            {
                e.Url = text;
                e.Syntax = parse.GetValue(settings.Syntax)!;
                e.Catalog = parse.GetValue(settings.Catalog)!;
                e.Method = request.Method;
                e.Body = request.Body;
                e.BodyFormat = request.BodyFormat;
            }));
        }

        services.PostConfigure<PostbackOptions>(o => Narrow(o, name, request));
        var fake = request.DryRun ? new FakePostbackSender() : null;
        if (fake is not null)
        {
            builder.UseSender(fake);
        }

        var transaction = values.Read(parse, catalog);
        await using var provider = services.BuildServiceProvider();
        PostbackOptions settled;
        try
        {
            settled = provider.GetRequiredService<IOptions<PostbackOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
            {
                Terminal.Error(failure);
            }

            return request.Config is null ? ExitCodes.Usage : ExitCodes.Failed;
        }

        var endpointOptions = settled.Endpoints[name];
        var results = await provider.GetRequiredService<IPostbackDispatcher>().DispatchAsync(transaction, cancellationToken).ConfigureAwait(false);
        if (results.Count == 0)
        {
            Terminal.Error($"Endpoint '{name}' is disabled (Enabled: false); nothing was sent.");
            return ExitCodes.Failed;
        }

        var result = results[0];
        return fake is not null
            ? SendReport.DryRun(fake.Sent is [var sent, ..] ? sent : null, result, settled.Security)
            : SendReport.Sent(endpointOptions.Method, result);
    }

    /// <summary>Only the chosen endpoint is sent to, whatever its traffic sources; the command line's limits and allowances apply.</summary>
    private static void Narrow(PostbackOptions options, string name, SendRequest request)
    {
        foreach (var other in options.Endpoints.Keys.Where(k => !string.Equals(k, name, StringComparison.OrdinalIgnoreCase)).ToArray())
        {
            options.Endpoints.Remove(other);
        }

        if (options.Endpoints.TryGetValue(name, out var endpoint))
        {
            endpoint.TrafficSources.Clear();
        }

        foreach (var network in request.AllowNetworks)
        {
            options.Security.AllowedNetworks.Add(network);
        }

        if (request.Retries is { } retries)
        {
            options.MaxRetryAttempts = retries;
        }

        if (request.Timeout is { } timeout)
        {
            options.TotalTimeout = timeout;
            options.AttemptTimeout = timeout < options.AttemptTimeout ? timeout : options.AttemptTimeout;
        }
    }

    private static bool CheckTemplate(string text, PostbackTemplateOptions options)
    {
        if (PostbackTemplate.TryParse(text, options, out _, out var error))
        {
            return true;
        }

        TemplateReport.Error(text, error);
        return false;
    }

    private static void CheckNetworks(string[] networks)
    {
        foreach (var network in networks)
        {
            try
            {
                var security = new PostbackSecurityOptions();
                security.AllowedNetworks.Add(network);
                _ = new PostbackAddressPolicy(security);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or OptionsValidationException)
            {
                throw new UsageException($"--allow-network '{network}' is not a CIDR range such as 127.0.0.1/32: {ex.Message}", ex);
            }
        }
    }

    private static IConfiguration LoadConfiguration(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new UsageException($"--config {file.FullName}: no such file.");
        }

        try
        {
            return new ConfigurationBuilder().AddJsonFile(file.FullName, optional: false, reloadOnChange: false).Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or IOException)
        {
            throw new UsageException($"--config {file.FullName}: {ex.Message}", ex);
        }
    }

    private static TimeSpan? ParseTimeout(string? text) =>
        text is null ? null
        : Durations.TryParseAge(text, out var timeout) && timeout > TimeSpan.Zero ? timeout
        : throw new UsageException($"--timeout '{text}' is not a duration such as 10s or 1m.");

    private sealed record SendRequest(
        string? Template,
        FileInfo? Config,
        string? Endpoint,
        string Section,
        PostbackHttpMethod Method,
        string? Body,
        PostbackBodyFormat BodyFormat,
        string[] AllowNetworks,
        int? Retries,
        TimeSpan? Timeout,
        bool DryRun);
}
