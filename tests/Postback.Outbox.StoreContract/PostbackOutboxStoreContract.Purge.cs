namespace Postback.Tests;

// The contract: retention deletes old final deliveries with their attempts, never live ones.
public abstract partial class PostbackOutboxStoreContract
{
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
}
