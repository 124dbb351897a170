using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Postback.Tests.Support;

namespace Postback.Tests.Delivery;

/// <summary>Logs, metrics and the activity of a send; none of them may carry the rendered URL or a value.</summary>
public sealed class TelemetryTests
{
    private const string Secret = "SECRET-5f3c9a1e-subid";

    private static ServiceProvider Build(Action<PostbackOptions>? configure = null) =>
        PostbackTestHost.BuildServices(configure, services => services.AddFakeLogging());

    private static PostbackEndpoint Endpoint(string name, string url) => new(name, PostbackTemplate.Parse(url));

    private static IEnumerable<string> Texts(FakeLogRecord record)
    {
        yield return record.Message;
        if (record.StructuredState is { } state)
        {
            foreach (var (key, value) in state)
            {
                yield return key;
                yield return value ?? string.Empty;
            }
        }

        foreach (var scope in record.Scopes)
        {
            yield return scope?.ToString() ?? string.Empty;
        }

        yield return record.Exception?.ToString() ?? string.Empty;
    }

    private static void ShouldNotLeak(FakeLogCollector logs, params string[] forbidden)
    {
        var records = logs.GetSnapshot();
        records.Should().NotBeEmpty();
        foreach (var record in records)
        {
            foreach (var text in Texts(record))
            {
                foreach (var value in forbidden)
                {
                    text.Should().NotContain(value, $"log record {record.Id} ({record.Category}) must not carry the URL or its values");
                }
            }
        }
    }

    private static FakeLogRecord[] Events(FakeLogCollector logs, int eventId) =>
        [.. logs.GetSnapshot().Where(r => r.Category == "Postback.Internal.DefaultPostbackSender" && r.Id.Id == eventId)];

    [Fact]
    public async Task Delivered_rejected_failed_and_retrying_are_logged_with_their_event_ids_and_never_the_URL_or_values()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = Build(o =>
        {
            o.MaxRetryAttempts = 1;
            o.CircuitBreaker.Enabled = false; // four attempts, two failed, would open the default breaker before the last send
        });
        var logs = services.GetRequiredService<FakeLogCollector>();
        var sender = services.GetRequiredService<IPostbackSender>();
        var transaction = new PostbackTransaction { SubId1 = Secret, OrderNumber = "ORD-77" };
        var endpoint = Endpoint("acme", receiver.BaseUrl + "/pb?sid=#fobs#&on=#on#");
        var rendered = endpoint.Url.Render(transaction);

        receiver.Enqueue(KestrelReceiver.Respond(503));
        var delivered = await sender.SendAsync(endpoint, transaction);
        receiver.Enqueue(KestrelReceiver.Respond(404, "unknown " + Secret));
        var rejected = await sender.SendAsync(endpoint, transaction);
        receiver.Enqueue(KestrelReceiver.Respond(500), KestrelReceiver.Respond(500));
        var failed = await sender.SendAsync(endpoint, transaction);

        delivered.Outcome.Should().Be(PostbackOutcome.Delivered, delivered.ToString());
        rejected.Outcome.Should().Be(PostbackOutcome.Rejected);
        failed.Outcome.Should().Be(PostbackOutcome.Failed);

        var deliveredLog = Events(logs, 1).Should().ContainSingle().Subject;
        deliveredLog.Level.Should().Be(LogLevel.Debug);
        deliveredLog.Id.Name.Should().Be("PostbackDelivered");
        deliveredLog.GetStructuredStateValue("EndpointName").Should().Be("acme");
        deliveredLog.GetStructuredStateValue("Host").Should().Be("127.0.0.1");
        deliveredLog.GetStructuredStateValue("StatusCode").Should().Be("200");
        deliveredLog.GetStructuredStateValue("Attempts").Should().Be("2");
        Events(logs, 2).Should().ContainSingle().Which.Level.Should().Be(LogLevel.Warning);
        Events(logs, 3).Should().ContainSingle().Which.GetStructuredStateValue("ErrorType").Should().Be(PostbackErrorTypes.HttpError);
        var retrying = Events(logs, 7);
        retrying.Should().HaveCount(2, "one retry of the delivered send and one of the failed send");
        retrying.Should().AllSatisfy(r => r.Level.Should().Be(LogLevel.Information));
        retrying.Select(r => r.GetStructuredStateValue("Reason")).Should().Equal("503", "500");

