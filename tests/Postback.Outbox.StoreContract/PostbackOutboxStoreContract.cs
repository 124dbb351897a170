using Microsoft.Extensions.Time.Testing;

namespace Postback.Tests;

/// <summary>
/// The rules every <see cref="IPostbackOutboxStore"/> keeps (the contract's remarks and docs/outbox design). A store's test
/// project derives from this class and returns a fresh, empty store from <see cref="CreateStoreAsync"/>; every test gets
/// its own. Time is moved with the <see cref="FakeTimeProvider"/> the store was given; nothing here measures durations.
/// </summary>
public abstract class PostbackOutboxStoreContract : IAsyncLifetime
{
    /// <summary>A start time on a whole millisecond, as every store can keep it.</summary>
    protected static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static int s_keys;

    protected FakeTimeProvider Time { get; } = new(Start);

    protected IPostbackOutboxStore Store { get; private set; } = null!;

    /// <summary>Creates a fresh, empty store (its own database) on the given clock.</summary>
    protected abstract Task<IPostbackOutboxStore> CreateStoreAsync(FakeTimeProvider time);

    /// <summary>Releases what <see cref="CreateStoreAsync"/> made, after the store was disposed.</summary>
    protected virtual Task CleanupAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync(Time);
        await Store.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        switch (Store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        await CleanupAsync();
    }

    // ---- helpers ----

    protected static PostbackOutboxEntry Entry(string endpoint = "partner", string host = "https://partner.example:443", string? order = null, TimeSpan delay = default) => new()
    {
        EndpointName = endpoint,
        IdempotencyKey = "key-" + Interlocked.Increment(ref s_keys),
        HostKey = host,
        Payload = "{\"order\":\"" + order + "\"}",
        OrderNumber = order,
        Delay = delay,
    };

    protected async Task<IReadOnlyList<long>> EnqueueAsync(params PostbackOutboxEntry[] entries) => await Store.EnqueueAsync(entries);

    protected async Task<IReadOnlyList<long>> EnqueueManyAsync(int count, string endpoint = "partner", string host = "https://partner.example:443")
    {
        var entries = Enumerable.Range(0, count).Select(_ => Entry(endpoint, host)).ToArray();
        return await Store.EnqueueAsync(entries);
    }

    protected async Task<IReadOnlyList<PostbackOutboxLease>> ClaimAsync(string owner = "w1", int max = 100, int perHost = int.MaxValue, string[]? excluded = null, TimeSpan? lease = null) =>
        await Store.ClaimAsync(new PostbackOutboxClaim
        {
            Owner = owner,
            MaxCount = max,
            MaxPerHost = perHost,
            ExcludedHosts = excluded ?? [],
            LeaseDuration = lease ?? Lease,
        });

    protected static PostbackOutboxCompletion Completion(
        PostbackOutboxLease lease, PostbackDeliveryState state, string owner = "w1", TimeSpan retryDelay = default,
        PostbackEndpointSignal signal = PostbackEndpointSignal.None, PostbackOutboxAttempt? record = null, string? parkReason = null) => new()
        {
            Id = lease.Id,
            Owner = owner,
            Attempt = lease.Attempt,
            State = state,
            RetryDelay = retryDelay,
            Signal = signal,
            Record = record,
            ParkReason = parkReason,
        };

    protected static PostbackOutboxAttempt Record(int number, DateTimeOffset started, PostbackOutcome outcome = PostbackOutcome.Failed, int? status = 503) => new()
    {
        Number = number,
        StartedAt = started,
        Duration = TimeSpan.FromMilliseconds(250),
        Outcome = outcome,
        StatusCode = status,
        ErrorType = outcome == PostbackOutcome.Failed ? "http_status" : null,
        ErrorMessage = outcome == PostbackOutcome.Failed ? "503 Service Unavailable" : null,
        ResponseBody = "body " + number,
        RedactedUrl = "https://partner.example/pb?order=***",
    };

    protected async Task<PostbackOutboxCompletionResult> CompleteAsync(params PostbackOutboxCompletion[] completions) =>
        await Store.CompleteAsync(completions, new PostbackEndpointHealthPolicy());

    protected async Task<PostbackOutboxCompletionResult> CompleteAsync(PostbackEndpointHealthPolicy policy, params PostbackOutboxCompletion[] completions) =>
        await Store.CompleteAsync(completions, policy);

    protected async Task<PostbackOutboxDelivery> GetAsync(long id) => (await Store.GetAsync(id))!;

