using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Postback.Tests.Support;

namespace Postback.Tests.Outbox;

/// <summary>
/// The outbox engine on a fake clock, a real SQLite file and a real receiver on 127.0.0.1: the schedule, Retry-After,
/// endpoint health, retention, leases, and that nothing is lost or reported twice.
/// </summary>
public sealed class OutboxEngineTests
{
    private static readonly TimeSpan[] ShortSchedule = [TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30)];

    [Fact]
    public async Task The_schedule_is_followed_within_jitter_with_one_request_per_attempt_then_dead_and_a_replay_keeps_the_key()
    {
        await using var app = await OutboxApp.StartAsync(o => o.Schedule = [.. ShortSchedule]);
        app.Receiver.Handle(KestrelReceiver.Respond(503));

        await app.Host.Services.GetRequiredService<IPostbackQueue>().EnqueueAsync(OutboxApp.Transaction("o1"));
        await app.SettleAsync();

        for (var failed = 1; failed < ShortSchedule.Length; failed++)
        {
            var delivery = await app.SingleAsync();
            delivery.State.Should().Be(PostbackDeliveryState.Pending);
            delivery.FailedAttempts.Should().Be(failed);
            app.Receiver.HitCount.Should().Be(failed, "each scheduled attempt is exactly one HTTP request");
            var attempts = await app.Store.GetAttemptsAsync(delivery.Id);
            attempts.Should().HaveCount(failed);
            attempts[^1].StatusCode.Should().Be(503);
            attempts[^1].RedactedUrl.Should().NotContain("o1", "the log keeps the URL redacted");

            // The next attempt is due after the schedule's next delay, within ±20%.
            var delay = delivery.NextAttemptAt!.Value - attempts[^1].StartedAt;
            var scheduled = ShortSchedule[failed];
            delay.Should().BeGreaterThanOrEqualTo(scheduled * 0.8).And.BeLessThanOrEqualTo(scheduled * 1.2);

            (await app.AdvanceToNextDueAsync()).Should().BeTrue();
            (await app.Store.GetAttemptsAsync(delivery.Id))[^1].StartedAt.Should().Be(delivery.NextAttemptAt.Value, "the attempt ran when it came due");
        }

        var dead = await app.SingleAsync();
        dead.State.Should().Be(PostbackDeliveryState.Dead);
        app.Receiver.HitCount.Should().Be(ShortSchedule.Length);
        await OutboxApp.WaitUntilAsync(() => !app.Observer.Completed.IsEmpty);
        app.Observer.Completed.Should().ContainSingle().Which.Result.Outcome.Should().Be(PostbackOutcome.Failed);

        // Replay: same key, a fresh schedule.
        app.Receiver.Handle(KestrelReceiver.Respond(200, "ok"));
        (await app.Outbox.ReplayAsync(new PostbackOutboxFilter { Id = dead.Id })).Should().Be(1);
        await app.SettleAsync();
        (await app.SingleAsync()).State.Should().Be(PostbackDeliveryState.Delivered);
        app.Receiver.HitCount.Should().Be(ShortSchedule.Length + 1);
        app.Receiver.Requests.Select(r => r.Header("Idempotency-Key")).Distinct().Should().Equal(dead.IdempotencyKey);
        await OutboxApp.WaitUntilAsync(() => app.Observer.Completed.Count == 2);
        app.Observer.Completed.Last().Result.Outcome.Should().Be(PostbackOutcome.Delivered);
        app.Observer.Completed.Last().Result.IdempotencyKey.Should().Be(dead.IdempotencyKey);
    }

    [Fact]
    public async Task Retry_After_is_honoured_within_the_bound()
    {
        await using var app = await OutboxApp.StartAsync(o =>
        {
            o.Schedule = [TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)];
            o.MaxRetryAfter = TimeSpan.FromHours(2);
        });
        app.Receiver.Enqueue(
            KestrelReceiver.Respond(503, null, ("Retry-After", "3600")),
            KestrelReceiver.Respond(429, null, ("Retry-After", "100000")),
            KestrelReceiver.Respond(503, null, ("Retry-After", "1")));

        await app.Outbox.EnqueueAsync(OutboxApp.Transaction("o1"));
        await app.SettleAsync();
        var first = await app.SingleAsync();
        first.State.Should().Be(PostbackDeliveryState.Pending, $"{first} hits {app.Receiver.HitCount} now {app.Now:O}");
        (first.NextAttemptAt!.Value - app.Now).Should().Be(TimeSpan.FromHours(1), "the partner's wait is longer than the schedule's and within the bound");

        await app.AdvanceToNextDueAsync();
        var second = await app.SingleAsync();
        (second.NextAttemptAt!.Value - app.Now).Should().Be(TimeSpan.FromHours(2), "a longer wait is cut to MaxRetryAfter");

        await app.AdvanceToNextDueAsync();
        var third = await app.SingleAsync();
        (third.NextAttemptAt!.Value - app.Now).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(4)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(6), "a shorter wait never shortens the schedule");
        app.Receiver.HitCount.Should().Be(3);
    }

    [Fact]
    public async Task A_failed_scheduled_attempt_is_logged_as_one_attempt_not_as_a_postback_that_failed_on_every_attempt()
    {
        await using var app = await OutboxApp.StartAsync(o => o.Schedule = [TimeSpan.Zero, TimeSpan.FromMinutes(5)]);
        app.Receiver.Enqueue(KestrelReceiver.Respond(503, null));

        await app.Outbox.EnqueueAsync(OutboxApp.Transaction("o1"));
        await app.SettleAsync();
        (await app.SingleAsync()).State.Should().Be(PostbackDeliveryState.Pending);

        var records = app.Logs.GetSnapshot();
        records.Should().Contain(r => r.Id.Name == "PostbackAttemptFailed" && r.Level == LogLevel.Information && r.Message.Contains("answered 503.", StringComparison.Ordinal));
        records.Should().NotContain(r => r.Id.Name == "PostbackFailed", "the outbox decides what a failed attempt means; the sender does not warn that it failed on every attempt");
    }

    [Fact]
    public async Task An_endpoint_failing_by_the_policy_is_disabled_its_deliveries_parked_and_enabling_it_resumes_them()
    {
        await using var app = await OutboxApp.StartAsync(o =>
        {
            o.Jitter = 0;
            o.Schedule = [TimeSpan.Zero, .. Enumerable.Repeat(TimeSpan.FromMinutes(30), 9)];
            o.EndpointHealth.ConsecutiveFailures = 3;
            o.EndpointHealth.FailingFor = TimeSpan.FromHours(1);
        });
        app.Receiver.Handle(KestrelReceiver.Respond(500));

        await app.Outbox.EnqueueAsync(OutboxApp.Transaction("o1"));
        await app.SettleAsync();
        await app.AdvanceToNextDueAsync();
        (await app.SingleAsync()).State.Should().Be(PostbackDeliveryState.Pending, "two failures in 30 minutes are not enough");
        await app.AdvanceToNextDueAsync();

        var parked = await app.SingleAsync();
        parked.State.Should().Be(PostbackDeliveryState.Parked);
        parked.ParkReason.Should().Be(PostbackParkReasons.EndpointDisabled);
        app.Receiver.HitCount.Should().Be(3);
        await OutboxApp.WaitUntilAsync(() => !app.Health.Disabled.IsEmpty);
        app.Health.Disabled.Should().ContainSingle().Which.Name.Should().Be("acme");
        (await app.Store.GetEndpointsAsync()).Single(e => e.Name == "acme").Enabled.Should().BeFalse();

        // While disabled, new deliveries are stored parked and nothing is sent.
        await app.Outbox.EnqueueAsync(OutboxApp.Transaction("o2"));
        await app.SettleAsync();
        (await app.DeliveriesAsync()).Should().OnlyContain(d => d.State == PostbackDeliveryState.Parked);
        (await app.AdvanceToNextDueAsync()).Should().BeFalse("nothing is pending");
        app.Receiver.HitCount.Should().Be(3);
        app.Observer.Completed.Should().BeEmpty("parked is not final");

        app.Receiver.Handle(KestrelReceiver.Respond(200, "ok"));
        (await app.Outbox.EnableEndpointAsync("acme")).Should().BeTrue();
        await app.SettleAsync();
        (await app.DeliveriesAsync()).Should().HaveCount(2).And.OnlyContain(d => d.State == PostbackDeliveryState.Delivered);
        app.Health.Enabled.Should().Equal("acme");
        await OutboxApp.WaitUntilAsync(() => app.Observer.Completed.Count == 2);
        app.Observer.Completed.Select(c => c.Transaction.OrderNumber).Should().BeEquivalentTo(["o1", "o2"]);
    }

    [Fact]
    public async Task A_410_disables_the_endpoint_at_once()
    {
        await using var app = await OutboxApp.StartAsync();
        app.Receiver.Handle(KestrelReceiver.Respond(410));

        await app.Outbox.EnqueueAsync(OutboxApp.Transaction("o1"));
        await app.SettleAsync();
        (await app.SingleAsync()).State.Should().Be(PostbackDeliveryState.Rejected);
        await OutboxApp.WaitUntilAsync(() => !app.Health.Disabled.IsEmpty && !app.Observer.Completed.IsEmpty);
        app.Health.Disabled.Should().ContainSingle().Which.Name.Should().Be("acme");
        app.Observer.Completed.Should().ContainSingle().Which.Result.StatusCode.Should().Be(410);

        await app.Outbox.EnqueueAsync(OutboxApp.Transaction("o2"));
        var parked = (await app.DeliveriesAsync()).Single(d => d.OrderNumber == "o2");
        parked.State.Should().Be(PostbackDeliveryState.Parked);
        parked.ParkReason.Should().Be(PostbackParkReasons.EndpointDisabled);
        app.Receiver.HitCount.Should().Be(1);
    }

    [Fact]
    public async Task Retention_purges_finished_and_dead_deliveries_by_age_on_its_schedule()
    {
        await using var app = await OutboxApp.StartAsync(o =>
        {
            o.Schedule = [TimeSpan.Zero];
            o.Retention.Finished = TimeSpan.FromDays(30);
            o.Retention.Dead = TimeSpan.FromDays(90);
            o.Retention.PurgeInterval = TimeSpan.FromHours(1);
        });
        await app.Outbox.EnqueueAsync(OutboxApp.Transaction("delivered"));
        await app.SettleAsync();
        app.Receiver.Handle(KestrelReceiver.Respond(503));
        await app.Outbox.EnqueueAsync(OutboxApp.Transaction("dead"));
        await app.SettleAsync();
        var deliveries = await app.DeliveriesAsync();
        var delivered = deliveries.Single(d => d.OrderNumber == "delivered");
        var dead = deliveries.Single(d => d.OrderNumber == "dead");
        delivered.State.Should().Be(PostbackDeliveryState.Delivered);
        dead.State.Should().Be(PostbackDeliveryState.Dead);

        app.Advance(TimeSpan.FromDays(29));
        (await app.Outbox.PurgeAsync()).Should().Be(0, "nothing is old enough");

        // The purge runs on its own schedule: no call needed.
        app.Advance(TimeSpan.FromDays(2));
        await OutboxApp.WaitUntilAsync(async () => await app.Store.GetAsync(delivered.Id) is null);
        (await app.Store.GetAsync(dead.Id)).Should().NotBeNull("dead deliveries are kept longer");
        (await app.Store.GetAttemptsAsync(delivered.Id)).Should().BeEmpty();

        app.Advance(TimeSpan.FromDays(60));
        await OutboxApp.WaitUntilAsync(async () => await app.Store.GetAsync(dead.Id) is null);
    }

    [Fact]
    public async Task An_expired_lease_is_reclaimed_and_the_stale_workers_completion_does_not_count()
    {
        await using var app = await OutboxApp.StartAsync(start: false);
        await app.Store.InitializeAsync();
        await app.Outbox.EnqueueAsync(OutboxApp.Transaction("o1"));

        // A worker of another node claims it and dies.
        var lease = (await app.Store.ClaimAsync(new PostbackOutboxClaim { Owner = "crashed-node", MaxCount = 10, LeaseDuration = TimeSpan.FromMinutes(2) })).Should().ContainSingle().Subject;
        lease.Attempt.Should().Be(1);

        await app.Host.StartAsync();
        await OutboxApp.WaitUntilAsync(() => app.Logs.GetSnapshot().Any(r => r.Id.Name == "OutboxStarted"));
        app.Receiver.HitCount.Should().Be(0, "the lease holds the delivery");
        (await app.SingleAsync()).State.Should().Be(PostbackDeliveryState.InFlight);

        app.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        await OutboxApp.WaitUntilAsync(async () => (await app.SingleAsync()).State == PostbackDeliveryState.Delivered);
        app.Receiver.HitCount.Should().Be(1);
        (await app.SingleAsync()).Attempts.Should().Be(2);

        // The dead worker wakes up and reports: stale, nothing changes.
        var late = await app.Store.CompleteAsync(
            [new PostbackOutboxCompletion { Id = lease.Id, Owner = "crashed-node", Attempt = lease.Attempt, State = PostbackDeliveryState.Dead, Signal = PostbackEndpointSignal.Failure }],
            new PostbackEndpointHealthPolicy());
        late.Stale.Should().Equal(lease.Id);
        (await app.SingleAsync()).State.Should().Be(PostbackDeliveryState.Delivered);
        await OutboxApp.WaitUntilAsync(() => !app.Observer.Completed.IsEmpty);
        app.Observer.Completed.Should().ContainSingle();
    }

    [Fact]
    public async Task A_partner_down_for_a_day_gets_every_postback_once_it_is_back_and_none_is_lost()
    {
        const int Count = 20;
        await using var app = await OutboxApp.StartAsync();
        app.Receiver.Handle(KestrelReceiver.Respond(503));
        var start = app.Now;
        for (var i = 0; i < Count; i++)
        {
            await app.Outbox.EnqueueAsync(OutboxApp.Transaction("o" + i));
        }

        while (await app.AdvanceToNextDueAsync(limit: start + TimeSpan.FromDays(1)))
        {
        }

        (await app.DeliveriesAsync()).Should().HaveCount(Count).And.OnlyContain(d => d.State == PostbackDeliveryState.Pending);
        app.Observer.Completed.Should().BeEmpty();
        var failedHits = app.Receiver.HitCount;

        app.Receiver.Handle(KestrelReceiver.Respond(200, "ok"));
        for (var round = 0; round < 50 && await app.AdvanceToNextDueAsync(); round++)
        {
        }

        var deliveries = await app.DeliveriesAsync();
        deliveries.Should().HaveCount(Count).And.OnlyContain(d => d.State == PostbackDeliveryState.Delivered);
        (app.Now - start).Should().BeGreaterThan(TimeSpan.FromDays(1));
        await OutboxApp.WaitUntilAsync(() => app.Observer.Completed.Count >= Count);
        app.Observer.Completed.Select(c => c.Transaction.OrderNumber).Should().OnlyHaveUniqueItems().And.HaveCount(Count);
        app.Observer.Completed.Should().OnlyContain(c => c.Result.Outcome == PostbackOutcome.Delivered);

        // Every request was one scheduled attempt, and each delivery's requests carry one key.
        var attempts = 0;
        foreach (var delivery in deliveries)
        {
            attempts += (await app.Store.GetAttemptsAsync(delivery.Id)).Count;
        }

        app.Receiver.HitCount.Should().Be(attempts).And.Be(failedHits + Count);
        app.Receiver.Requests.GroupBy(r => r.Query["o"]).Should().HaveCount(Count)
            .And.OnlyContain(g => g.Select(r => r.Header("Idempotency-Key")).Distinct().Count() == 1);
    }

    [Fact]
    public async Task A_delivery_whose_endpoint_was_removed_is_parked_not_lost_and_a_replay_resumes_it()
    {
        var provider = new ToggleProvider();
        await using var app = await OutboxApp.StartAsync(
            o => o.Schedule = [.. ShortSchedule],
            services: s => s.AddSingleton<IPostbackEndpointProvider>(provider),
            configuredEndpoint: false);
        provider.Url = app.Receiver.BaseUrl + "/dyn?o=#on#";
        app.Receiver.Handle(KestrelReceiver.Respond(503));

        await app.Outbox.EnqueueAsync(OutboxApp.Transaction("o1"));
        await app.SettleAsync();
        provider.Present = false;
        await app.AdvanceToNextDueAsync();

        var parked = await app.SingleAsync();
        parked.State.Should().Be(PostbackDeliveryState.Parked);
        parked.ParkReason.Should().Be(PostbackParkReasons.EndpointMissing);
        app.Receiver.HitCount.Should().Be(1);

        provider.Present = true;
        app.Receiver.Handle(KestrelReceiver.Respond(200, "ok"));
        (await app.Outbox.ReplayAsync(new PostbackOutboxFilter { EndpointName = "dyn", State = PostbackDeliveryState.Parked })).Should().Be(1);
        await app.SettleAsync();
        (await app.SingleAsync()).State.Should().Be(PostbackDeliveryState.Delivered);
        app.Receiver.Requests.Select(r => r.Header("Idempotency-Key")).Distinct().Should().Equal(parked.IdempotencyKey);
    }

    [Fact]
    public async Task The_outbox_is_the_queue_and_TryEnqueue_returns_once_the_delivery_is_stored()
    {
        await using var app = await OutboxApp.StartAsync();
        app.Host.Services.GetRequiredService<IPostbackQueue>().Should().BeSameAs(app.Outbox);
        app.Outbox.TryEnqueue(OutboxApp.Transaction("t1")).Should().BeTrue();
        (await app.DeliveriesAsync()).Should().ContainSingle("TryEnqueue returns true only once the write is durable")
            .Which.OrderNumber.Should().Be("t1");
        await app.SettleAsync();
        (await app.SingleAsync()).State.Should().Be(PostbackDeliveryState.Delivered);
    }

    [Fact]
    public async Task TryEnqueue_true_means_the_row_is_already_in_the_store_and_false_means_nothing_was_stored()
    {
        // Not started: no worker sends or changes anything, so the store shows exactly what TryEnqueue wrote.
        await using var app = await OutboxApp.StartAsync(start: false);
        await app.Store.InitializeAsync();
        for (var i = 0; i < 50; i++)
        {
            app.Outbox.TryEnqueue(OutboxApp.Transaction("d" + i)).Should().BeTrue();

            // Read at once, with no wait: a true that came before the commit (the old behaviour) shows up here.
            var stored = await app.Store.QueryAsync(new PostbackOutboxFilter { OrderNumber = "d" + i }, null, 10);
            stored.Items.Should().ContainSingle($"TryEnqueue returned true for d{i}, so its row must already be committed")
                .Which.State.Should().Be(PostbackDeliveryState.Pending);
        }

        // Concurrent callers share group commits; each true is still a stored row.
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => (Order: "c" + i, Ok: app.Outbox.TryEnqueue(OutboxApp.Transaction("c" + i))))));
        results.Should().OnlyContain(r => r.Ok);
        (await app.DeliveriesAsync()).Select(d => d.OrderNumber).Should().BeEquivalentTo(
            Enumerable.Range(0, 50).Select(i => "d" + i).Concat(results.Select(r => r.Order)));

        // Stopped: false, never an exception, and nothing stored.
        await ((IAsyncDisposable)app.Outbox).DisposeAsync();
        app.Outbox.TryEnqueue(OutboxApp.Transaction("late")).Should().BeFalse();
        (await app.Store.QueryAsync(new PostbackOutboxFilter { OrderNumber = "late" }, null, 10)).Items.Should().BeEmpty();
    }

    [Fact]
    public async Task TryEnqueue_returns_false_without_throwing_when_the_write_fails()
    {
        await using var app = await OutboxApp.StartAsync(start: false);
        await app.Store.InitializeAsync();

        // Break the store under the writer: its table is gone, so the enqueue's INSERT fails.
        var connection = app.Host.Services.GetRequiredService<IOptions<SqlitePostbackOutboxOptions>>().Value.ConnectionString;
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection(connection))
        {
            await db.OpenAsync();
            await using var rename = db.CreateCommand();
            rename.CommandText = "ALTER TABLE postback_deliveries RENAME TO postback_deliveries_away";
            await rename.ExecuteNonQueryAsync();
        }

        app.Outbox.TryEnqueue(OutboxApp.Transaction("f1")).Should().BeFalse("the write failed, so the transaction is not enqueued");
        app.Logs.GetSnapshot().Should().Contain(r => r.Id.Name == "OutboxEnqueueFailed");
        app.Observer.Abandoned.Should().BeEmpty("the caller was told false; nothing was accepted to abandon");
    }

    [Fact]
    public async Task Many_concurrent_enqueues_are_all_stored_and_delivered_once()
    {
        await using var app = await OutboxApp.StartAsync();
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => app.Outbox.EnqueueAsync(OutboxApp.Transaction("c" + i)).AsTask()));
        (await app.DeliveriesAsync()).Should().HaveCount(200, "EnqueueAsync completes only once the deliveries are stored");
        await app.SettleAsync();
        await OutboxApp.WaitUntilAsync(() => app.Observer.Completed.Count >= 200);
        (await app.DeliveriesAsync()).Should().OnlyContain(d => d.State == PostbackDeliveryState.Delivered);
        app.Receiver.HitCount.Should().Be(200);
        app.Observer.Completed.Select(c => c.Transaction.OrderNumber).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task Prepare_builds_one_entry_per_endpoint_with_the_key_and_host_without_writing()
    {
        await using var app = await OutboxApp.StartAsync(postbacks: o => o.AddEndpoint("beta", e => e.Url = "http://127.0.0.1:9/b?o=#on#"));
        var entries = await app.Outbox.PrepareAsync(OutboxApp.Transaction("p1"));
        entries.Select(e => e.EndpointName).Should().BeEquivalentTo(["acme", "beta"]);
        entries.Should().OnlyContain(e => e.OrderNumber == "p1" && e.IdempotencyKey.Length > 0 && e.Payload.Contains("p1"));
        entries.Single(e => e.EndpointName == "beta").HostKey.Should().Be("http://127.0.0.1:9");
        entries.Single(e => e.EndpointName == "acme").HostKey.Should().Be(app.Receiver.BaseUrl);
        (await app.DeliveriesAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task The_health_check_degrades_when_the_oldest_pending_is_old_or_dead_deliveries_grow()
    {
        await using var app = await OutboxApp.StartAsync(o =>
        {
            o.Schedule = [TimeSpan.Zero, TimeSpan.FromHours(1)];
            o.OldestPendingDegradedAfter = TimeSpan.FromMinutes(15);
        });
        var check = new PostbackOutboxHealthCheck(app.Store, app.Host.Services.GetRequiredService<IOptions<PostbackOutboxOptions>>(), app.Time);
        var context = new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext
        {
            Registration = new("outbox", check, Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, null),
        };
        (await check.CheckHealthAsync(context)).Status.Should().Be(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy);

        app.Receiver.Handle(KestrelReceiver.Respond(503));
        await app.Outbox.EnqueueAsync(OutboxApp.Transaction("h1"));
        await app.SettleAsync();
        app.Advance(TimeSpan.FromMinutes(20));
        (await check.CheckHealthAsync(context)).Status.Should().Be(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded);

        await app.AdvanceToNextDueAsync();
        (await app.SingleAsync()).State.Should().Be(PostbackDeliveryState.Dead);
        (await check.CheckHealthAsync(context)).Status.Should().Be(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, "dead deliveries grew");
        (await check.CheckHealthAsync(context)).Status.Should().Be(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, "no growth since the last check");
    }

    [Fact]
    public async Task Shutdown_lets_an_attempt_in_flight_finish_and_records_it()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = await OutboxApp.StartAsync();
        await using (app)
        {
            app.Receiver.Handle(async context =>
            {
                await release.Task.WaitAsync(context.RequestAborted);
                context.Response.StatusCode = 200;
            });
            await app.Outbox.EnqueueAsync(OutboxApp.Transaction("s1"));
            await app.Receiver.WaitForHitsAsync(1, OutboxApp.Patience);

            var stopping = app.Host.StopAsync();
            release.SetResult();
            await stopping;

            var delivery = await app.SingleAsync();
            delivery.State.Should().Be(PostbackDeliveryState.Delivered, "the drain let the attempt finish and recorded it");
            app.Observer.Completed.Should().ContainSingle();
            app.Observer.Abandoned.Should().BeEmpty("nothing is abandoned: what does not finish stays in the store");
        }
    }

    [Fact]
    public async Task The_gauges_read_the_stats_snapshot_and_the_latency_is_recorded()
    {
        await using var app = await OutboxApp.StartAsync(o =>
        {
            o.StatsInterval = TimeSpan.FromSeconds(15);
            o.Schedule = [TimeSpan.Zero, TimeSpan.FromHours(1)];
        });
        var meters = app.Host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var pending = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, PostbackTelemetryNames.SourceName, PostbackOutboxTelemetryNames.Pending);
        using var latency = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<double>(meters, PostbackTelemetryNames.SourceName, PostbackOutboxTelemetryNames.DeliveryLatency);
        app.Receiver.Handle(KestrelReceiver.Respond(503));
        await app.Outbox.EnqueueAsync(OutboxApp.Transaction("g1"));
        await app.SettleAsync();

        app.Advance(TimeSpan.FromSeconds(16));
        await OutboxApp.WaitUntilAsync(() =>
        {
            pending.RecordObservableInstruments();
            return pending.LastMeasurement?.Value == 1;
        });

        app.Receiver.Handle(KestrelReceiver.Respond(200, "ok"));
        await app.AdvanceToNextDueAsync();
        await OutboxApp.WaitUntilAsync(() => latency.LastMeasurement is not null);
        latency.LastMeasurement!.Value.Should().BeGreaterThan(0, "enqueue to delivery took a retry on the fake clock");
        latency.LastMeasurement.Tags[PostbackOutboxTelemetryNames.StateTag].Should().Be("delivered");
    }

    [Fact]
    public async Task Start_up_refuses_an_outbox_without_a_store()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddPostbacksForTests().AddOutbox();
        using var host = builder.Build();
        var start = () => host.StartAsync();
        // Whichever comes first, the options' validation or the outbox's construction, says what to do.
        (await start.Should().ThrowAsync<Exception>()).Which.Message.Should().Contain(".UseSqlite(...) or .UsePostgreSql(...)");
    }

    [Fact]
    public async Task Start_up_refuses_the_queue_and_the_outbox_together()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var postbacks = builder.Services.AddPostbacksForTests();
        postbacks.AddQueue();
        postbacks.AddOutbox().UseSqlite("Data Source=" + Path.Combine(Path.GetTempPath(), "never-" + Guid.NewGuid().ToString("N") + ".db"));
        using var host = builder.Build();
        var start = () => host.StartAsync();
        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("AddQueue() and AddOutbox()");
    }

    [Fact]
    public async Task Start_up_refuses_a_lease_shorter_than_the_longest_attempt_naming_both_options()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddPostbacksForTests().AddOutbox(o =>
        {
            o.LeaseDuration = TimeSpan.FromSeconds(20);
            o.Schedule = [TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(-1)];
            o.Jitter = 1.5;
        }).UseSqlite("Data Source=" + Path.Combine(Path.GetTempPath(), "never-" + Guid.NewGuid().ToString("N") + ".db"));
        using var host = builder.Build();
        var start = () => host.StartAsync();
        var message = (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message;
        message.Should().Contain("LeaseDuration (00:00:20)").And.Contain("Postbacks:TotalTimeout (00:00:20)").And.Contain("AttemptTimeout");
        message.Should().Contain("Schedule[1] is 00:00:00").And.Contain("Schedule[2] is -00:00:01").And.Contain("Jitter is 1.5");
    }

    private sealed class ToggleProvider : IPostbackEndpointProvider
    {
        public volatile bool Present = true;

        public string Url { get; set; } = string.Empty;

        public ValueTask<IEnumerable<PostbackEndpointOptions>> GetEndpointsAsync(PostbackTransaction transaction, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IEnumerable<PostbackEndpointOptions>>(Present ? [new PostbackEndpointOptions { Name = "dyn", Url = Url }] : []);
    }
}

