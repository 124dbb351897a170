using Npgsql;
using Postback.Internal;
using Postback.Tests.Support;

namespace Postback.Tests;

public sealed class SchemaTests(PostgreSqlServer server) : PostgreSqlTestBase(server)
{
    [Fact]
    public async Task Nodes_that_start_at_once_migrate_a_fresh_schema_exactly_once()
    {
        var schema = PostgreSqlServer.NewSchema("mig");
        var stores = new List<PostgreSqlPostbackOutboxStore>();
        for (var i = 0; i < 8; i++)
        {
            stores.Add(await CreateStoreAsync(schema: schema, initialize: false));
        }

        // Eight "nodes", each on its own connection, all starting in the same instant.
        using var go = new ManualResetEventSlim();
        var starts = stores.Select(store => Task.Run(async () =>
        {
            go.Wait();
            await store.InitializeAsync();
        })).ToArray();
        go.Set();
        await Task.WhenAll(starts);

        (await ScalarAsync($"SELECT count(*) FROM \"{schema}\".schema_migrations")).Should().Be(PostgreSqlOutboxSchema.LatestVersion);
        (await ScalarAsync($"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}'")).Should().Be(5);

        // And again later: idempotent.
        await stores[0].InitializeAsync();
        (await ScalarAsync($"SELECT count(*) FROM \"{schema}\".schema_migrations")).Should().Be(PostgreSqlOutboxSchema.LatestVersion);
    }

    [Fact]
    public async Task A_schema_newer_than_the_build_is_refused_with_a_clear_message()
    {
        var store = await CreateStoreAsync();
        await using (var command = DataSource.CreateCommand($"INSERT INTO \"{store.Schema}\".schema_migrations (version) VALUES (999)"))
        {
            await command.ExecuteNonQueryAsync();
        }

        var act = async () => await store.InitializeAsync();
        (await act.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*version 999*newer*");
    }

    [Theory]
    [InlineData("")]
    [InlineData("Postback")]
    [InlineData("post-back")]
    [InlineData("1abc")]
    [InlineData("a\"; DROP TABLE x; --")]
    public void A_bad_schema_name_is_refused(string schema)
    {
        var act = () => new PostgreSqlPostbackOutboxStore(new PostgreSqlPostbackOutboxOptions { ConnectionString = "Host=127.0.0.1", Schema = schema });
        act.Should().Throw<ArgumentException>().WithMessage("*Schema*");
    }

    [Fact]
    public void Options_need_a_connection_string_or_a_data_source()
    {
        var act = () => new PostgreSqlPostbackOutboxStore(new PostgreSqlPostbackOutboxOptions());
        act.Should().Throw<ArgumentException>().WithMessage("*ConnectionString or DataSource*");
    }
}