        ShouldNotLeak(logs, Secret, Uri.EscapeDataString(Secret), rendered, "sid=", "ORD-77");
    }

    [Fact]
    public async Task Invalid_skipped_and_provider_events_carry_their_event_ids_and_no_values()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices(
            o => o.AddEndpoint("configured", e => e.Url = receiver.BaseUrl + "/pb?sid=#fobs#"),
            s =>
            {
                s.AddFakeLogging();
                s.AddSingleton<IPostbackEndpointProvider>(new BrokenProvider(receiver.BaseUrl));
            });
        var logs = services.GetRequiredService<FakeLogCollector>();
        var sender = services.GetRequiredService<IPostbackSender>();
        var open = new PostbackTemplateOptions { Syntax = MacroSyntax.Braces, Catalog = MacroCatalog.Open };
        var hostTemplate = new PostbackEndpoint("render", PostbackTemplate.Parse("http://{domain}/pb", open));
        var bad = new PostbackTransaction();
        bad.Extra["domain"] = Secret + "/x y";

        (await sender.SendAsync(hostTemplate, bad)).Outcome.Should().Be(PostbackOutcome.Invalid);
        (await sender.SendAsync(new PostbackEndpoint("off", PostbackTemplate.Parse(receiver.BaseUrl + "/pb"), enabled: false), bad)).Outcome.Should().Be(PostbackOutcome.Skipped);
        await services.GetRequiredService<IPostbackDispatcher>().DispatchAsync(new PostbackTransaction { SubId1 = Secret });

        logs.GetSnapshot().Should().Contain(r => r.Id.Id == 5 && r.Level == LogLevel.Error);
        logs.GetSnapshot().Should().Contain(r => r.Id.Id == 6 && r.Level == LogLevel.Debug);
        logs.GetSnapshot().Should().Contain(r => r.Id.Id == 9 && r.Level == LogLevel.Error && r.Message.Contains("broken-endpoint"));
        ShouldNotLeak(logs, Secret, Uri.EscapeDataString(Secret));
    }

    [Fact]
    public async Task A_value_in_the_path_never_reaches_any_log()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = Build();
        var logs = services.GetRequiredService<FakeLogCollector>();
        var endpoint = Endpoint("path", receiver.BaseUrl + "/u/#fobs#/pb");

        var result = await services.GetRequiredService<IPostbackSender>().SendAsync(endpoint, new PostbackTransaction { SubId1 = Secret });

        result.Outcome.Should().Be(PostbackOutcome.Delivered);
        receiver.Requests.Should().ContainSingle().Which.Path.Should().Be("/u/" + Secret + "/pb");
        ShouldNotLeak(logs, Secret);
    }

    [Fact]
    public async Task The_send_duration_histogram_and_the_sends_counter_record_one_measurement_per_send_with_tags()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = Build(o => o.MaxRetryAttempts = 1);
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var duration = new MetricCollector<double>(meterFactory, PostbackTelemetryNames.SourceName, PostbackTelemetryNames.SendDuration);
        using var sends = new MetricCollector<long>(meterFactory, PostbackTelemetryNames.SourceName, PostbackTelemetryNames.Sends);
        using var retries = new MetricCollector<long>(meterFactory, PostbackTelemetryNames.SourceName, PostbackTelemetryNames.Retries);
        var sender = services.GetRequiredService<IPostbackSender>();
        var transaction = new PostbackTransaction { SubId1 = Secret };

        receiver.Enqueue(KestrelReceiver.Respond(503));
        await sender.SendAsync(Endpoint("metered", receiver.BaseUrl + "/pb?sid=#fobs#"), transaction);
        receiver.Enqueue(KestrelReceiver.Respond(400));
        await sender.SendAsync(Endpoint("metered", receiver.BaseUrl + "/pb?sid=#fobs#"), transaction);
        await sender.SendAsync(new PostbackEndpoint("metered-off", PostbackTemplate.Parse(receiver.BaseUrl + "/pb"), enabled: false), transaction);

        var measured = duration.GetMeasurementSnapshot();
        measured.Should().HaveCount(2, "one per send that made an attempt");
        measured.Should().AllSatisfy(m => m.Value.Should().BeGreaterThan(0));
        measured[0].Tags.Should().Contain(PostbackTelemetryNames.EndpointTag, "metered")
            .And.Contain(PostbackTelemetryNames.OutcomeTag, "delivered")
            .And.Contain(PostbackTelemetryNames.StatusCodeTag, 200)
            .And.NotContainKey(PostbackTelemetryNames.ErrorTypeTag);
        measured[1].Tags.Should().Contain(PostbackTelemetryNames.OutcomeTag, "rejected")
            .And.Contain(PostbackTelemetryNames.StatusCodeTag, 400)
            .And.Contain(PostbackTelemetryNames.ErrorTypeTag, PostbackErrorTypes.HttpError);

        var counted = sends.GetMeasurementSnapshot();
        counted.Should().HaveCount(3);
        counted.Should().AllSatisfy(m => m.Value.Should().Be(1));
        counted.Select(m => m.Tags[PostbackTelemetryNames.OutcomeTag]).Should().Equal("delivered", "rejected", "skipped");
        counted[2].Tags.Should().Contain(PostbackTelemetryNames.EndpointTag, "metered-off").And.NotContainKey(PostbackTelemetryNames.StatusCodeTag);

        retries.GetMeasurementSnapshot().Should().ContainSingle().Which.Tags.Should().Contain(PostbackTelemetryNames.EndpointTag, "metered");

        foreach (var tags in measured.Select(m => m.Tags).Concat(counted.Select(m => m.Tags)))
        {
            tags.Values.Select(v => v?.ToString()).Should().NotContain(v => v != null && v.Contains(Secret));
        }
    }

    [Fact]
    public async Task A_meter_listener_that_starts_after_sends_began_gets_every_later_send_with_its_tags()
    {
        // Nothing is recorded while nobody listens (the tags are not even built); a listener that comes later must
        // still get every send from then on, with the same instruments and tags.
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = Build();
        var sender = services.GetRequiredService<IPostbackSender>();
        var endpoint = Endpoint("late-listener", receiver.BaseUrl + "/pb?sid=#fobs#");
        (await sender.SendAsync(endpoint, new PostbackTransaction { SubId1 = Secret })).IsDelivered.Should().BeTrue();

        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var duration = new MetricCollector<double>(meterFactory, PostbackTelemetryNames.SourceName, PostbackTelemetryNames.SendDuration);
        using var sends = new MetricCollector<long>(meterFactory, PostbackTelemetryNames.SourceName, PostbackTelemetryNames.Sends);
        receiver.Enqueue(KestrelReceiver.Respond(404));
        await sender.SendAsync(endpoint, new PostbackTransaction { SubId1 = Secret });
        await sender.SendAsync(endpoint, new PostbackTransaction { SubId1 = Secret });

        sends.GetMeasurementSnapshot().Select(m => m.Tags[PostbackTelemetryNames.OutcomeTag]).Should().Equal("rejected", "delivered");
        sends.GetMeasurementSnapshot()[0].Tags.Should().Contain(PostbackTelemetryNames.EndpointTag, "late-listener")
            .And.Contain(PostbackTelemetryNames.StatusCodeTag, 404)
            .And.Contain(PostbackTelemetryNames.ErrorTypeTag, PostbackErrorTypes.HttpError);
        duration.GetMeasurementSnapshot().Should().HaveCount(2);
        duration.GetMeasurementSnapshot()[1].Tags.Should().Contain(PostbackTelemetryNames.OutcomeTag, "delivered")
            .And.Contain(PostbackTelemetryNames.StatusCodeTag, 200);
    }

    [Fact]
    public async Task A_retry_after_a_timeout_is_counted_and_logged()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        receiver.Handle(receiver.NeverAnswer());
        await using var services = Build(o =>
        {
            o.AttemptTimeout = TimeSpan.FromMilliseconds(300);
            o.ConnectTimeout = TimeSpan.FromMilliseconds(300);
            o.MaxRetryAttempts = 1;
        });
        using var retries = new MetricCollector<long>(services.GetRequiredService<IMeterFactory>(), PostbackTelemetryNames.SourceName, PostbackTelemetryNames.Retries);
        var logs = services.GetRequiredService<FakeLogCollector>();

        var result = await services.GetRequiredService<IPostbackSender>().SendAsync(Endpoint("slow", receiver.BaseUrl + "/pb"), new PostbackTransaction());

        result.ErrorType.Should().Be(PostbackErrorTypes.Timeout);
        result.Attempts.Should().Be(2);
        retries.GetMeasurementSnapshot().Should().ContainSingle();
        Events(logs, 7).Should().ContainSingle();
    }

    [Fact]
    public async Task The_send_activity_has_the_outcome_tags_and_no_values()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = Build();
        var name = "traced-" + Guid.NewGuid().ToString("N");
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PostbackTelemetryNames.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem(PostbackTelemetryNames.EndpointTag) as string == name)
                {
                    lock (stopped)
                    {
                        stopped.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        receiver.Enqueue(KestrelReceiver.Respond(503));
        await services.GetRequiredService<IPostbackSender>().SendAsync(Endpoint(name, receiver.BaseUrl + "/pb?sid=#fobs#"), new PostbackTransaction { SubId1 = Secret });

        Activity activity;
        lock (stopped)
        {
            activity = stopped.Should().ContainSingle().Subject;
        }

        activity.OperationName.Should().Be(PostbackTelemetryNames.SendActivity);
        activity.GetTagItem(PostbackTelemetryNames.OutcomeTag).Should().Be("delivered");
        activity.GetTagItem(PostbackTelemetryNames.AttemptsTag).Should().Be(2);
        activity.GetTagItem(PostbackTelemetryNames.StatusCodeTag).Should().Be(200);
        activity.GetTagItem(PostbackTelemetryNames.ServerAddressTag).Should().Be("127.0.0.1");
        activity.Status.Should().Be(ActivityStatusCode.Unset);
        activity.TagObjects.Select(t => t.Value?.ToString()).Should().NotContain(v => v != null && v.Contains(Secret));
    }

    private sealed class BrokenProvider(string baseUrl) : IPostbackEndpointProvider
    {
        public ValueTask<IEnumerable<PostbackEndpointOptions>> GetEndpointsAsync(PostbackTransaction transaction, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IEnumerable<PostbackEndpointOptions>>(
            [
                new PostbackEndpointOptions { Name = "broken-endpoint", Url = baseUrl + "/pb?sid=#nope#" },
            ]);
    }
}
