using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Postback.Cli.Tests.Support;

/// <summary>
/// A temporary SQLite outbox file filled through the store's own API (enqueue, claim, complete, endpoint switch), ten
/// days in the past by the store's clock, then closed so that the tool's process has the file to itself.
/// </summary>
public sealed class SeededOutbox : IDisposable
{
    public static readonly DateTimeOffset SeededAt = DateTimeOffset.UtcNow.AddDays(-10);

    private static int s_keys;

    private SeededOutbox(string folder)
    {
        Folder = folder;
        File = Path.Combine(folder, "postbacks.db");
    }

    public string Folder { get; }

    public string File { get; }

    /// <summary>
    /// acme: 3 dead (one failed attempt each; the endpoint is left failing), 1 delivered, 1 pending; globex: disabled,
    /// 2 parked; initech: 1 rejected. Ids follow that order: 1-3 dead, 4 delivered, 5 rejected, 6 pending, 7-8 parked.
    /// </summary>
    public static async Task<SeededOutbox> CreateAsync()
    {
        var outbox = new SeededOutbox(Directory.CreateTempSubdirectory("postback-cli-outbox-").FullName);
        var time = new FakeTimeProvider(SeededAt);
        await using (var store = outbox.OpenStore(time))
        {
            await store.InitializeAsync();
            var dead = await store.EnqueueAsync([Entry("acme", "ORD-1"), Entry("acme", "ORD-2"), Entry("acme", "ORD-3")]);
            var delivered = await store.EnqueueAsync([Entry("acme", "ORD-4")]);
            var rejected = await store.EnqueueAsync([Entry("initech", "ORD-5", "https://initech.example:443")]);
            var leases = await store.ClaimAsync(new PostbackOutboxClaim { Owner = "seed", MaxCount = 100, MaxPerHost = 100, ExcludedHosts = [], LeaseDuration = TimeSpan.FromMinutes(1) });
            var completions = leases.Select(lease => new PostbackOutboxCompletion
            {
                Id = lease.Id,
                Owner = "seed",
                Attempt = lease.Attempt,
                State = dead.Contains(lease.Id) ? PostbackDeliveryState.Dead : delivered.Contains(lease.Id) ? PostbackDeliveryState.Delivered : PostbackDeliveryState.Rejected,
                Signal = dead.Contains(lease.Id) ? PostbackEndpointSignal.Failure : PostbackEndpointSignal.Success,
                Record = new PostbackOutboxAttempt
                {
                    Number = lease.Attempt,
                    StartedAt = time.GetUtcNow(),
                    Duration = TimeSpan.FromMilliseconds(120),
                    Outcome = dead.Contains(lease.Id) ? PostbackOutcome.Failed : delivered.Contains(lease.Id) ? PostbackOutcome.Delivered : PostbackOutcome.Rejected,
                    StatusCode = dead.Contains(lease.Id) ? 503 : delivered.Contains(lease.Id) ? 200 : 400,
                    ErrorType = dead.Contains(lease.Id) ? "http_error" : null,
                    ErrorMessage = dead.Contains(lease.Id) ? "503 Service Unavailable" : null,
                    ResponseBody = dead.Contains(lease.Id) ? "upstream down" : "OK",
                    RedactedUrl = "https://acme.example/pb?sid=***",
                },
            }).OrderBy(c => c.State == PostbackDeliveryState.Dead).ToArray(); // the failures last, so acme ends failing
            (await store.CompleteAsync(completions, new PostbackEndpointHealthPolicy())).Stale.Should().BeEmpty();

            await store.EnqueueAsync([Entry("acme", "ORD-6")]);
            await store.SetEndpointEnabledAsync("globex", enabled: false, "gone (410)");
            await store.EnqueueAsync([Entry("globex", "ORD-7", "https://globex.example:443"), Entry("globex", "ORD-8", "https://globex.example:443")]);
        }

        SqliteConnection.ClearAllPools();
        return outbox;
    }

    /// <summary>Opens the file again, on the real clock, to check what the tool did.</summary>
    public SqlitePostbackOutboxStore OpenStore(TimeProvider? time = null) =>
        new(new SqlitePostbackOutboxOptions { ConnectionString = new SqliteConnectionStringBuilder { DataSource = File }.ToString() }, time);

    public async Task<IReadOnlyList<PostbackOutboxDelivery>> DeliveriesAsync(PostbackOutboxFilter? filter = null)
    {
        await using var store = OpenStore();
        var page = await store.QueryAsync(filter ?? new PostbackOutboxFilter(), null, 1000);
        return page.Items;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the OS's temp clean-up takes what is left.
        }
    }

    private static PostbackOutboxEntry Entry(string endpoint, string order, string host = "https://acme.example:443") => new()
    {
        EndpointName = endpoint,
        IdempotencyKey = "key-" + Interlocked.Increment(ref s_keys) + "-" + Guid.NewGuid().ToString("N"),
        HostKey = host,
        Payload = "{\"order\":\"" + order + "\"}",
        OrderNumber = order,
    };
}
