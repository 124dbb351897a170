using Microsoft.Extensions.Time.Testing;

namespace Postback.Tests;

/// <summary>
/// The rules every <see cref="IPostbackOutboxStore"/> keeps (the contract's remarks and docs/outbox design). A store's test
/// project derives from this class and returns a fresh, empty store from <see cref="CreateStoreAsync"/>; every test gets
/// its own. Time is moved with the <see cref="FakeTimeProvider"/> the store was given; nothing here measures durations.
/// </summary>
/// <remarks>
/// This file holds the lifecycle and the helpers; the tests are in <c>PostbackOutboxStoreContract.{Area}.cs</c>, one file
/// per area of the contract (enqueue, claims, completions, endpoint health, replay, purge, query, concurrency).
/// </remarks>
public abstract partial class PostbackOutboxStoreContract : IAsyncLifetime
{
    /// <summary>A start time on a whole millisecond, as every store can keep it.</summary>
    protected static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static int s_keys;

    protected FakeTimeProvider Time { get; } = new(Start);

    protected IPostbackOutboxStore Store { get; private set; } = null!;

    /// <summary>Creates a fresh, empty store (its own database) on the given clock.</summary>
    protected abstract Task<IPostbackOutboxStore> CreateStoreAsync(FakeTimeProvider time);

    /// <summary>Releases what <see cref="CreateStoreAsync"/> made, after the store was disposed.</summary>
    protected virtual Task CleanupAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync(Time);
        await Store.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        switch (Store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        await CleanupAsync();
    }

    // ---- helpers ----

    protected static PostbackOutboxEntry Entry(string endpoint = "partner", string host = "https://partner.example:443", string? order = null, TimeSpan delay = default) => new()
    {
        EndpointName = endpoint,
        IdempotencyKey = "key-" + Interlocked.Increment(ref s_keys),
        HostKey = host,
        Payload = "{\"order\":\"" + order + "\"}",
        OrderNumber = order,
        Delay = delay,
    };

    protected async Task<IReadOnlyList<long>> EnqueueAsync(params PostbackOutboxEntry[] entries) => await Store.EnqueueAsync(entries);

    protected async Task<IReadOnlyList<long>> EnqueueManyAsync(int count, string endpoint = "partner", string host = "https://partner.example:443")
    {
        var entries = Enumerable.Range(0, count).Select(_ => Entry(endpoint, host)).ToArray();
        return await Store.EnqueueAsync(entries);
    }

    protected async Task<IReadOnlyList<PostbackOutboxLease>> ClaimAsync(string owner = "w1", int max = 100, int perHost = int.MaxValue, string[]? excluded = null, TimeSpan? lease = null) =>
        await Store.ClaimAsync(new PostbackOutboxClaim
        {
            Owner = owner,
            MaxCount = max,
            MaxPerHost = perHost,
            ExcludedHosts = excluded ?? [],
            LeaseDuration = lease ?? Lease,
        });

    protected static PostbackOutboxCompletion Completion(
        PostbackOutboxLease lease, PostbackDeliveryState state, string owner = "w1", TimeSpan retryDelay = default,
        PostbackEndpointSignal signal = PostbackEndpointSignal.None, PostbackOutboxAttempt? record = null, string? parkReason = null) => new()
        {
            Id = lease.Id,
            Owner = owner,
            Attempt = lease.Attempt,
            State = state,
            RetryDelay = retryDelay,
            Signal = signal,
            Record = record,
            ParkReason = parkReason,
        };

    protected static PostbackOutboxAttempt Record(int number, DateTimeOffset started, PostbackOutcome outcome = PostbackOutcome.Failed, int? status = 503) => new()
    {
        Number = number,
        StartedAt = started,
        Duration = TimeSpan.FromMilliseconds(250),
        Outcome = outcome,
        StatusCode = status,
        ErrorType = outcome == PostbackOutcome.Failed ? "http_status" : null,
        ErrorMessage = outcome == PostbackOutcome.Failed ? "503 Service Unavailable" : null,
        ResponseBody = "body " + number,
        RedactedUrl = "https://partner.example/pb?order=***",
    };

    protected async Task<PostbackOutboxCompletionResult> CompleteAsync(params PostbackOutboxCompletion[] completions) =>
        await Store.CompleteAsync(completions, new PostbackEndpointHealthPolicy());

    protected async Task<PostbackOutboxCompletionResult> CompleteAsync(PostbackEndpointHealthPolicy policy, params PostbackOutboxCompletion[] completions) =>
        await Store.CompleteAsync(completions, policy);

    protected async Task<PostbackOutboxDelivery> GetAsync(long id) => (await Store.GetAsync(id))!;

    /// <summary>Claims the one delivery with this id (it must be due) and completes it to a state.</summary>
    protected async Task FinishAsync(long id, PostbackDeliveryState state)
    {
        var lease = (await ClaimAsync("finisher", max: 1000)).Single(l => l.Id == id);
        (await CompleteAsync(Completion(lease, state, owner: "finisher", record: Record(lease.Attempt, Time.GetUtcNow())))).Stale.Should().BeEmpty();
    }

    // ---- initialization ----

    [Fact]
    public async Task Initialize_is_idempotent_and_safe_when_called_concurrently()
    {
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Store.InitializeAsync().AsTask()));
        await Store.InitializeAsync();
        var ids = await EnqueueManyAsync(1);
        await Store.InitializeAsync();
        (await GetAsync(ids[0])).State.Should().Be(PostbackDeliveryState.Pending);
    }
}