    /// <summary>Claims the one delivery with this id (it must be due) and completes it to a state.</summary>
    protected async Task FinishAsync(long id, PostbackDeliveryState state)
    {
        var lease = (await ClaimAsync("finisher", max: 1000)).Single(l => l.Id == id);
        (await CompleteAsync(Completion(lease, state, owner: "finisher", record: Record(lease.Attempt, Time.GetUtcNow())))).Stale.Should().BeEmpty();
    }

    // ---- initialization ----

    [Fact]
    public async Task Initialize_is_idempotent_and_safe_when_called_concurrently()
    {
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Store.InitializeAsync().AsTask()));
        await Store.InitializeAsync();
        var ids = await EnqueueManyAsync(1);
        await Store.InitializeAsync();
        (await GetAsync(ids[0])).State.Should().Be(PostbackDeliveryState.Pending);
    }

    // ---- enqueue ----

    [Fact]
    public async Task Enqueue_stores_pending_deliveries_and_returns_ids_in_order()
    {
        var entries = new[] { Entry(order: "A-1"), Entry("other", "https://other.example:443", "A-2", TimeSpan.FromSeconds(30)), Entry(order: "A-3") };
        var ids = await Store.EnqueueAsync(entries);

        ids.Should().HaveCount(3).And.OnlyHaveUniqueItems().And.BeInAscendingOrder();
        for (var i = 0; i < 3; i++)
        {
            var delivery = await GetAsync(ids[i]);
            delivery.EndpointName.Should().Be(entries[i].EndpointName);
            delivery.IdempotencyKey.Should().Be(entries[i].IdempotencyKey);
            delivery.HostKey.Should().Be(entries[i].HostKey);
            delivery.OrderNumber.Should().Be(entries[i].OrderNumber);
            delivery.State.Should().Be(PostbackDeliveryState.Pending);
            delivery.Attempts.Should().Be(0);
            delivery.FailedAttempts.Should().Be(0);
            delivery.EnqueuedAt.Should().Be(Start);
            delivery.NextAttemptAt.Should().Be(Start + entries[i].Delay);
            delivery.CompletedAt.Should().BeNull();
            delivery.ParkReason.Should().BeNull();
        }

        (await Store.GetAsync(ids[^1] + 1000)).Should().BeNull();
    }

    [Fact]
    public async Task Enqueue_of_nothing_returns_nothing()
    {
        (await Store.EnqueueAsync([])).Should().BeEmpty();
        (await Store.GetStatsAsync())[PostbackDeliveryState.Pending].Should().Be(0);
    }

    [Fact]
    public async Task Enqueue_is_all_or_nothing()
    {
        var bad = Entry() with { Payload = null! };
        var act = async () => await Store.EnqueueAsync([Entry(), Entry(), bad]);
        await act.Should().ThrowAsync<Exception>();

        (await Store.QueryAsync(new PostbackOutboxFilter(), null, 100)).Items.Should().BeEmpty();
    }

    [Fact]
    public async Task Enqueue_keeps_the_payload_for_the_lease()
    {
        var entry = Entry(order: "P-1");
        await Store.EnqueueAsync([entry]);
        var lease = (await ClaimAsync()).Single();
        lease.Payload.Should().Be(entry.Payload);
        lease.IdempotencyKey.Should().Be(entry.IdempotencyKey);
        lease.EndpointName.Should().Be(entry.EndpointName);
        lease.HostKey.Should().Be(entry.HostKey);
        lease.EnqueuedAt.Should().Be(Start);
        lease.FailedAttempts.Should().Be(0);
    }

    // ---- claim ----

    [Fact]
    public async Task Claim_takes_at_most_MaxCount_oldest_due_first()
    {
        var late = await EnqueueAsync(Entry(delay: TimeSpan.FromSeconds(2)));
        var early = await EnqueueManyAsync(5);
        Time.Advance(TimeSpan.FromSeconds(5));

        var first = await ClaimAsync(max: 3);
        first.Select(l => l.Id).Should().Equal(early.Take(3));

        var rest = await ClaimAsync(max: 10);
        rest.Select(l => l.Id).Should().Equal(early.Skip(3).Append(late[0]));
    }

    [Fact]
    public async Task Claim_does_not_take_deliveries_that_are_not_due()
    {
        var ids = await EnqueueAsync(Entry(delay: TimeSpan.FromSeconds(10)));
        (await ClaimAsync()).Should().BeEmpty();

        Time.Advance(TimeSpan.FromSeconds(9));
        (await ClaimAsync()).Should().BeEmpty();

        Time.Advance(TimeSpan.FromSeconds(1));
        (await ClaimAsync()).Select(l => l.Id).Should().Equal(ids);
    }

    [Fact]
    public async Task Claim_takes_at_most_MaxPerHost_of_one_host()
    {
        var a = await EnqueueManyAsync(5, "a", "https://a.example:443");
        var b = await EnqueueManyAsync(5, "b", "https://b.example:443");

        var claimed = await ClaimAsync(max: 100, perHost: 2);
        claimed.Select(l => l.Id).Should().BeEquivalentTo(a.Take(2).Concat(b.Take(2)));
        claimed.GroupBy(l => l.HostKey).Should().OnlyContain(g => g.Count() == 2);
    }

    [Fact]
    public async Task Claim_skips_excluded_hosts()
    {
        await EnqueueManyAsync(3, "a", "https://a.example:443");
        var b = await EnqueueManyAsync(2, "b", "https://b.example:443");

        var claimed = await ClaimAsync(excluded: ["https://a.example:443"]);
        claimed.Select(l => l.Id).Should().Equal(b);
    }

    [Fact]
    public async Task Claim_leases_the_delivery_and_counts_the_attempt()
    {
        var ids = await EnqueueManyAsync(1);
        var lease = (await ClaimAsync(lease: TimeSpan.FromMinutes(2))).Single();

        lease.Id.Should().Be(ids[0]);
        lease.Attempt.Should().Be(1);
        lease.LeaseExpiresAt.Should().Be(Start + TimeSpan.FromMinutes(2));
        var delivery = await GetAsync(ids[0]);
        delivery.State.Should().Be(PostbackDeliveryState.InFlight);
        delivery.Attempts.Should().Be(1);
        delivery.LeaseExpiresAt.Should().Be(Start + TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task A_claim_is_committed_so_a_second_claimer_gets_other_deliveries()
    {
        var ids = await EnqueueManyAsync(4);
        var first = await ClaimAsync("w1", max: 2);
        var second = await ClaimAsync("w2", max: 10);
        var third = await ClaimAsync("w3", max: 10);

        first.Select(l => l.Id).Should().Equal(ids.Take(2));
        second.Select(l => l.Id).Should().Equal(ids.Skip(2));
        third.Should().BeEmpty();
    }

    [Fact]
    public async Task An_expired_lease_is_claimed_again_with_the_next_attempt()
    {
        var ids = await EnqueueManyAsync(1);
        var first = (await ClaimAsync("w1", lease: TimeSpan.FromSeconds(30))).Single();

        Time.Advance(TimeSpan.FromSeconds(29));
        (await ClaimAsync("w2")).Should().BeEmpty();

        Time.Advance(TimeSpan.FromSeconds(1));
        var second = (await ClaimAsync("w2")).Single();
        second.Id.Should().Be(ids[0]);
        second.Attempt.Should().Be(first.Attempt + 1);
        second.IdempotencyKey.Should().Be(first.IdempotencyKey);
        second.LeaseExpiresAt.Should().Be(Time.GetUtcNow() + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task A_stale_completion_after_a_reclaim_changes_nothing_and_the_new_owner_counts()
    {
        var ids = await EnqueueManyAsync(1);
        var first = (await ClaimAsync("w1", lease: TimeSpan.FromSeconds(30))).Single();
        Time.Advance(TimeSpan.FromSeconds(31));
        var second = (await ClaimAsync("w2")).Single();

        var stale = await CompleteAsync(Completion(first, PostbackDeliveryState.Delivered, "w1", signal: PostbackEndpointSignal.Success, record: Record(first.Attempt, Start, PostbackOutcome.Delivered, 200)));
        stale.Stale.Should().Equal(ids[0]);
        var delivery = await GetAsync(ids[0]);
        delivery.State.Should().Be(PostbackDeliveryState.InFlight);
        delivery.Attempts.Should().Be(2);
        (await Store.GetAttemptsAsync(ids[0])).Should().BeEmpty();
        (await Store.GetEndpointsAsync()).Where(e => e.LastSuccessAt is not null).Should().BeEmpty();

        var counted = await CompleteAsync(Completion(second, PostbackDeliveryState.Delivered, "w2", record: Record(second.Attempt, Time.GetUtcNow(), PostbackOutcome.Delivered, 200)));
        counted.Stale.Should().BeEmpty();
        (await GetAsync(ids[0])).State.Should().Be(PostbackDeliveryState.Delivered);
        (await Store.GetAttemptsAsync(ids[0])).Select(a => a.Number).Should().Equal(2);
    }

    [Fact]
    public async Task A_completion_with_another_owner_or_attempt_or_twice_is_stale()
    {
        var ids = await EnqueueManyAsync(1);
        var lease = (await ClaimAsync("w1")).Single();

        (await CompleteAsync(Completion(lease, PostbackDeliveryState.Delivered, "w2"))).Stale.Should().Equal(ids[0]);
        (await CompleteAsync(Completion(lease, PostbackDeliveryState.Delivered, "w1") with { Attempt = lease.Attempt + 1 })).Stale.Should().Equal(ids[0]);
        (await GetAsync(ids[0])).State.Should().Be(PostbackDeliveryState.InFlight);

        (await CompleteAsync(Completion(lease, PostbackDeliveryState.Delivered, "w1"))).Stale.Should().BeEmpty();
        (await CompleteAsync(Completion(lease, PostbackDeliveryState.Rejected, "w1"))).Stale.Should().Equal(ids[0]);
        (await GetAsync(ids[0])).State.Should().Be(PostbackDeliveryState.Delivered);
    }

    [Fact]
    public async Task A_completion_of_an_unknown_delivery_is_stale()
    {
        var result = await CompleteAsync(new PostbackOutboxCompletion { Id = 123456, Owner = "w1", Attempt = 1, State = PostbackDeliveryState.Delivered });
        result.Stale.Should().Equal(123456);
    }

    // ---- completion states ----

    [Theory]
    [InlineData(PostbackDeliveryState.Delivered)]
    [InlineData(PostbackDeliveryState.Rejected)]
    [InlineData(PostbackDeliveryState.Blocked)]
    [InlineData(PostbackDeliveryState.Invalid)]
    [InlineData(PostbackDeliveryState.Dead)]
    public async Task A_final_completion_sets_the_state_and_completed_at(PostbackDeliveryState state)
    {
        var ids = await EnqueueManyAsync(1);
        var lease = (await ClaimAsync()).Single();
        Time.Advance(TimeSpan.FromSeconds(3));
        await CompleteAsync(Completion(lease, state, record: Record(lease.Attempt, Start, state == PostbackDeliveryState.Delivered ? PostbackOutcome.Delivered : PostbackOutcome.Failed, 500)));

        var delivery = await GetAsync(ids[0]);
        delivery.State.Should().Be(state);
        delivery.CompletedAt.Should().Be(Start + TimeSpan.FromSeconds(3));
        delivery.LeaseExpiresAt.Should().BeNull();
        delivery.NextAttemptAt.Should().BeNull();
        delivery.LastStatusCode.Should().Be(500);

        Time.Advance(TimeSpan.FromDays(1));
        (await ClaimAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_pending_completion_waits_for_its_retry_delay_and_counts_a_failure()
    {
        var ids = await EnqueueManyAsync(1);
        var lease = (await ClaimAsync()).Single();
        await CompleteAsync(Completion(lease, PostbackDeliveryState.Pending, retryDelay: TimeSpan.FromMinutes(5), signal: PostbackEndpointSignal.Failure, record: Record(1, Start)));

        var delivery = await GetAsync(ids[0]);
        delivery.State.Should().Be(PostbackDeliveryState.Pending);
        delivery.NextAttemptAt.Should().Be(Start + TimeSpan.FromMinutes(5));
        delivery.FailedAttempts.Should().Be(1);
        delivery.CompletedAt.Should().BeNull();
        delivery.LastStatusCode.Should().Be(503);
        delivery.LastErrorType.Should().Be("http_status");
        (await Store.GetNextDueAsync()).Should().Be(Start + TimeSpan.FromMinutes(5));

        Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromMilliseconds(1));
        (await ClaimAsync()).Should().BeEmpty();
        Time.Advance(TimeSpan.FromMilliseconds(1));
        var again = (await ClaimAsync()).Single();
        again.Attempt.Should().Be(2);
        again.FailedAttempts.Should().Be(1);
    }

    [Fact]
    public async Task A_parked_completion_keeps_its_reason_and_is_not_claimed()
    {
        var ids = await EnqueueManyAsync(1);
        var lease = (await ClaimAsync()).Single();
        var result = await CompleteAsync(Completion(lease, PostbackDeliveryState.Parked, parkReason: PostbackParkReasons.EndpointMissing));

        result.Stale.Should().BeEmpty();
        var delivery = await GetAsync(ids[0]);
        delivery.State.Should().Be(PostbackDeliveryState.Parked);
        delivery.ParkReason.Should().Be(PostbackParkReasons.EndpointMissing);
        delivery.CompletedAt.Should().BeNull();
        (await Store.GetAttemptsAsync(ids[0])).Should().BeEmpty();
        Time.Advance(TimeSpan.FromDays(1));
        (await ClaimAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Completions_in_one_batch_each_count()
    {
        var ids = await EnqueueManyAsync(3);
        var leases = await ClaimAsync();
        var result = await CompleteAsync(leases.Select(l => Completion(l, PostbackDeliveryState.Delivered)).ToArray());
        result.Stale.Should().BeEmpty();
        foreach (var id in ids)
        {
            (await GetAsync(id)).State.Should().Be(PostbackDeliveryState.Delivered);
        }
    }

    // ---- the delivery log ----

    [Fact]
    public async Task Every_counted_attempt_is_recorded_in_order()
    {
        var ids = await EnqueueManyAsync(1);
        var records = new List<PostbackOutboxAttempt>();
        for (var i = 0; i < 3; i++)
        {
            var lease = (await ClaimAsync()).Single();
            var record = Record(lease.Attempt, Time.GetUtcNow(), i < 2 ? PostbackOutcome.Failed : PostbackOutcome.Delivered, i < 2 ? 503 : 200);
            records.Add(record);
            await CompleteAsync(Completion(lease, i < 2 ? PostbackDeliveryState.Pending : PostbackDeliveryState.Delivered, retryDelay: TimeSpan.FromSeconds(5), record: record));
            Time.Advance(TimeSpan.FromSeconds(5));
        }

        var attempts = await Store.GetAttemptsAsync(ids[0]);
        attempts.Should().BeEquivalentTo(records, o => o.WithStrictOrdering());
        attempts.Select(a => a.Number).Should().Equal(1, 2, 3);
        (await GetAsync(ids[0])).Attempts.Should().Be(3);
    }

    // ---- endpoint health ----

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

    // ---- replay ----

    [Fact]
    public async Task Replay_by_id_makes_a_final_delivery_pending_with_its_key_and_a_fresh_schedule()
    {
        var ids = await EnqueueManyAsync(1);
        var lease = (await ClaimAsync(max: 1)).Single();
        await CompleteAsync(Completion(lease, PostbackDeliveryState.Pending, retryDelay: TimeSpan.FromSeconds(1), record: Record(1, Start)));
        Time.Advance(TimeSpan.FromSeconds(1));
        lease = (await ClaimAsync(max: 1)).Single();
        lease.Id.Should().Be(ids[0]);
        await CompleteAsync(Completion(lease, PostbackDeliveryState.Dead, record: Record(2, Time.GetUtcNow())));
        var dead = await GetAsync(ids[0]);
        dead.FailedAttempts.Should().Be(2);

        Time.Advance(TimeSpan.FromHours(1));
        (await Store.ReplayAsync(new PostbackOutboxFilter { Id = ids[0] })).Should().Be(1);

        var replayed = await GetAsync(ids[0]);
        replayed.State.Should().Be(PostbackDeliveryState.Pending);
        replayed.IdempotencyKey.Should().Be(dead.IdempotencyKey);
        replayed.FailedAttempts.Should().Be(0);
        replayed.CompletedAt.Should().BeNull();
        replayed.NextAttemptAt.Should().Be(Time.GetUtcNow());
        replayed.EnqueuedAt.Should().Be(Start);

        var again = (await ClaimAsync()).Single(l => l.Id == ids[0]);
        again.Attempt.Should().Be(3);
        again.FailedAttempts.Should().Be(0);
        again.IdempotencyKey.Should().Be(dead.IdempotencyKey);
        (await Store.GetAttemptsAsync(ids[0])).Should().HaveCount(2);
    }

    [Fact]
    public async Task Replay_by_filter_matches_endpoint_state_and_time_and_never_touches_in_flight()
    {
        var a = await EnqueueManyAsync(2, "a", "https://a.example:443");
        Time.Advance(TimeSpan.FromHours(1));
        var b = await EnqueueManyAsync(2, "b", "https://b.example:443");
        var leases = await ClaimAsync(max: 4);
        leases.Should().HaveCount(4);

        // a[0] and b[0] dead, a[1] rejected, b[1] stays in flight.
        await CompleteAsync(
            Completion(leases.Single(l => l.Id == a[0]), PostbackDeliveryState.Dead),
            Completion(leases.Single(l => l.Id == a[1]), PostbackDeliveryState.Rejected),
            Completion(leases.Single(l => l.Id == b[0]), PostbackDeliveryState.Dead));

        (await Store.ReplayAsync(new PostbackOutboxFilter { EndpointName = "b" })).Should().Be(1);
        (await GetAsync(b[0])).State.Should().Be(PostbackDeliveryState.Pending);
        (await GetAsync(b[1])).State.Should().Be(PostbackDeliveryState.InFlight);

        (await Store.ReplayAsync(new PostbackOutboxFilter { State = PostbackDeliveryState.Rejected, Until = Start + TimeSpan.FromMinutes(1) })).Should().Be(1);
        (await GetAsync(a[1])).State.Should().Be(PostbackDeliveryState.Pending);
        (await GetAsync(a[0])).State.Should().Be(PostbackDeliveryState.Dead);

        (await Store.ReplayAsync(new PostbackOutboxFilter { State = PostbackDeliveryState.Dead, Since = Start + TimeSpan.FromMinutes(1) })).Should().Be(0);
        (await Store.ReplayAsync(new PostbackOutboxFilter { State = PostbackDeliveryState.Dead, Since = Start })).Should().Be(1);
        (await GetAsync(a[0])).State.Should().Be(PostbackDeliveryState.Pending);
        (await GetAsync(b[1])).State.Should().Be(PostbackDeliveryState.InFlight);
    }

    [Fact]
    public async Task Replay_of_a_delivery_of_a_disabled_endpoint_parks_it_again()
    {
        var ids = await EnqueueManyAsync(1);
        var lease = (await ClaimAsync()).Single();
        await CompleteAsync(Completion(lease, PostbackDeliveryState.Dead));
        await Store.SetEndpointEnabledAsync("partner", false, "operator");

        (await Store.ReplayAsync(new PostbackOutboxFilter { Id = ids[0] })).Should().Be(1);
        var delivery = await GetAsync(ids[0]);
        delivery.State.Should().Be(PostbackDeliveryState.Parked);
        delivery.ParkReason.Should().Be(PostbackParkReasons.EndpointDisabled);

        await Store.SetEndpointEnabledAsync("partner", true, null);
        (await ClaimAsync()).Single().Attempt.Should().Be(2);
    }

    [Fact]
    public async Task Replay_resumes_a_delivery_parked_because_its_endpoint_was_missing()
    {
        var ids = await EnqueueManyAsync(1);
        var lease = (await ClaimAsync()).Single();
        await CompleteAsync(Completion(lease, PostbackDeliveryState.Parked, parkReason: PostbackParkReasons.EndpointMissing));

        (await Store.ReplayAsync(new PostbackOutboxFilter { State = PostbackDeliveryState.Parked })).Should().Be(1);
        var delivery = await GetAsync(ids[0]);
        delivery.State.Should().Be(PostbackDeliveryState.Pending);
        delivery.ParkReason.Should().BeNull();
    }

    // ---- retention ----

    [Fact]
    public async Task Purge_deletes_old_final_deliveries_with_their_attempts_and_never_live_ones()
    {
        var ids = await EnqueueManyAsync(8);
        var leases = await ClaimAsync(max: 8);
        var states = new[] { PostbackDeliveryState.Delivered, PostbackDeliveryState.Rejected, PostbackDeliveryState.Blocked, PostbackDeliveryState.Invalid, PostbackDeliveryState.Dead };
        await CompleteAsync(leases.Take(5).Select((l, i) => Completion(l, states[i], record: Record(l.Attempt, Start))).ToArray());
        await CompleteAsync(Completion(leases[5], PostbackDeliveryState.Pending, retryDelay: TimeSpan.FromDays(365)));
        await CompleteAsync(Completion(leases[6], PostbackDeliveryState.Parked, parkReason: PostbackParkReasons.EndpointMissing));

        // leases[7] stays in flight; its lease expired long ago by the end, and it is still never purged.
        Time.Advance(TimeSpan.FromDays(10));
        (await Store.PurgeAsync(TimeSpan.FromDays(30), TimeSpan.FromDays(90))).Should().Be(0);

        Time.Advance(TimeSpan.FromDays(21));
        (await Store.PurgeAsync(TimeSpan.FromDays(30), TimeSpan.FromDays(90))).Should().Be(4);
        for (var i = 0; i < 4; i++)
        {
            (await Store.GetAsync(ids[i])).Should().BeNull();
            (await Store.GetAttemptsAsync(ids[i])).Should().BeEmpty();
        }

        (await GetAsync(ids[4])).State.Should().Be(PostbackDeliveryState.Dead);
        (await Store.GetAttemptsAsync(ids[4])).Should().ContainSingle();

        Time.Advance(TimeSpan.FromDays(60));
        (await Store.PurgeAsync(TimeSpan.FromDays(30), TimeSpan.FromDays(90))).Should().Be(1);
        (await Store.GetAsync(ids[4])).Should().BeNull();
        (await Store.GetAttemptsAsync(ids[4])).Should().BeEmpty();

        Time.Advance(TimeSpan.FromDays(1000));
        (await Store.PurgeAsync(TimeSpan.Zero, TimeSpan.Zero)).Should().Be(0);
        (await GetAsync(ids[5])).State.Should().Be(PostbackDeliveryState.Pending);
        (await GetAsync(ids[6])).State.Should().Be(PostbackDeliveryState.Parked);
        (await GetAsync(ids[7])).State.Should().Be(PostbackDeliveryState.InFlight);
    }

    [Fact]
    public async Task Purge_removes_more_than_one_batch()
    {
        var ids = await EnqueueManyAsync(2500);
        var leases = await ClaimAsync(max: 2500);
        leases.Should().HaveCount(2500);
        await CompleteAsync(leases.Select(l => Completion(l, PostbackDeliveryState.Delivered)).ToArray());
        Time.Advance(TimeSpan.FromDays(31));

        (await Store.PurgeAsync(TimeSpan.FromDays(30), TimeSpan.FromDays(90))).Should().Be(2500);
        (await Store.GetStatsAsync())[PostbackDeliveryState.Delivered].Should().Be(0);
        (await Store.GetAsync(ids[^1])).Should().BeNull();
    }

    // ---- queries ----

    [Fact]
    public async Task Query_filters_by_id_endpoint_state_order_number_and_time()
    {
        var first = await Store.EnqueueAsync([Entry("a", order: "O-1"), Entry("b", order: "O-2")]);
        Time.Advance(TimeSpan.FromMinutes(10));
        var second = await Store.EnqueueAsync([Entry("a", order: "O-3"), Entry("a", order: "O-1")]);
        var lease = (await ClaimAsync(max: 1)).Single();
        await CompleteAsync(Completion(lease, PostbackDeliveryState.Delivered));

        async Task<long[]> Ids(PostbackOutboxFilter filter) => (await Store.QueryAsync(filter, null, 100)).Items.Select(d => d.Id).ToArray();

        (await Ids(new PostbackOutboxFilter())).Should().Equal(second[1], second[0], first[1], first[0]);
        (await Ids(new PostbackOutboxFilter { Id = first[1] })).Should().Equal(first[1]);
        (await Ids(new PostbackOutboxFilter { EndpointName = "a" })).Should().Equal(second[1], second[0], first[0]);
        (await Ids(new PostbackOutboxFilter { EndpointName = "A" })).Should().BeEmpty();
        (await Ids(new PostbackOutboxFilter { OrderNumber = "O-1" })).Should().Equal(second[1], first[0]);
        (await Ids(new PostbackOutboxFilter { State = PostbackDeliveryState.Delivered })).Should().Equal(first[0]);
        (await Ids(new PostbackOutboxFilter { State = PostbackDeliveryState.Pending, EndpointName = "a" })).Should().Equal(second[1], second[0]);
        (await Ids(new PostbackOutboxFilter { Since = Start + TimeSpan.FromMinutes(10) })).Should().Equal(second[1], second[0]);
        (await Ids(new PostbackOutboxFilter { Until = Start + TimeSpan.FromMinutes(10) })).Should().Equal(first[1], first[0]);
        (await Ids(new PostbackOutboxFilter { Since = Start, Until = Start + TimeSpan.FromMinutes(10), OrderNumber = "O-1" })).Should().Equal(first[0]);
    }

    [Fact]
    public async Task Query_pages_newest_first_by_keyset()
    {
        var ids = await EnqueueManyAsync(7);
        var seen = new List<long>();
        long? before = null;
        var pages = 0;
        do
        {
            var page = await Store.QueryAsync(new PostbackOutboxFilter(), before, 3);
            page.Items.Count.Should().BeLessThanOrEqualTo(3);
            seen.AddRange(page.Items.Select(d => d.Id));
            before = page.NextBeforeId;
            pages++;
        }
        while (before is not null && pages < 10);

        pages.Should().Be(3);
        seen.Should().Equal(ids.Reverse());

        var exact = await Store.QueryAsync(new PostbackOutboxFilter(), null, 7);
        exact.Items.Should().HaveCount(7);
        exact.NextBeforeId.Should().BeNull();
    }

    [Fact]
    public async Task Query_refuses_a_page_size_outside_1_to_1000()
    {
        var zero = async () => await Store.QueryAsync(new PostbackOutboxFilter(), null, 0);
        var tooMany = async () => await Store.QueryAsync(new PostbackOutboxFilter(), null, 1001);
        await zero.Should().ThrowAsync<ArgumentOutOfRangeException>();
        await tooMany.Should().ThrowAsync<ArgumentOutOfRangeException>();
        (await Store.QueryAsync(new PostbackOutboxFilter(), null, 1000)).Items.Should().BeEmpty();
    }

    // ---- stats and the next due time ----

    [Fact]
    public async Task Stats_count_by_state_and_find_the_oldest_pending()
    {
        var empty = await Store.GetStatsAsync();
        empty[PostbackDeliveryState.Pending].Should().Be(0);
        empty.OldestPendingEnqueuedAt.Should().BeNull();

        await EnqueueManyAsync(3);
        Time.Advance(TimeSpan.FromMinutes(1));
        await EnqueueManyAsync(2);
        var leases = await ClaimAsync(max: 2);
        await CompleteAsync(Completion(leases[0], PostbackDeliveryState.Delivered));

        var stats = await Store.GetStatsAsync();
        stats[PostbackDeliveryState.Pending].Should().Be(3);
        stats[PostbackDeliveryState.InFlight].Should().Be(1);
        stats[PostbackDeliveryState.Delivered].Should().Be(1);
        stats[PostbackDeliveryState.Dead].Should().Be(0);
        stats.OldestPendingEnqueuedAt.Should().Be(Start);

        var rest = await ClaimAsync(max: 10);
        await CompleteAsync(rest.Where(l => l.EnqueuedAt == Start).Select(l => Completion(l, PostbackDeliveryState.Dead)).ToArray());
        await CompleteAsync(rest.Where(l => l.EnqueuedAt != Start).Select(l => Completion(l, PostbackDeliveryState.Pending)).ToArray());
        stats = await Store.GetStatsAsync();
        stats[PostbackDeliveryState.Dead].Should().Be(1);
        stats[PostbackDeliveryState.Pending].Should().Be(2);
        stats.OldestPendingEnqueuedAt.Should().Be(Start + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Next_due_is_the_earliest_pending_delivery()
    {
        (await Store.GetNextDueAsync()).Should().BeNull();
        await EnqueueAsync(Entry(delay: TimeSpan.FromMinutes(5)));
        await EnqueueAsync(Entry(delay: TimeSpan.FromMinutes(2)));
        (await Store.GetNextDueAsync()).Should().Be(Start + TimeSpan.FromMinutes(2));

        Time.Advance(TimeSpan.FromMinutes(2));
        var lease = (await ClaimAsync()).Single();
        (await Store.GetNextDueAsync()).Should().Be(Start + TimeSpan.FromMinutes(5));
        await CompleteAsync(Completion(lease, PostbackDeliveryState.Delivered));

        Time.Advance(TimeSpan.FromMinutes(3));
        await CompleteAsync(Completion((await ClaimAsync()).Single(), PostbackDeliveryState.Delivered));
        (await Store.GetNextDueAsync()).Should().BeNull();
    }

    // ---- concurrency ----

    [Fact]
    public async Task Parallel_claimers_never_claim_a_delivery_twice()
    {
        const int Rows = 400;
        var ids = await EnqueueManyAsync(Rows);
        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var mine = new List<long>();
            while (true)
            {
                var batch = await ClaimAsync("w" + worker, max: 7);
                if (batch.Count == 0)
                {
                    return mine;
                }

                mine.AddRange(batch.Select(l => l.Id));
            }
        })));

        var all = claims.SelectMany(c => c).ToList();
        all.Should().OnlyHaveUniqueItems();
        all.Should().BeEquivalentTo(ids);
        (await Store.GetStatsAsync())[PostbackDeliveryState.InFlight].Should().Be(Rows);
    }

    [Fact]
    public async Task Parallel_enqueues_each_get_their_own_ids()
    {
        var batches = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () => await EnqueueManyAsync(50))));
        var all = batches.SelectMany(b => b).ToList();
        all.Should().HaveCount(200).And.OnlyHaveUniqueItems();
        foreach (var batch in batches)
        {
            batch.Should().BeInAscendingOrder();
        }

        (await Store.GetStatsAsync())[PostbackDeliveryState.Pending].Should().Be(200);
    }
}
