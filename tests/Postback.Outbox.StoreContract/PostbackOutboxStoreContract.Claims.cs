namespace Postback.Tests;

// The contract: claims take the oldest due deliveries within the caps, lease them, and fence stale completions.
public abstract partial class PostbackOutboxStoreContract
{
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
    public async Task Claim_passes_a_host_at_its_share_by_for_younger_deliveries_of_other_hosts()
    {
        // The oldest three are all one host's: a claim of three with two per host must reach past them.
        var a = await EnqueueManyAsync(3, "a", "https://a.example:443");
        var b = await EnqueueManyAsync(2, "b", "https://b.example:443");

        var claimed = await ClaimAsync(max: 3, perHost: 2);

        claimed.Select(l => l.Id).Should().Equal(a[0], a[1], b[0]);
    }

    [Fact]
    public async Task Claim_within_every_hosts_share_takes_exactly_the_oldest_due_in_order()
    {
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            ids.AddRange(await EnqueueManyAsync(1, "a", "https://a.example:443"));
            ids.AddRange(await EnqueueManyAsync(1, "b", "https://b.example:443"));
        }

        var claimed = await ClaimAsync(max: 4, perHost: 2);

        claimed.Select(l => l.Id).Should().Equal(ids.Take(4));
        (await ClaimAsync(max: 10, perHost: 2)).Select(l => l.Id).Should().Equal(ids.Skip(4));
    }

    [Fact]
    public async Task Claim_takes_expired_leases_and_pending_deliveries_together_oldest_due_first()
    {
        var first = await EnqueueManyAsync(2);
        (await ClaimAsync("w1", lease: TimeSpan.FromSeconds(10))).Select(l => l.Id).Should().Equal(first);
        Time.Advance(TimeSpan.FromSeconds(5));
        var later = await EnqueueManyAsync(2);
        Time.Advance(TimeSpan.FromSeconds(5));

        var claimed = await ClaimAsync("w2", max: 3);

        claimed.Select(l => l.Id).Should().Equal(first[0], first[1], later[0]);
        claimed.Take(2).Should().OnlyContain(l => l.Attempt == 2, "the expired leases are claimed again");
        (await ClaimAsync("w3", max: 10)).Select(l => l.Id).Should().Equal(later[1]);
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
}
