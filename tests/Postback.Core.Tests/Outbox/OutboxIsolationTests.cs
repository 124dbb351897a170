using Postback.Tests.Support;

namespace Postback.Tests.Outbox;

/// <summary>
/// The queue's starvation rule, applied to the outbox: a slow partner with a backlog holds at most its share of this node's
/// slots, so an instant partner's postbacks go through meanwhile. Counts and order only; no elapsed time is asserted.
/// </summary>
public sealed class OutboxIsolationTests
{
    private const int PerPartner = 12;
    private const int PerHost = 2;

    [Fact]
    public async Task A_slow_partners_backlog_never_holds_more_than_its_share_and_the_fast_partner_is_all_delivered_meanwhile()
    {
        // The slow partner answers only when the test lets it, one request at a time: "slow" without a clock.
        using var gate = new SemaphoreSlim(0);
        await using var slow = await KestrelReceiver.StartAsync(async context =>
        {
            await gate.WaitAsync(context.RequestAborted);
            context.Response.StatusCode = 200;
        });
        await using var fast = await KestrelReceiver.StartAsync();
        var app = await OutboxApp.StartAsync(
            o =>
            {
                o.MaxConcurrency = 4;
                o.MaxConcurrencyPerHost = PerHost;
            },
            postbacks: o =>
            {
                o.AddEndpoint("slow", e => e.Url = slow.BaseUrl + "/pb?o=#on#");
                o.AddEndpoint("fast", e => e.Url = fast.BaseUrl + "/pb?o=#on#");
            },
            configuredEndpoint: false);
        try
        {
            // The slow partner's backlog first, in one write: every claim sees its rows as the oldest due.
            var entries = new List<PostbackOutboxEntry>();
            var prepared = new List<IReadOnlyList<PostbackOutboxEntry>>();
            for (var i = 0; i < PerPartner; i++)
            {
                prepared.Add(await app.Outbox.PrepareAsync(OutboxApp.Transaction("o" + i)));
            }

            entries.AddRange(prepared.SelectMany(p => p).Where(e => e.EndpointName == "slow"));
            entries.AddRange(prepared.SelectMany(p => p).Where(e => e.EndpointName == "fast"));
            await app.Store.EnqueueAsync(entries);
            app.Outbox.Wake();

            // 1. Every fast postback is delivered while the slow partner answers nothing.
            await OutboxApp.WaitUntilAsync(async () => await CountAsync(app, "fast", PostbackDeliveryState.Delivered) == PerPartner);
            (await CountAsync(app, "slow", PostbackDeliveryState.Delivered)).Should().Be(0);
            (await CountAsync(app, "slow", PostbackDeliveryState.InFlight)).Should().BeLessThanOrEqualTo(PerHost, "the slow host holds at most its share");
            (await CountAsync(app, "slow", PostbackDeliveryState.Pending)).Should().BeGreaterThanOrEqualTo(PerPartner - PerHost, "its backlog is still waiting");
            slow.HitCount.Should().Be(PerHost, "only its share of the slow partner's postbacks was sent");
            fast.HitCount.Should().Be(PerPartner);

            // 2. The slow partner answers one at a time; each answer frees one slot for it, and never more: the claim
            //    takes only the room the host has left here, so it never holds more than its share.
            for (var answered = 1; answered <= PerPartner; answered++)
            {
                gate.Release();
                var done = answered;
                await OutboxApp.WaitUntilAsync(async () => await CountAsync(app, "slow", PostbackDeliveryState.Delivered) == done);
                var expected = Math.Min(PerHost, PerPartner - answered);
                await OutboxApp.WaitUntilAsync(async () => await CountAsync(app, "slow", PostbackDeliveryState.InFlight) >= expected);
                var dump = string.Join("\n", (await app.DeliveriesAsync()).Where(d => d.EndpointName == "slow").Select(d => $"{d.OrderNumber} {d.State}"));
                (await CountAsync(app, "slow", PostbackDeliveryState.InFlight)).Should().BeLessThanOrEqualTo(PerHost, $"after {answered} answers the slow host still holds at most its share:\n{dump}");
            }

            await app.SettleAsync();
            (await app.DeliveriesAsync()).Should().HaveCount(2 * PerPartner).And.OnlyContain(d => d.State == PostbackDeliveryState.Delivered);
            slow.HitCount.Should().Be(PerPartner, "no postback was sent twice");
            fast.HitCount.Should().Be(PerPartner);
            slow.Requests.Select(r => r.Query["o"]).Should().OnlyHaveUniqueItems();
        }
        finally
        {
            // Whatever happened, let every waiting request go, so the host stops (its drain runs on the fake clock).
            gate.Release(1000);
            await app.DisposeAsync();
        }
    }

    private static async Task<int> CountAsync(OutboxApp app, string endpoint, PostbackDeliveryState state) =>
        (await app.Store.QueryAsync(new PostbackOutboxFilter { EndpointName = endpoint, State = state }, null, 1000)).Items.Count;
}
