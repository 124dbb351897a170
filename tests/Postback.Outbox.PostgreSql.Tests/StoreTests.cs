using Microsoft.Extensions.Time.Testing;
using Postback.Tests.Support;

namespace Postback.Tests;

/// <summary>The PostgreSQL-specific shape of the store: the hot table, history, replay and purge across both.</summary>
public sealed class StoreTests(PostgreSqlServer server) : PostgreSqlTestBase(server)
{
    [Fact]
    public async Task A_finished_delivery_leaves_the_hot_table_and_stays_queryable()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = await CreateStoreAsync(time);
        var ids = await store.EnqueueAsync(Entries(3));
        ids.Should().BeInAscendingOrder().And.HaveCount(3);

        var leases = await store.ClaimAsync(Claim("a"));
        leases.Select(l => l.Id).Should().Equal(ids);
        leases.Should().OnlyContain(l => l.Attempt == 1 && l.FailedAttempts == 0);
        var result = await store.CompleteAsync(leases.Select(l => Delivered(l, "a")).ToList(), new PostbackEndpointHealthPolicy());
        result.Stale.Should().BeEmpty();

        (await ScalarAsync($"SELECT count(*) FROM \"{store.Schema}\".deliveries")).Should().Be(0);
        (await ScalarAsync($"SELECT count(*) FROM \"{store.Schema}\".history")).Should().Be(3);
        var delivery = await store.GetAsync(ids[1]);
        delivery!.State.Should().Be(PostbackDeliveryState.Delivered);
        delivery.CompletedAt.Should().Be(time.GetUtcNow());
        delivery.LastStatusCode.Should().Be(200);
        delivery.IdempotencyKey.Should().Be("key-partner-1");
        (await store.GetAttemptsAsync(ids[1])).Should().ContainSingle().Which.RedactedUrl.Should().Contain("***");
        var page = await store.QueryAsync(new PostbackOutboxFilter { OrderNumber = "o-2" }, null, 10);
        page.Items.Should().ContainSingle().Which.Id.Should().Be(ids[2]);
        (await store.GetStatsAsync())[PostbackDeliveryState.Delivered].Should().Be(3);
    }

    [Fact]
    public async Task Replay_moves_a_finished_delivery_back_with_its_id_key_and_attempt_counter()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = await CreateStoreAsync(time);
        var id = (await store.EnqueueAsync([Entry(1)]))[0];
        var lease = (await store.ClaimAsync(Claim("a"))).Single();
        await store.CompleteAsync([Delivered(lease, "a")], new PostbackEndpointHealthPolicy());

        time.Advance(TimeSpan.FromMinutes(5));
        (await store.ReplayAsync(new PostbackOutboxFilter { Id = id })).Should().Be(1);
        (await ScalarAsync($"SELECT count(*) FROM \"{store.Schema}\".history")).Should().Be(0);

        var again = (await store.ClaimAsync(Claim("b"))).Single();
        again.Id.Should().Be(id);
        again.IdempotencyKey.Should().Be(lease.IdempotencyKey);
        again.Attempt.Should().Be(2);
        again.FailedAttempts.Should().Be(0);
    }

    [Fact]
    public async Task Query_pages_newest_first_across_live_and_finished_deliveries()
    {
        var store = await CreateStoreAsync();
        var ids = await store.EnqueueAsync(Entries(7));
        var leases = await store.ClaimAsync(Claim("a", max: 3));
        await store.CompleteAsync(leases.Select(l => Delivered(l, "a")).ToList(), new PostbackEndpointHealthPolicy());

        var seen = new List<long>();
        long? before = null;
        do
        {
            var page = await store.QueryAsync(new PostbackOutboxFilter(), before, 3);
            seen.AddRange(page.Items.Select(i => i.Id));
            before = page.NextBeforeId;
        }
        while (before is not null);

        seen.Should().Equal(ids.Reverse());
    }

    [Fact]
    public async Task Purge_deletes_old_finished_deliveries_with_their_attempts_in_batches()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = await CreateStoreAsync(time);
        await store.EnqueueAsync(Entries(2500));
        while ((await store.ClaimAsync(Claim("a", max: 500))) is { Count: > 0 } leases)
        {
            await store.CompleteAsync(leases.Select(l => Delivered(l, "a")).ToList(), new PostbackEndpointHealthPolicy());
        }

        (await store.PurgeAsync(TimeSpan.FromDays(30), TimeSpan.FromDays(90))).Should().Be(0);
        time.Advance(TimeSpan.FromDays(31));
        (await store.PurgeAsync(TimeSpan.FromDays(30), TimeSpan.FromDays(90))).Should().Be(2500);
        (await ScalarAsync($"SELECT count(*) FROM \"{store.Schema}\".attempts")).Should().Be(0);
    }

    [Fact]
    public async Task Disabling_an_endpoint_from_completions_parks_its_pending_deliveries()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = await CreateStoreAsync(time);
        await store.EnqueueAsync(Entries(5));
        var lease = (await store.ClaimAsync(Claim("a", max: 1))).Single();
        var result = await store.CompleteAsync(
            [new PostbackOutboxCompletion { Id = lease.Id, Owner = "a", Attempt = 1, State = PostbackDeliveryState.Pending, RetryDelay = TimeSpan.FromSeconds(5), Signal = PostbackEndpointSignal.Gone }],
            new PostbackEndpointHealthPolicy());

        result.Disabled.Should().ContainSingle().Which.Name.Should().Be("partner");
        var stats = await store.GetStatsAsync();
        stats[PostbackDeliveryState.Parked].Should().Be(5);
        (await store.EnqueueAsync([Entry(9)])).Should().HaveCount(1);
        (await store.GetStatsAsync())[PostbackDeliveryState.Parked].Should().Be(6);

        (await store.SetEndpointEnabledAsync("partner", true, null)).Should().BeTrue();
        (await store.GetStatsAsync())[PostbackDeliveryState.Pending].Should().Be(6);
    }
}
