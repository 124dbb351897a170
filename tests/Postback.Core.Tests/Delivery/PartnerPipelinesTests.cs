using Microsoft.Extensions.DependencyInjection;
using Postback.Internal;
using Postback.Tests.Support;

namespace Postback.Tests.Delivery;

/// <summary>
/// The per-partner pipelines are found without a lock and ordered by use stamps: the bound must still hold under
/// concurrent sends, and eviction must still take the least recently used partner, not the oldest one built.
/// </summary>
public sealed class PartnerPipelinesTests
{
    private static ServiceProvider Build(int bound) =>
        PostbackTestHost.BuildServices(o => o.CircuitBreaker.MaxHosts = bound);

    [Fact]
    public void A_partner_used_through_the_lock_free_path_is_not_the_one_evicted()
    {
        using var services = Build(bound: 3);
        var pipelines = services.GetRequiredService<PartnerPipelines>();
        var a = pipelines.Get("https://a.test:443");
        var b = pipelines.Get("https://b.test:443");
        var c = pipelines.Get("https://c.test:443");

        pipelines.Get("https://a.test:443").Should().BeSameAs(a, "a live partner is found, not built again");
        pipelines.Get("https://d.test:443");

        pipelines.Count.Should().Be(3);
        pipelines.Get("https://a.test:443").Should().BeSameAs(a, "a was used after b and c, so b, the least recently used, made room");
        pipelines.Get("https://c.test:443").Should().BeSameAs(c);
        pipelines.Get("https://b.test:443").Should().NotBeSameAs(b, "b was evicted and is built again");
        pipelines.Count.Should().Be(3);
    }

    [Fact]
    public void Eviction_follows_the_order_of_use_across_many_partners()
    {
        using var services = Build(bound: 8);
        var pipelines = services.GetRequiredService<PartnerPipelines>();
        var first = Enumerable.Range(0, 8).Select(i => pipelines.Get($"https://p{i}.test:443")).ToArray();

        // Used in reverse order: p0 is now the most recent and p7 the least.
        for (var i = 7; i >= 0; i--)
        {
            pipelines.Get($"https://p{i}.test:443");
        }

        // Four new partners evict the four least recently used: p7, p6, p5, p4.
        for (var i = 0; i < 4; i++)
        {
            pipelines.Get($"https://new{i}.test:443");
        }

        for (var i = 0; i < 4; i++)
        {
            pipelines.Get($"https://p{i}.test:443").Should().BeSameAs(first[i], $"p{i} was used more recently than p4 to p7");
        }

        pipelines.Count.Should().Be(8);
    }

    [Fact]
    public async Task The_bound_holds_while_many_threads_find_and_add_partners()
    {
        const int Bound = 16;
        using var services = Build(Bound);
        var pipelines = services.GetRequiredService<PartnerPipelines>();
        var overBound = 0;
        var wrongPartner = 0;

        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 3000; i++)
            {
                // Mostly a few hot partners (the lock-free path), sometimes one of many cold ones (the locked path).
                var authority = random.Next(4) == 0 ? $"https://cold{random.Next(200)}.test:443" : $"https://hot{random.Next(4)}.test:443";
                if (pipelines.Get(authority).Authority != authority)
                {
                    Interlocked.Increment(ref wrongPartner);
                }

                if (pipelines.Count > Bound)
                {
                    Interlocked.Increment(ref overBound);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        wrongPartner.Should().Be(0);
        overBound.Should().Be(0, "partners are only added under the lock, after making room");
        pipelines.Count.Should().BeLessThanOrEqualTo(Bound);
    }
}
