using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Postback.Tests.Support;

/// <summary>A test against the shared server: each store it creates lives in a schema of its own.</summary>
[Collection(PostgreSqlServerGroup.Name)]
public abstract class PostgreSqlTestBase(PostgreSqlServer server) : IAsyncLifetime
{
    private readonly List<PostgreSqlPostbackOutboxStore> _stores = [];

    protected PostgreSqlServer Server { get; } = server;

    protected NpgsqlDataSource DataSource { get; private set; } = null!;

    protected string ConnectionString { get; private set; } = "";

    public virtual async Task InitializeAsync() => (DataSource, ConnectionString) = await Server.GetSharedAsync();

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    protected async Task<PostgreSqlPostbackOutboxStore> CreateStoreAsync(
        TimeProvider? time = null, string? schema = null, PostgreSqlOutboxClock clock = PostgreSqlOutboxClock.TimeProvider, bool initialize = true)
    {
        var store = new PostgreSqlPostbackOutboxStore(
            new PostgreSqlPostbackOutboxOptions { DataSource = DataSource, Schema = schema ?? PostgreSqlServer.NewSchema(), Clock = clock },
            time ?? new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        _stores.Add(store);
        if (initialize)
        {
            await store.InitializeAsync();
        }

        return store;
    }

    protected static PostbackOutboxEntry Entry(int i, string endpoint = "partner", string host = "http://127.0.0.1:9", TimeSpan delay = default) => new()
    {
        EndpointName = endpoint,
        IdempotencyKey = $"key-{endpoint}-{i}",
        HostKey = host,
        Payload = $"{{\"order\":\"o-{i}\"}}",
        OrderNumber = $"o-{i}",
        Delay = delay,
    };

    protected static List<PostbackOutboxEntry> Entries(int count, string endpoint = "partner", string host = "http://127.0.0.1:9") =>
        Enumerable.Range(0, count).Select(i => Entry(i, endpoint, host)).ToList();

    protected static PostbackOutboxClaim Claim(string owner, int max = 100, TimeSpan? lease = null, int maxPerHost = int.MaxValue, IReadOnlyCollection<string>? excluded = null) => new()
    {
        Owner = owner,
        MaxCount = max,
        MaxPerHost = maxPerHost,
        ExcludedHosts = excluded ?? [],
        LeaseDuration = lease ?? TimeSpan.FromSeconds(30),
    };

    protected static PostbackOutboxCompletion Delivered(PostbackOutboxLease lease, string owner) => new()
    {
        Id = lease.Id,
        Owner = owner,
        Attempt = lease.Attempt,
        State = PostbackDeliveryState.Delivered,
        Signal = PostbackEndpointSignal.Success,
        Record = new PostbackOutboxAttempt
        {
            Number = lease.Attempt,
            StartedAt = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
            Duration = TimeSpan.FromMilliseconds(12),
            Outcome = PostbackOutcome.Delivered,
            StatusCode = 200,
            RedactedUrl = "http://127.0.0.1:9/pb?order=***",
        },
    };

    protected async Task<long> ScalarAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
