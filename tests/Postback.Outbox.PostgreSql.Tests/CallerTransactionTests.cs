using System.Data.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Postback.Internal;
using Postback.Tests.Support;

namespace Postback.Tests;

/// <summary>The sale and its postbacks commit together: rolled back sends nothing, committed is claimable and wakes workers.</summary>
public sealed class CallerTransactionTests(PostgreSqlServer server) : PostgreSqlTestBase(server)
{
    [Fact]
    public async Task Enqueue_in_a_transaction_that_rolls_back_sends_nothing()
    {
        var store = await CreateStoreAsync();
        await using var connection = await DataSource.OpenConnectionAsync();
        await CreateSalesTableAsync(connection, store.Schema);

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await InsertSaleAsync(connection, transaction, store.Schema);
            (await store.EnqueueAsync(Entries(2), transaction)).Should().HaveCount(2);
            await transaction.RollbackAsync();
        }

        (await store.ClaimAsync(Claim("a"))).Should().BeEmpty();
        (await store.GetStatsAsync()).Counts.Values.Sum().Should().Be(0);
        (await ScalarAsync($"SELECT count(*) FROM \"{store.Schema}\".sales")).Should().Be(0);
    }

    [Fact]
    public async Task Enqueue_in_a_committed_transaction_is_delivered_and_notifies_only_on_commit()
    {
        var store = await CreateStoreAsync();
        var woken = 0;
        using var stop = new CancellationTokenSource();
        var listener = new PostgreSqlOutboxListener(DataSource, store.NotificationChannel, () => Interlocked.Increment(ref woken), TimeProvider.System, NullLogger.Instance);
        var listening = listener.RunAsync(stop.Token);
        await WaitUntilAsync(() => listener.BackendPid != 0);
        await Task.Delay(200);
        var before = Volatile.Read(ref woken);

        await using var connection = await DataSource.OpenConnectionAsync();
        await CreateSalesTableAsync(connection, store.Schema);
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await InsertSaleAsync(connection, transaction, store.Schema);
            DbTransaction asDbTransaction = transaction;
            var ids = await store.EnqueueAsync(Entries(2), asDbTransaction);
            ids.Should().HaveCount(2);
            await Task.Delay(300);
            Volatile.Read(ref woken).Should().Be(before, "NOTIFY is delivered at commit");
            (await store.ClaimAsync(Claim("other"))).Should().BeEmpty("other connections cannot see uncommitted deliveries");
            await transaction.CommitAsync();
        }

        await WaitUntilAsync(() => Volatile.Read(ref woken) > before);
        (await store.ClaimAsync(Claim("a"))).Should().HaveCount(2);
        (await ScalarAsync($"SELECT count(*) FROM \"{store.Schema}\".sales")).Should().Be(1);
        await stop.CancelAsync();
        await listening;
    }

    private static async Task CreateSalesTableAsync(NpgsqlConnection connection, string schema)
    {
        await using var command = new NpgsqlCommand($"CREATE TABLE \"{schema}\".sales (id serial PRIMARY KEY, amount numeric)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task InsertSaleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema)
    {
        await using var command = new NpgsqlCommand($"INSERT INTO \"{schema}\".sales (amount) VALUES (42.5)", connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException("The condition did not hold in time.");
            }

            await Task.Delay(20);
        }
    }
}
