using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Postback.Tests;

/// <summary>What only the SQLite store does: its file, schema, WAL, the caller's transaction, several processes on one file.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(Start);
    private int _keys;

    public void Dispose() => _folder.Dispose();

    private SqlitePostbackOutboxStore NewStore(string file = "outbox.db", Action<SqlitePostbackOutboxOptions>? configure = null)
    {
        var options = new SqlitePostbackOutboxOptions { ConnectionString = _folder.ConnectionString(file) };
        configure?.Invoke(options);
        return new SqlitePostbackOutboxStore(options, _time);
    }

    private SqliteConnection Open(string file = "outbox.db")
    {
        var connection = new SqliteConnection(_folder.ConnectionString(file));
        connection.Open();
        return connection;
    }

    private static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private PostbackOutboxEntry Entry(string endpoint = "partner") => new()
    {
        EndpointName = endpoint,
        IdempotencyKey = "key-" + Interlocked.Increment(ref _keys).ToString(CultureInfo.InvariantCulture),
        HostKey = "https://" + endpoint + ".example:443",
        Payload = "{}",
    };

    private PostbackOutboxEntry[] Entries(int count) => Enumerable.Range(0, count).Select(_ => Entry()).ToArray();

    private static PostbackOutboxClaim Claim(string owner, int max) => new() { Owner = owner, MaxCount = max, LeaseDuration = TimeSpan.FromMinutes(5) };

    [Fact]
    public async Task A_new_file_gets_the_latest_schema_and_reopening_it_keeps_data_and_version()
    {
        long id;
        await using (var store = NewStore())
        {
            await store.InitializeAsync();
            id = (await store.EnqueueAsync([Entry()]))[0];
        }

        await using (var reopened = NewStore())
        {
            await reopened.InitializeAsync();
            (await reopened.GetAsync(id))!.State.Should().Be(PostbackDeliveryState.Pending);
        }

        using var connection = Open();
        Convert.ToInt32(Scalar(connection, "SELECT MAX(version) FROM postback_schema_version")).Should().Be(SqlitePostbackOutboxStore.SchemaVersion);
        Convert.ToInt32(Scalar(connection, "SELECT COUNT(*) FROM postback_schema_version")).Should().Be(SqlitePostbackOutboxStore.SchemaVersion);
        Convert.ToInt32(Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('postback_deliveries', 'postback_attempts', 'postback_endpoints')")).Should().Be(3);
        Convert.ToInt32(Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'postback_deliveries_due'")).Should().Be(1);
    }

    [Fact]
    public async Task Several_stores_initializing_one_new_file_at_once_apply_each_migration_once()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => NewStore()).ToArray();
        await Task.WhenAll(stores.Select(s => Task.Run(async () => await s.InitializeAsync())));
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }

        using var connection = Open();
        Convert.ToInt32(Scalar(connection, "SELECT COUNT(*) FROM postback_schema_version")).Should().Be(SqlitePostbackOutboxStore.SchemaVersion);
    }

    [Fact]
    public async Task A_schema_newer_than_the_package_is_refused()
    {
        await using (var store = NewStore())
        {
            await store.InitializeAsync();
        }

        using (var connection = Open())
        {
            Scalar(connection, "INSERT INTO postback_schema_version (version, description, applied_at) VALUES (99, 'future', 0)");
        }

        await using var newer = NewStore();
        var act = async () => await newer.InitializeAsync();
        (await act.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*schema version 99*");
    }

    [Fact]
    public async Task The_table_prefix_names_every_table()
    {
        await using var store = NewStore(configure: o => o.TablePrefix = "app_outbox_");
        await store.EnqueueAsync([Entry()]);
        using var connection = Open();
        Convert.ToInt32(Scalar(connection, "SELECT COUNT(*) FROM app_outbox_deliveries")).Should().Be(1);
        Convert.ToInt32(Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'postback%'")).Should().Be(0);
    }

    [Fact]
    public async Task The_database_is_in_WAL_mode()
    {
        await using var store = NewStore();
        await store.InitializeAsync();
        using var connection = Open();
        Scalar(connection, "PRAGMA journal_mode").Should().Be("wal");
    }

    [Fact]
    public async Task The_WAL_stays_small_after_a_large_purge()
    {
        const int Rows = 20_000;
        await using var store = NewStore();
        for (var i = 0; i < Rows; i += 1000)
        {
            await store.EnqueueAsync(Entries(1000));
        }

        var done = 0;
        while (done < Rows)
        {
            var leases = await store.ClaimAsync(Claim("w", 2000));
            leases.Should().NotBeEmpty();
            var result = await store.CompleteAsync(
                leases.Select(l => new PostbackOutboxCompletion { Id = l.Id, Owner = "w", Attempt = l.Attempt, State = PostbackDeliveryState.Delivered }).ToArray(),
                new PostbackEndpointHealthPolicy());
            result.Stale.Should().BeEmpty();
            done += leases.Count;
        }

        var databaseBefore = new FileInfo(_folder.File("outbox.db")).Length + new FileInfo(_folder.File("outbox.db-wal")).Length;
        _time.Advance(TimeSpan.FromDays(31));
        (await store.PurgeAsync(TimeSpan.FromDays(30), TimeSpan.FromDays(90))).Should().Be(Rows);
        (await store.CheckpointAsync()).Should().BeTrue();

        // TRUNCATE empties the log; the freed pages went back to the file system (incremental vacuum).
        new FileInfo(_folder.File("outbox.db-wal")).Length.Should().BeLessThan(64 * 1024);
        new FileInfo(_folder.File("outbox.db")).Length.Should().BeLessThan(databaseBefore / 4);
        (await store.GetStatsAsync()).Counts.Values.Sum().Should().Be(0);
    }

    [Fact]
    public async Task Enqueue_in_the_callers_transaction_rolls_back_and_commits_with_it()
    {
        await using var store = NewStore();
        await store.InitializeAsync();
        using var connection = Open();
        Scalar(connection, "CREATE TABLE sales (order_number TEXT NOT NULL)");

        using (var rolledBack = connection.BeginTransaction())
        {
            Scalar(connection, "INSERT INTO sales VALUES ('S-1')", rolledBack);
            var ids = await store.EnqueueAsync([Entry(), Entry()], rolledBack);
            ids.Should().HaveCount(2);
            rolledBack.Rollback();
        }

        (await store.QueryAsync(new PostbackOutboxFilter(), null, 100)).Items.Should().BeEmpty();
        (await store.ClaimAsync(Claim("w", 10))).Should().BeEmpty();
        Convert.ToInt32(Scalar(connection, "SELECT COUNT(*) FROM sales")).Should().Be(0);

        IReadOnlyList<long> committedIds;
        using (var committed = connection.BeginTransaction())
        {
            Scalar(connection, "INSERT INTO sales VALUES ('S-2')", committed);
            committedIds = await store.EnqueueAsync([Entry(), Entry()], committed);

            // Not visible to the store before the commit.
            (await store.QueryAsync(new PostbackOutboxFilter(), null, 100)).Items.Should().BeEmpty();
            committed.Commit();
        }

        Convert.ToInt32(Scalar(connection, "SELECT COUNT(*) FROM sales")).Should().Be(1);
        (await store.ClaimAsync(Claim("w", 10))).Select(l => l.Id).Should().Equal(committedIds);
    }

    [Fact]
    public async Task Enqueue_in_the_callers_transaction_creates_the_schema_of_a_new_file()
    {
        await using var store = NewStore();
        using var connection = Open();
        using (var transaction = connection.BeginTransaction(deferred: true))
        {
            var ids = await store.EnqueueAsync([Entry()], transaction);
            transaction.Commit();
            (await store.GetAsync(ids[0]))!.State.Should().Be(PostbackDeliveryState.Pending);
        }
    }

    [Fact]
    public async Task Enqueue_in_the_callers_transaction_parks_deliveries_of_a_disabled_endpoint()
    {
        await using var store = NewStore();
        await store.SetEndpointEnabledAsync("partner", false, "operator");
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var ids = await store.EnqueueAsync([Entry()], transaction);
        transaction.Commit();
        (await store.GetAsync(ids[0]))!.ParkReason.Should().Be(PostbackParkReasons.EndpointDisabled);
    }

    [Fact]
    public async Task The_outbox_extension_prepares_and_enqueues_in_the_callers_transaction()
    {
        await using var store = NewStore();
        var outbox = new PreparingOutbox(store, [Entry(), Entry()]);
        using var connection = Open();
        using (var transaction = connection.BeginTransaction())
        {
            (await outbox.EnqueueAsync(new PostbackTransaction(), transaction)).Should().HaveCount(2);
            transaction.Rollback();
        }

        (await store.GetStatsAsync())[PostbackDeliveryState.Pending].Should().Be(0);
        using (var transaction = connection.BeginTransaction())
        {
            await outbox.EnqueueAsync(new PostbackTransaction(), transaction);
            transaction.Commit();
        }

        (await store.GetStatsAsync())[PostbackDeliveryState.Pending].Should().Be(2);
    }

    [Fact]
    public async Task Two_stores_on_one_file_never_claim_a_delivery_twice()
    {
        const int Rows = 600;
        await using var first = NewStore();
        await using var second = NewStore();
        var ids = await first.EnqueueAsync(Entries(Rows));

        var claimers = new[] { first, second, first, second }.Select((store, worker) => Task.Run(async () =>
        {
            var mine = new List<long>();
            while (true)
            {
                var batch = await store.ClaimAsync(Claim("w" + worker, 9));
                if (batch.Count == 0)
                {
                    return mine;
                }

                mine.AddRange(batch.Select(l => l.Id));
            }
        }));
        var claimed = (await Task.WhenAll(claimers)).SelectMany(c => c).ToList();

        claimed.Should().OnlyHaveUniqueItems();
        claimed.Should().BeEquivalentTo(ids);
    }

    [Theory]
    [InlineData("Data Source=:memory:", "ConnectionString")]
    [InlineData("", "ConnectionString")]
    public void The_store_refuses_a_connection_string_that_names_no_file(string connectionString, string option)
    {
        var act = () => new SqlitePostbackOutboxStore(new SqlitePostbackOutboxOptions { ConnectionString = connectionString });
        act.Should().Throw<ArgumentException>().WithMessage("*" + option + "*");
    }

    [Fact]
    public void UseSqlite_registers_the_store_once_as_the_outbox_store()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        new Builder(services).UseSqlite(_folder.ConnectionString("outbox.db"), o => o.BusyTimeout = TimeSpan.FromSeconds(5));
        using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IPostbackOutboxStore>();
        store.Should().BeOfType<SqlitePostbackOutboxStore>().And.BeSameAs(provider.GetRequiredService<SqlitePostbackOutboxStore>());
        provider.GetRequiredService<IOptions<SqlitePostbackOutboxOptions>>().Value.BusyTimeout.Should().Be(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void UseSqlite_validates_the_options_with_messages_that_name_them()
    {
        var services = new ServiceCollection();
        new Builder(services).UseSqlite("Data Source=:memory:", o =>
        {
            o.TablePrefix = "bad-prefix";
            o.BusyTimeout = TimeSpan.Zero;
        });
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<SqlitePostbackOutboxOptions>>().Value;
        var failures = act.Should().Throw<OptionsValidationException>().Which.Failures.ToList();
        failures.Should().Contain(f => f.Contains("ConnectionString")).And.Contain(f => f.Contains("TablePrefix") && f.Contains("bad-prefix")).And.Contain(f => f.Contains("BusyTimeout"));
    }

    [Fact]
    public async Task UseSqlite_binds_every_option_from_a_configuration_section()
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Postbacks:Outbox:Sqlite:ConnectionString"] = _folder.ConnectionString("configured.db"),
            ["Postbacks:Outbox:Sqlite:TablePrefix"] = "pb_",
            ["Postbacks:Outbox:Sqlite:BusyTimeout"] = "00:00:05",
            ["Postbacks:Outbox:Sqlite:SynchronousFull"] = "true",
            ["Postbacks:Outbox:Sqlite:JournalSizeLimit"] = "1048576",
            ["Postbacks:Outbox:Sqlite:PurgeBatchSize"] = "500",
        }).Build().GetSection("Postbacks:Outbox:Sqlite");
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        new Builder(services).UseSqlite(section);
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<SqlitePostbackOutboxOptions>>().Value.Should().BeEquivalentTo(new SqlitePostbackOutboxOptions
        {
            ConnectionString = _folder.ConnectionString("configured.db"),
            TablePrefix = "pb_",
            BusyTimeout = TimeSpan.FromSeconds(5),
            SynchronousFull = true,
            JournalSizeLimit = 1024 * 1024,
            PurgeBatchSize = 500,
        });
        var store = provider.GetRequiredService<IPostbackOutboxStore>();
        store.Should().BeSameAs(provider.GetRequiredService<SqlitePostbackOutboxStore>());
        await store.InitializeAsync();
        using var connection = Open("configured.db");
        Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'pb_deliveries'").Should().Be(1L);
    }

    [Fact]
    public void UseSqlite_from_a_section_without_a_connection_string_fails_validation()
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sqlite:PurgeBatchSize"] = "5",
        }).Build().GetSection("Sqlite");
        var services = new ServiceCollection();
        new Builder(services).UseSqlite(section);
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<SqlitePostbackOutboxOptions>>().Value;
        var failures = act.Should().Throw<OptionsValidationException>().Which.Failures.ToList();
        failures.Should().Contain(f => f.Contains("ConnectionString")).And.Contain(f => f.Contains("PurgeBatchSize") && f.Contains('5'));
    }

    private sealed class Builder(IServiceCollection services) : IPostbackOutboxBuilder
    {
        public IServiceCollection Services { get; } = services;
    }

    /// <summary>An outbox whose only job is <see cref="IPostbackOutbox.PrepareAsync"/>, for the extension.</summary>
    private sealed class PreparingOutbox(IPostbackOutboxStore store, IReadOnlyList<PostbackOutboxEntry> entries) : IPostbackOutbox
    {
        public IPostbackOutboxStore Store { get; } = store;

        public ValueTask<IReadOnlyList<PostbackOutboxEntry>> PrepareAsync(PostbackTransaction transaction, CancellationToken cancellationToken = default) => ValueTask.FromResult(entries);

        public void Wake()
        {
        }

        public ValueTask<int> ReplayAsync(PostbackOutboxFilter filter, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<bool> EnableEndpointAsync(string endpointName, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<bool> DisableEndpointAsync(string endpointName, string reason, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<long> PurgeAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask EnqueueAsync(PostbackTransaction transaction, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public bool TryEnqueue(PostbackTransaction transaction) => throw new NotSupportedException();
    }
}
