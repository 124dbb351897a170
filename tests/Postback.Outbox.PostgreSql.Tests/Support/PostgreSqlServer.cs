using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Postback.Tests.Support;

/// <summary>
/// A real PostgreSQL server for the tests: the one in <c>POSTBACK_PG_CONNECTION</c> if set, otherwise a throw-away
/// cluster of its own (<c>initdb</c> into a temporary folder, <c>pg_ctl start</c> on a free 127.0.0.1 port), stopped and
/// deleted at the end. As root (CI), the server runs as the <c>postgres</c> system user, since PostgreSQL refuses root.
/// Each test class asks for a database of its own.
/// </summary>
public sealed class PostgreSqlServer : IAsyncLifetime
{
    public const string ConnectionVariable = "POSTBACK_PG_CONNECTION";
    private static readonly string BinDirectory = Environment.GetEnvironmentVariable("POSTBACK_PG_BIN") ?? "/usr/lib/postgresql/15/bin";
    private static int s_databases;

    private string? _folder;
    private string _adminConnectionString = "";

    /// <summary>Gets the admin connection string (database <c>postgres</c>).</summary>
    public string AdminConnectionString => _adminConnectionString;

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } given)
        {
            _adminConnectionString = given;
            return;
        }

        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
        {
            throw new InvalidOperationException(
                $"PostgreSQL 15 is not installed ({BinDirectory}/initdb is missing). Install it (apt-get install -y postgresql-15), or set {ConnectionVariable}. See docs/postgresql.md.");
        }

        _folder = Path.Combine(Path.GetTempPath(), "postback-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_folder);
        var data = Path.Combine(_folder, "data");
        if (Environment.IsPrivilegedProcess)
        {
            // initdb and postgres refuse to run as root: the cluster belongs to the postgres system user.
            await RunAsync("chown", ["postgres:postgres", _folder], asPostgres: false);
        }

        await RunAsync(Path.Combine(BinDirectory, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], asPostgres: true);
        var port = FreePort();
        var settings = $"-p {port} -c listen_addresses=127.0.0.1 -k {_folder} -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB";
        await RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", data, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "60", "-o", settings, "start"], asPostgres: true);
        _adminConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50";
    }

    public async Task DisposeAsync()
    {
        if (_shared is not null)
        {
            await _shared.DisposeAsync();
        }

        _sharedGate.Dispose();
        NpgsqlConnection.ClearAllPools();
        if (_folder is null)
        {
            return;
        }

        try
        {
            await RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop"], asPostgres: true);
        }
        finally
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private readonly SemaphoreSlim _sharedGate = new(1, 1);
    private NpgsqlDataSource? _shared;
    private string? _sharedConnectionString;
    private static int s_schemas;

    /// <summary>Gets a data source on the database the tests share (each test works in a schema of its own).</summary>
    public async Task<(NpgsqlDataSource DataSource, string ConnectionString)> GetSharedAsync()
    {
        await _sharedGate.WaitAsync();
        try
        {
            if (_shared is null)
            {
                _sharedConnectionString = await CreateDatabaseAsync("postback_tests");
                _shared = new NpgsqlSlimDataSourceBuilder(_sharedConnectionString).EnableArrays().Build();
            }

            return (_shared, _sharedConnectionString!);
        }
        finally
        {
            _sharedGate.Release();
        }
    }

    /// <summary>Returns a schema name no other test uses.</summary>
    public static string NewSchema(string prefix = "t") => $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref s_schemas)}";

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref s_databases)}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name }.ConnectionString;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, string[] arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo
        {
            FileName = asPostgres && Environment.IsPrivilegedProcess ? "runuser" : file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres && Environment.IsPrivilegedProcess)
        {
            foreach (var argument in (string[])["-u", "postgres", "--", file])
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output} {await error}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgreSqlServerGroup : ICollectionFixture<PostgreSqlServer>
{
    public const string Name = "PostgreSQL";
}
