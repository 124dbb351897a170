using Microsoft.Extensions.Time.Testing;

namespace Postback.Tests;

/// <summary>The shared store contract, on a real SQLite file in a temporary folder.</summary>
public sealed class SqliteStoreContractTests : PostbackOutboxStoreContract, IDisposable
{
    private readonly TempFolder _folder = new();

    protected override Task<IPostbackOutboxStore> CreateStoreAsync(FakeTimeProvider time) =>
        Task.FromResult<IPostbackOutboxStore>(new SqlitePostbackOutboxStore(new SqlitePostbackOutboxOptions { ConnectionString = _folder.ConnectionString("outbox.db") }, time));

    protected override Task CleanupAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _folder.Dispose();
}
