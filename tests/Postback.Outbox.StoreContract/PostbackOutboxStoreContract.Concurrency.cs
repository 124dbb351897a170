namespace Postback.Tests;

// The contract: parallel claimers and enqueuers never share a delivery or an id.
public abstract partial class PostbackOutboxStoreContract
{
    [Fact]
    public async Task Parallel_claimers_never_claim_a_delivery_twice()
    {
        const int Rows = 400;
        var ids = await EnqueueManyAsync(Rows);
        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var mine = new List<long>();
            while (true)
            {
                var batch = await ClaimAsync("w" + worker, max: 7);
                if (batch.Count == 0)
                {
                    return mine;
                }

                mine.AddRange(batch.Select(l => l.Id));
            }
        })));

        var all = claims.SelectMany(c => c).ToList();
        all.Should().OnlyHaveUniqueItems();
        all.Should().BeEquivalentTo(ids);
        (await Store.GetStatsAsync())[PostbackDeliveryState.InFlight].Should().Be(Rows);
    }

    [Fact]
    public async Task Parallel_enqueues_each_get_their_own_ids()
    {
        var batches = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () => await EnqueueManyAsync(50))));
        var all = batches.SelectMany(b => b).ToList();
        all.Should().HaveCount(200).And.OnlyHaveUniqueItems();
        foreach (var batch in batches)
        {
            batch.Should().BeInAscendingOrder();
        }

        (await Store.GetStatsAsync())[PostbackDeliveryState.Pending].Should().Be(200);
    }
}
