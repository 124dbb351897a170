using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Postback.Tests.Support;

namespace Postback.Tests;

public sealed class ClaimTests(PostgreSqlServer server) : PostgreSqlTestBase(server)
{
    [Fact]
    public async Task Two_concurrent_claimers_never_claim_one_delivery_twice()
    {
        // Two "nodes" (stores with their own connections) claim and complete as fast as they can, round after round.
        var schema = PostgreSqlServer.NewSchema();
        var a = await CreateStoreAsync(schema: schema, clock: PostgreSqlOutboxClock.Database);
        var b = await CreateStoreAsync(schema: schema, clock: PostgreSqlOutboxClock.Database);
        const int Total = 4000;
        var ids = await a.EnqueueAsync(Entries(Total));
        var claimed = new ConcurrentDictionary<long, string>();
        var duplicates = new ConcurrentBag<long>();
        var rounds = 0;

        async Task RunAsync(PostgreSqlPostbackOutboxStore store, string owner)
        {
            while (true)
            {
                var leases = await store.ClaimAsync(Claim(owner, max: 37));
                if (leases.Count == 0)
                {
                    return;
                }

                Interlocked.Increment(ref rounds);
                foreach (var lease in leases)
                {
                    if (!claimed.TryAdd(lease.Id, owner))
                    {
                        duplicates.Add(lease.Id);
                    }
                }

                var result = await store.CompleteAsync(leases.Select(l => Delivered(l, owner)).ToList(), new PostbackEndpointHealthPolicy());
                result.Stale.Should().BeEmpty();
            }
        }

        await Task.WhenAll(Task.Run(() => RunAsync(a, "a")), Task.Run(() => RunAsync(b, "b")));

        duplicates.Should().BeEmpty();
        claimed.Keys.Should().BeEquivalentTo(ids);
        claimed.Values.Should().Contain("a").And.Contain("b");
        rounds.Should().BeGreaterThan(Total / 37);
        (await a.GetStatsAsync())[PostbackDeliveryState.Delivered].Should().Be(Total);
    }

    [Fact]
    public async Task A_claim_takes_the_oldest_due_first_and_leaves_future_ones()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = await CreateStoreAsync(time);
        var later = (await store.EnqueueAsync([Entry(1, delay: TimeSpan.FromMinutes(5))]))[0];
        time.Advance(TimeSpan.FromSeconds(1));
        var now = (await store.EnqueueAsync([Entry(2)]))[0];

        (await store.ClaimAsync(Claim("a", lease: TimeSpan.FromHours(1)))).Select(l => l.Id).Should().Equal(now);
        (await store.GetNextDueAsync()).Should().Be(new DateTimeOffset(2025, 1, 1, 0, 5, 0, TimeSpan.Zero));
        time.Advance(TimeSpan.FromMinutes(5));
        (await store.ClaimAsync(Claim("a"))).Select(l => l.Id).Should().Equal(later);
    }

    [Fact]
    public async Task MaxPerHost_spreads_a_batch_over_hosts_even_behind_a_backlog_of_one_host()
    {
        var store = await CreateStoreAsync();
        await store.EnqueueAsync(Entries(500, "big", "http://big.test:80"));
        await store.EnqueueAsync(Entries(3, "small", "http://small.test:80"));

        var leases = await store.ClaimAsync(Claim("a", max: 10, maxPerHost: 4));
        leases.GroupBy(l => l.HostKey).ToDictionary(g => g.Key, g => g.Count())
            .Should().BeEquivalentTo(new Dictionary<string, int> { ["http://big.test:80"] = 4, ["http://small.test:80"] = 3 });

        var excluded = await store.ClaimAsync(Claim("a", max: 10, excluded: ["http://big.test:80"]));
        excluded.Should().BeEmpty("the small host's deliveries are in flight and the big host is excluded");
    }

    [Fact]
    public async Task A_worker_whose_lease_expired_cannot_complete_a_reclaimed_delivery()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var schema = PostgreSqlServer.NewSchema();
        var nodeA = await CreateStoreAsync(time, schema);
        var nodeB = await CreateStoreAsync(time, schema);
        await nodeA.EnqueueAsync([Entry(1)]);
        var first = (await nodeA.ClaimAsync(Claim("a", lease: TimeSpan.FromSeconds(30)))).Single();
        (await nodeB.ClaimAsync(Claim("b"))).Should().BeEmpty();

        time.Advance(TimeSpan.FromSeconds(31));
        var second = (await nodeB.ClaimAsync(Claim("b"))).Single();
        second.Attempt.Should().Be(first.Attempt + 1);

        var late = await nodeA.CompleteAsync([Delivered(first, "a")], new PostbackEndpointHealthPolicy());
        late.Stale.Should().Equal(first.Id);
        (await nodeA.GetAsync(first.Id))!.State.Should().Be(PostbackDeliveryState.InFlight);
        (await nodeA.GetAttemptsAsync(first.Id)).Should().BeEmpty();

        (await nodeB.CompleteAsync([Delivered(second, "b")], new PostbackEndpointHealthPolicy())).Stale.Should().BeEmpty();
        var attempts = await nodeB.GetAttemptsAsync(first.Id);
        attempts.Should().ContainSingle().Which.Number.Should().Be(2);
    }
}
