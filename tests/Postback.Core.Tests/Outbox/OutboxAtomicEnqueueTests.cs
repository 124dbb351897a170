using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Postback.Tests.Outbox;

/// <summary>
/// Enqueueing inside the caller's own SQLite transaction, end to end with a running outbox: recording a sale and its
/// postbacks commit or roll back as one.
/// </summary>
public sealed class OutboxAtomicEnqueueTests
{
    [Fact]
    public async Task A_rolled_back_enqueue_is_never_sent_and_a_committed_one_is_delivered()
    {
        await using var app = await OutboxApp.StartAsync();
        var connectionString = app.Host.Services.GetRequiredService<IOptions<SqlitePostbackOutboxOptions>>().Value.ConnectionString;
        await using var db = new SqliteConnection(connectionString);
        await db.OpenAsync();
        await ExecuteAsync(db, null, "CREATE TABLE sales (order_number TEXT NOT NULL PRIMARY KEY)");

        // 1. The sale and its postback in one transaction that rolls back.
        await using (var tx = (SqliteTransaction)await db.BeginTransactionAsync())
        {
            await ExecuteAsync(db, tx, "INSERT INTO sales VALUES ('rolled-back')");
            (await app.Outbox.EnqueueAsync(OutboxApp.Transaction("rolled-back"), tx)).Should().ContainSingle();
            app.Outbox.Wake();
            await tx.RollbackAsync();
        }

        app.Outbox.Wake();

        // 2. Another that commits, then wakes the workers.
        await using (var tx = (SqliteTransaction)await db.BeginTransactionAsync())
        {
            await ExecuteAsync(db, tx, "INSERT INTO sales VALUES ('committed')");
            (await app.Outbox.EnqueueAsync(OutboxApp.Transaction("committed"), tx)).Should().ContainSingle();
            await tx.CommitAsync();
        }

        app.Outbox.Wake();
        await OutboxApp.WaitUntilAsync(async () => (await app.DeliveriesAsync()).Any(d => d.OrderNumber == "committed" && d.State == PostbackDeliveryState.Delivered));
        await app.SettleAsync();

        // The committed one was delivered once; the rolled-back one never existed: no row, no request, no report.
        (await app.DeliveriesAsync()).Should().ContainSingle().Which.OrderNumber.Should().Be("committed");
        (await app.Store.QueryAsync(new PostbackOutboxFilter { OrderNumber = "rolled-back" }, null, 10)).Items.Should().BeEmpty();
        app.Receiver.Requests.Select(r => r.Query["o"]).Should().Equal("committed");
        await OutboxApp.WaitUntilAsync(() => !app.Observer.Completed.IsEmpty);
        app.Observer.Completed.Should().ContainSingle().Which.Transaction.OrderNumber.Should().Be("committed");
        await using var sales = db.CreateCommand();
        sales.CommandText = "SELECT group_concat(order_number) FROM sales";
        (await sales.ExecuteScalarAsync()).Should().Be("committed", "the sale and its postback committed or rolled back together");
    }

    private static async Task ExecuteAsync(SqliteConnection db, SqliteTransaction? tx, string sql)
    {
        await using var command = db.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
