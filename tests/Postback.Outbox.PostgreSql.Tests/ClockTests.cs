using Microsoft.Extensions.Time.Testing;
using Postback.Tests.Support;

namespace Postback.Tests;

/// <summary>With the database clock (the default), nodes whose own clocks disagree still agree on leases.</summary>
public sealed class ClockTests(PostgreSqlServer server) : PostgreSqlTestBase(server)
{
    [Fact]
    public async Task A_node_whose_clock_runs_an_hour_ahead_does_not_steal_a_live_lease_on_the_database_clock()
    {
        var schema = PostgreSqlServer.NewSchema();
        var honest = await CreateStoreAsync(TimeProvider.System, schema, PostgreSqlOutboxClock.Database);
        var skewed = await CreateStoreAsync(new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(1)), schema, PostgreSqlOutboxClock.Database);
        await honest.EnqueueAsync([Entry(1)]);

        var lease = (await honest.ClaimAsync(Claim("honest", lease: TimeSpan.FromMinutes(1)))).Single();
        var databaseNow = DateTimeOffset.FromUnixTimeMilliseconds(await ScalarAsync("SELECT (extract(epoch from now()) * 1000)::bigint"));
        lease.LeaseExpiresAt.Should().BeCloseTo(databaseNow.AddMinutes(1), TimeSpan.FromSeconds(5));
        (await skewed.ClaimAsync(Claim("skewed"))).Should().BeEmpty("the lease holds by the database's clock");
        (await honest.CompleteAsync([Delivered(lease, "honest")], new PostbackEndpointHealthPolicy())).Stale.Should().BeEmpty();
    }

    [Fact]
    public async Task The_same_skew_on_the_TimeProvider_clock_would_steal_the_lease()
    {
        // Why the database clock is the default: with per-node clocks, a node an hour ahead sees every lease expired.
        var schema = PostgreSqlServer.NewSchema();
        var honest = await CreateStoreAsync(TimeProvider.System, schema, PostgreSqlOutboxClock.TimeProvider);
        var skewed = await CreateStoreAsync(new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(1)), schema, PostgreSqlOutboxClock.TimeProvider);
        await honest.EnqueueAsync([Entry(1)]);
        (await honest.ClaimAsync(Claim("honest", lease: TimeSpan.FromMinutes(1)))).Should().ContainSingle();

        (await skewed.ClaimAsync(Claim("skewed"))).Should().ContainSingle();
    }

    [Fact]
    public async Task A_lease_on_the_database_clock_expires_by_the_database_clock()
    {
        var schema = PostgreSqlServer.NewSchema();
        var a = await CreateStoreAsync(TimeProvider.System, schema, PostgreSqlOutboxClock.Database);
        var b = await CreateStoreAsync(new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-1)), schema, PostgreSqlOutboxClock.Database);
        await a.EnqueueAsync([Entry(1)]);
        var first = (await a.ClaimAsync(Claim("a", lease: TimeSpan.FromMilliseconds(300)))).Single();

        await Task.Delay(TimeSpan.FromMilliseconds(600));
        var second = (await b.ClaimAsync(Claim("b"))).Single();
        second.Attempt.Should().Be(first.Attempt + 1);
        (await a.CompleteAsync([Delivered(first, "a")], new PostbackEndpointHealthPolicy())).Stale.Should().Equal(first.Id);
    }
}
