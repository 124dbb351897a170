using Npgsql;
using Postback.Tests.Support;
using Xunit.Abstractions;

namespace Postback.Tests;

/// <summary>
/// The claim stays an index scan however much history there is (history lives in another table) and however large a
/// backlog of deliveries that are not due yet. 100,000 history rows here; 1,000,000 with POSTBACK_LOAD=1.
/// </summary>
public sealed class PlanTests(PostgreSqlServer server, ITestOutputHelper output) : PostgreSqlTestBase(server)
{
    [Fact]
    public async Task The_claim_is_an_index_scan_with_lots_of_history_and_a_future_backlog()
    {
        var historyRows = Environment.GetEnvironmentVariable("POSTBACK_LOAD") == "1" ? 1_000_000 : 100_000;
        var store = await CreateStoreAsync(clock: PostgreSqlOutboxClock.Database);
        var s = $"\"{store.Schema}\"";
        await ExecuteAsync($$"""
            INSERT INTO {{s}}.history (id, endpoint_name, idempotency_key, host_key, payload, order_number, state, attempt,
                                     failed_attempts, enqueued_at, completed_at, last_status_code)
            SELECT g, 'partner', 'key-' || g, 'http://partner.test:80', '{}', 'o-' || g, 4, 1, 0,
                   now() - interval '1 day', now() - interval '1 hour', 200
            FROM generate_series(1, {{historyRows}}) g;
            -- A backlog: 20,000 retries due in an hour, 2,000 parked, 200 due now.
            INSERT INTO {{s}}.deliveries (id, endpoint_name, idempotency_key, host_key, payload, state, enqueued_at, next_attempt_at, park_reason)
            SELECT {{historyRows}} + g, 'partner', 'key-' || g, 'http://h' || (g % 50) || '.test:80', '{}',
                   CASE WHEN g <= 2000 THEN 3 ELSE 1 END, now(),
                   CASE WHEN g <= 2000 THEN NULL WHEN g <= 2200 THEN now() - interval '1 second' ELSE now() + interval '1 hour' END,
                   CASE WHEN g <= 2000 THEN 'endpoint_disabled' END
            FROM generate_series(1, 22200) g;
            SELECT setval('{{s}}.delivery_id_seq', {{historyRows}} + 22200);
            ANALYZE {{s}}.deliveries;
            ANALYZE {{s}}.history;
            """);

        var sql = new Internal.PostgreSqlOutboxSql(store.Schema);
        var plan = await ExplainAsync(sql.Claim, byHost: false);
        output.WriteLine(plan);
        plan.Should().Contain("Index Scan using deliveries_due").And.NotContain("Seq Scan").And.NotContain("history");

        var byHostPlan = await ExplainAsync(sql.ClaimByHost, byHost: true);
        output.WriteLine(byHostPlan);
        byHostPlan.Should().Contain("deliveries_host_due").And.NotContain("Seq Scan on deliveries").And.NotContain("history");

        var outDir = Environment.GetEnvironmentVariable("POSTBACK_PLAN_OUT");
        if (outDir is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(outDir, "claim-plan.txt"), $"history rows: {historyRows}\n\n{plan}\n\n{byHostPlan}\n");
        }

        // And the claim itself takes exactly the due ones.
        (await store.ClaimAsync(Claim("a", max: 1000))).Should().HaveCount(200);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        command.CommandTimeout = 300;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<string> ExplainAsync(string claimSql, bool byHost)
    {
        // EXPLAIN ANALYZE runs the UPDATE; the transaction is rolled back so the data stays as it was.
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + claimSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<string>("owner", "explain"));
        command.Parameters.Add(new NpgsqlParameter<int>("max", 100));
        command.Parameters.Add(new NpgsqlParameter<TimeSpan>("lease", TimeSpan.FromSeconds(30)));
        if (byHost)
        {
            command.Parameters.Add(new NpgsqlParameter<int>("per_host", 10));
            command.Parameters.Add(new NpgsqlParameter<string[]>("excluded", ["http://h1.test:80"]));
        }

        var lines = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0));
            }
        }

        await transaction.RollbackAsync();
        return string.Join('\n', lines);
    }
}