public sealed class OutboxConfigurationTests
{
    [Fact]
    public void Options_bind_from_configuration_schedule_and_health_policy_included()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Postbacks:Outbox:Schedule:0"] = "00:00:00",
            ["Postbacks:Outbox:Schedule:1"] = "00:01:00",
            ["Postbacks:Outbox:Jitter"] = "0.1",
            ["Postbacks:Outbox:EndpointHealth:ConsecutiveFailures"] = "5",
            ["Postbacks:Outbox:EndpointHealth:FailingFor"] = "1.00:00:00",
            ["Postbacks:Outbox:Retention:Finished"] = "7.00:00:00",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPostbacksForTests().AddOutbox(configuration.GetSection(PostbackOutboxOptions.DefaultSectionName)).UseSqlite("Data Source=never-opened.db");
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<PostbackOutboxOptions>>().Value;
        options.Schedule.Should().Equal(TimeSpan.Zero, TimeSpan.FromMinutes(1));
        options.Jitter.Should().Be(0.1);
        options.EndpointHealth.ConsecutiveFailures.Should().Be(5);
        options.EndpointHealth.FailingFor.Should().Be(TimeSpan.FromDays(1));
        options.EndpointHealth.DisableOnGone.Should().BeTrue();
        options.Retention.Finished.Should().Be(TimeSpan.FromDays(7));
        options.Retention.Dead.Should().Be(TimeSpan.FromDays(90));
    }
}

public sealed class OutboxDefaultsTests
{
    [Fact]
    public void Without_configuration_the_schedule_is_the_default()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPostbacksForTests().AddOutbox().UseSqlite("Data Source=never-opened.db");
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IOptions<PostbackOutboxOptions>>().Value.Schedule.Should().Equal(PostbackOutboxOptions.DefaultSchedule());
    }
}
