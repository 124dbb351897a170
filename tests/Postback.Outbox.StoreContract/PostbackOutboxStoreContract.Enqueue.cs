namespace Postback.Tests;

// The contract: enqueue stores pending deliveries, all or nothing, ids in order.
public abstract partial class PostbackOutboxStoreContract
{
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
}
