namespace Postback.Tests;

// The contract: the delivery log (queries, attempts), the stats and the next due time.
public abstract partial class PostbackOutboxStoreContract
{
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
}
