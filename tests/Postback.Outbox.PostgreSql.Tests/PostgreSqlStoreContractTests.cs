using Microsoft.Extensions.Time.Testing;
using Postback.Tests.Support;

namespace Postback.Tests;

/// <summary>
/// The shared store contract (the same suite as SQLite) against a real PostgreSQL server, each test in a fresh schema,
/// on the fake clock (<see cref="PostgreSqlOutboxClock.TimeProvider"/>).
/// </summary>
[Collection(PostgreSqlServerGroup.Name)]
public sealed class PostgreSqlStoreContractTests(PostgreSqlServer server) : PostbackOutboxStoreContract
{
    protected override async Task<IPostbackOutboxStore> CreateStoreAsync(FakeTimeProvider time)
    {
        var (dataSource, _) = await server.GetSharedAsync();
        return new PostgreSqlPostbackOutboxStore(
            new PostgreSqlPostbackOutboxOptions { DataSource = dataSource, Schema = PostgreSqlServer.NewSchema("c"), Clock = PostgreSqlOutboxClock.TimeProvider },
            time);
    }
}
