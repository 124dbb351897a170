namespace Postback.Tests;

// The contract: replays make deliveries pending again with their key and a fresh schedule.
public abstract partial class PostbackOutboxStoreContract
{
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
}
