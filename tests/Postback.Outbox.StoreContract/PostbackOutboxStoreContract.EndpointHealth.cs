namespace Postback.Tests;

// The contract: failure streaks, disabling (and the parking it brings) and enabling endpoints.
public abstract partial class PostbackOutboxStoreContract
{
    [Fact]
    public async Task Failures_grow_the_streak_and_a_success_ends_it()
    {
        await EnqueueManyAsync(3);
        var leases = await ClaimAsync();
        await CompleteAsync(Completion(leases[0], PostbackDeliveryState.Pending, retryDelay: TimeSpan.FromMinutes(1), signal: PostbackEndpointSignal.Failure));
        Time.Advance(TimeSpan.FromSeconds(10));
        await CompleteAsync(Completion(leases[1], PostbackDeliveryState.Pending, retryDelay: TimeSpan.FromMinutes(1), signal: PostbackEndpointSignal.Failure));

        var endpoint = (await Store.GetEndpointsAsync()).Single();
        endpoint.Name.Should().Be("partner");
        endpoint.Enabled.Should().BeTrue();
        endpoint.ConsecutiveFailures.Should().Be(2);
        endpoint.FailingSince.Should().Be(Start);

        await CompleteAsync(Completion(leases[2], PostbackDeliveryState.Delivered, signal: PostbackEndpointSignal.Success));
        endpoint = (await Store.GetEndpointsAsync()).Single();
        endpoint.ConsecutiveFailures.Should().Be(0);
        endpoint.FailingSince.Should().BeNull();
        endpoint.LastSuccessAt.Should().Be(Start + TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Signals_in_one_batch_apply_in_order()
    {
        await EnqueueManyAsync(6);
        var leases = await ClaimAsync();
        var retry = TimeSpan.FromMinutes(1);

        // success, success, failure, none, success, failure: the streak the last signals leave is one failure.
        await CompleteAsync(
            Completion(leases[0], PostbackDeliveryState.Delivered, signal: PostbackEndpointSignal.Success),
            Completion(leases[1], PostbackDeliveryState.Delivered, signal: PostbackEndpointSignal.Success),
            Completion(leases[2], PostbackDeliveryState.Pending, retryDelay: retry, signal: PostbackEndpointSignal.Failure),
            Completion(leases[3], PostbackDeliveryState.Blocked, signal: PostbackEndpointSignal.None),
            Completion(leases[4], PostbackDeliveryState.Delivered, signal: PostbackEndpointSignal.Success),
            Completion(leases[5], PostbackDeliveryState.Pending, retryDelay: retry, signal: PostbackEndpointSignal.Failure));

        var endpoint = (await Store.GetEndpointsAsync()).Single();
        endpoint.ConsecutiveFailures.Should().Be(1);
        endpoint.FailingSince.Should().Be(Start);
        endpoint.LastSuccessAt.Should().Be(Start);
        (await GetAsync(leases[2].Id)).State.Should().Be(PostbackDeliveryState.Pending);
        (await GetAsync(leases[3].Id)).State.Should().Be(PostbackDeliveryState.Blocked);
        (await GetAsync(leases[4].Id)).State.Should().Be(PostbackDeliveryState.Delivered);
    }

    [Fact]
    public async Task A_retry_after_the_failure_that_disabled_its_endpoint_in_the_same_batch_is_parked()
    {
        var policy = new PostbackEndpointHealthPolicy { ConsecutiveFailures = 1, FailingFor = TimeSpan.Zero };
        await EnqueueManyAsync(3);
        var leases = await ClaimAsync();

        var result = await CompleteAsync(
            policy,
            Completion(leases[0], PostbackDeliveryState.Delivered, signal: PostbackEndpointSignal.Success),
            Completion(leases[1], PostbackDeliveryState.Pending, retryDelay: TimeSpan.FromMinutes(1), signal: PostbackEndpointSignal.Failure),
            Completion(leases[2], PostbackDeliveryState.Pending, retryDelay: TimeSpan.FromMinutes(1), signal: PostbackEndpointSignal.None));

        result.Disabled.Should().ContainSingle().Which.Name.Should().Be("partner");
        (await GetAsync(leases[0].Id)).State.Should().Be(PostbackDeliveryState.Delivered);
        foreach (var lease in leases.Skip(1))
        {
            var delivery = await GetAsync(lease.Id);
            delivery.State.Should().Be(PostbackDeliveryState.Parked);
            delivery.ParkReason.Should().Be(PostbackParkReasons.EndpointDisabled);
        }
    }

    [Fact]
    public async Task A_None_signal_leaves_the_streak_alone()
    {
        await EnqueueManyAsync(2);
        var leases = await ClaimAsync();
        await CompleteAsync(Completion(leases[0], PostbackDeliveryState.Pending, retryDelay: TimeSpan.FromMinutes(1), signal: PostbackEndpointSignal.Failure));
        await CompleteAsync(Completion(leases[1], PostbackDeliveryState.Blocked, signal: PostbackEndpointSignal.None));
        (await Store.GetEndpointsAsync()).Single().ConsecutiveFailures.Should().Be(1);
    }

    [Fact]
    public async Task An_endpoint_is_disabled_only_when_both_the_count_and_the_time_are_reached()
    {
        var policy = new PostbackEndpointHealthPolicy { ConsecutiveFailures = 3, FailingFor = TimeSpan.FromHours(1) };
        await EnqueueManyAsync(1);

        // Three failures within minutes: the count is reached, the time is not.
        for (var i = 0; i < 3; i++)
        {
            var lease = (await ClaimAsync()).Single();
            (await CompleteAsync(policy, Completion(lease, PostbackDeliveryState.Pending, retryDelay: TimeSpan.FromMinutes(1), signal: PostbackEndpointSignal.Failure))).Disabled.Should().BeEmpty();
            Time.Advance(TimeSpan.FromMinutes(1));
        }

        (await Store.GetEndpointsAsync()).Single().Enabled.Should().BeTrue();

        // An hour after the first failure, the next failure disables it.
        Time.Advance(TimeSpan.FromHours(1));
        var last = (await ClaimAsync()).Single();
        var result = await CompleteAsync(policy, Completion(last, PostbackDeliveryState.Pending, retryDelay: TimeSpan.FromMinutes(1), signal: PostbackEndpointSignal.Failure));

        var disabled = result.Disabled.Should().ContainSingle().Subject;
        disabled.Name.Should().Be("partner");
        disabled.Enabled.Should().BeFalse();
        disabled.DisabledAt.Should().Be(Time.GetUtcNow());
        disabled.DisabledReason.Should().NotBeNullOrEmpty();
        disabled.ConsecutiveFailures.Should().Be(4);
        (await Store.GetEndpointsAsync()).Single().Enabled.Should().BeFalse();
    }

    [Fact]
    public async Task Time_alone_does_not_disable_an_endpoint()
    {
        var policy = new PostbackEndpointHealthPolicy { ConsecutiveFailures = 3, FailingFor = TimeSpan.FromHours(1) };
        await EnqueueManyAsync(1);
        for (var i = 0; i < 2; i++)
        {
            var lease = (await ClaimAsync()).Single();
            (await CompleteAsync(policy, Completion(lease, PostbackDeliveryState.Pending, signal: PostbackEndpointSignal.Failure))).Disabled.Should().BeEmpty();
            Time.Advance(TimeSpan.FromHours(5));
        }

        (await Store.GetEndpointsAsync()).Single().Enabled.Should().BeTrue();
    }

    [Fact]
    public async Task Gone_disables_at_once_when_the_policy_says_so()
    {
        await EnqueueManyAsync(2);
        var leases = await ClaimAsync();

        var keep = await CompleteAsync(new PostbackEndpointHealthPolicy { DisableOnGone = false }, Completion(leases[0], PostbackDeliveryState.Rejected, signal: PostbackEndpointSignal.Gone));
        keep.Disabled.Should().BeEmpty();
        (await Store.GetEndpointsAsync()).Single().Enabled.Should().BeTrue();

        var gone = await CompleteAsync(Completion(leases[1], PostbackDeliveryState.Rejected, signal: PostbackEndpointSignal.Gone));
        gone.Disabled.Should().ContainSingle().Which.Name.Should().Be("partner");
        (await Store.GetEndpointsAsync()).Single().Enabled.Should().BeFalse();
    }

    [Fact]
    public async Task Disabling_parks_the_endpoints_pending_deliveries_only()
    {
        var mine = await EnqueueManyAsync(3, "a", "https://a.example:443");
        var other = await EnqueueManyAsync(1, "b", "https://b.example:443");
        var inFlight = (await ClaimAsync(max: 1)).Single();
        inFlight.Id.Should().Be(mine[0]);

        (await Store.SetEndpointEnabledAsync("a", false, "maintenance")).Should().BeTrue();
        (await Store.SetEndpointEnabledAsync("a", false, "again")).Should().BeFalse();

        foreach (var id in mine.Skip(1))
        {
            var delivery = await GetAsync(id);
            delivery.State.Should().Be(PostbackDeliveryState.Parked);
            delivery.ParkReason.Should().Be(PostbackParkReasons.EndpointDisabled);
        }

        (await GetAsync(mine[0])).State.Should().Be(PostbackDeliveryState.InFlight);
        (await GetAsync(other[0])).State.Should().Be(PostbackDeliveryState.Pending);
        var endpoint = (await Store.GetEndpointsAsync()).Single(e => e.Name == "a");
        endpoint.Enabled.Should().BeFalse();
        endpoint.DisabledReason.Should().Be("maintenance");
        (await ClaimAsync()).Select(l => l.Id).Should().Equal(other);
    }

    [Fact]
    public async Task A_new_delivery_to_a_disabled_endpoint_is_stored_parked()
    {
        await Store.SetEndpointEnabledAsync("a", false, "operator");
        var ids = await Store.EnqueueAsync([Entry("a", "https://a.example:443"), Entry("b", "https://b.example:443")]);

        var parked = await GetAsync(ids[0]);
        parked.State.Should().Be(PostbackDeliveryState.Parked);
        parked.ParkReason.Should().Be(PostbackParkReasons.EndpointDisabled);
        (await GetAsync(ids[1])).State.Should().Be(PostbackDeliveryState.Pending);
        (await ClaimAsync()).Select(l => l.Id).Should().Equal(ids[1]);
    }

    [Fact]
    public async Task A_retry_for_a_disabled_endpoint_is_parked()
    {
        var ids = await EnqueueManyAsync(1);
        var lease = (await ClaimAsync()).Single();
        await Store.SetEndpointEnabledAsync("partner", false, "operator");

        var result = await CompleteAsync(Completion(lease, PostbackDeliveryState.Pending, retryDelay: TimeSpan.FromMinutes(1), signal: PostbackEndpointSignal.Failure, record: Record(1, Start)));
        result.Stale.Should().BeEmpty();
        result.Disabled.Should().BeEmpty();

        var delivery = await GetAsync(ids[0]);
        delivery.State.Should().Be(PostbackDeliveryState.Parked);
        delivery.ParkReason.Should().Be(PostbackParkReasons.EndpointDisabled);
        (await Store.GetAttemptsAsync(ids[0])).Should().ContainSingle();
    }

    [Fact]
    public async Task The_completion_that_disables_an_endpoint_parks_its_own_retry_and_the_pending_ones()
    {
        var ids = await EnqueueManyAsync(3);
        var lease = (await ClaimAsync(max: 1)).Single();
        var policy = new PostbackEndpointHealthPolicy { ConsecutiveFailures = 1, FailingFor = TimeSpan.Zero };

        var result = await CompleteAsync(policy, Completion(lease, PostbackDeliveryState.Pending, retryDelay: TimeSpan.FromMinutes(1), signal: PostbackEndpointSignal.Failure));
        result.Disabled.Should().ContainSingle();
        foreach (var id in ids)
        {
            (await GetAsync(id)).State.Should().Be(PostbackDeliveryState.Parked);
        }
    }

    [Fact]
    public async Task Disabled_is_reported_exactly_once_across_concurrent_completions()
    {
        await EnqueueManyAsync(16);
        var leases = await ClaimAsync(max: 16);
        leases.Should().HaveCount(16);
        var policy = new PostbackEndpointHealthPolicy { ConsecutiveFailures = 2, FailingFor = TimeSpan.Zero };

        var results = await Task.WhenAll(leases.Select(l => Task.Run(async () =>
            await Store.CompleteAsync([Completion(l, PostbackDeliveryState.Pending, retryDelay: TimeSpan.FromMinutes(1), signal: PostbackEndpointSignal.Failure)], policy))));

        results.SelectMany(r => r.Disabled).Should().ContainSingle().Which.Name.Should().Be("partner");
        results.SelectMany(r => r.Stale).Should().BeEmpty();
        var endpoint = (await Store.GetEndpointsAsync()).Single();
        endpoint.Enabled.Should().BeFalse();
        endpoint.ConsecutiveFailures.Should().Be(16);
        (await Store.GetStatsAsync())[PostbackDeliveryState.Parked].Should().Be(16);
    }

    [Fact]
    public async Task Enabling_resumes_deliveries_parked_because_the_endpoint_was_disabled_only()
    {
        var ids = await EnqueueManyAsync(3);
        var leases = await ClaimAsync(max: 1);
        await CompleteAsync(Completion(leases[0], PostbackDeliveryState.Parked, parkReason: PostbackParkReasons.EndpointMissing));
        var policy = new PostbackEndpointHealthPolicy { ConsecutiveFailures = 1, FailingFor = TimeSpan.Zero };
        var failing = (await ClaimAsync(max: 1)).Single();
        (await CompleteAsync(policy, Completion(failing, PostbackDeliveryState.Pending, retryDelay: TimeSpan.FromHours(1), signal: PostbackEndpointSignal.Failure))).Disabled.Should().ContainSingle();

        Time.Advance(TimeSpan.FromMinutes(10));
        (await Store.SetEndpointEnabledAsync("partner", true, null)).Should().BeTrue();
        (await Store.SetEndpointEnabledAsync("partner", true, null)).Should().BeFalse();

        var endpoint = (await Store.GetEndpointsAsync()).Single();
        endpoint.Enabled.Should().BeTrue();
        endpoint.ConsecutiveFailures.Should().Be(0);
        endpoint.FailingSince.Should().BeNull();
        endpoint.DisabledAt.Should().BeNull();

        (await GetAsync(ids[0])).State.Should().Be(PostbackDeliveryState.Parked);
        (await GetAsync(ids[0])).ParkReason.Should().Be(PostbackParkReasons.EndpointMissing);
        foreach (var id in ids.Skip(1))
        {
            var delivery = await GetAsync(id);
            delivery.State.Should().Be(PostbackDeliveryState.Pending);
            delivery.ParkReason.Should().BeNull();
            delivery.NextAttemptAt.Should().Be(Time.GetUtcNow());
        }

        (await ClaimAsync()).Select(l => l.Id).Should().BeEquivalentTo(ids.Skip(1));
    }

    [Fact]
    public async Task Enabling_an_endpoint_that_is_enabled_or_unknown_changes_nothing()
    {
        (await Store.SetEndpointEnabledAsync("nobody", true, null)).Should().BeFalse();
        await EnqueueManyAsync(1);
        (await Store.SetEndpointEnabledAsync("partner", true, null)).Should().BeFalse();
    }
}
