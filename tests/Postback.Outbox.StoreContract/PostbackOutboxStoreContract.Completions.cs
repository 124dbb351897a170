namespace Postback.Tests;

// The contract: what each completion state does to a delivery.
public abstract partial class PostbackOutboxStoreContract
{
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
}
