using System;
using System.CommandLine;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Postback.Cli.Shell;

namespace Postback.Cli.Commands.Outbox;

/// <summary>
/// <c>--sqlite &lt;file&gt;</c> or <c>--postgres &lt;connection string&gt;</c>, on <c>outbox</c> and every subcommand: the
/// store the commands work on, opened through the store package's own class, so what the tool does is what the
/// outbox's <c>IPostbackOutboxStore</c> does.
/// </summary>
internal sealed class StoreOptionSet
{
    public Option<FileInfo?> Sqlite { get; } = new("--sqlite")
    {
        Description = "The SQLite outbox file (UseSqlite's Data Source). It must exist: the tool never creates an empty outbox.",
        HelpName = "file",
        Recursive = true,
    };

    public Option<string?> Postgres { get; } = new("--postgres")
    {
        Description = "The PostgreSQL outbox's connection string (UsePostgreSql's), such as 'Host=db;Database=app;Username=ops'.",
        HelpName = "connection string",
        Recursive = true,
    };

    public void AddTo(Command command)
    {
        command.Add(Sqlite);
        command.Add(Postgres);
    }

    /// <summary>Opens the store; the caller disposes it with <see cref="CloseAsync"/>.</summary>
    public async Task<IPostbackOutboxStore> OpenAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var file = parse.GetValue(Sqlite);
        var connection = parse.GetValue(Postgres);
        IPostbackOutboxStore store;
        if (file is not null && connection is null)
        {
            if (!file.Exists)
            {
                throw new UsageException($"--sqlite {file.FullName}: no such file.");
            }

            store = new SqlitePostbackOutboxStore(new SqlitePostbackOutboxOptions
            {
                ConnectionString = new SqliteConnectionStringBuilder { DataSource = file.FullName }.ToString(),
            });
        }
        else if (connection is not null && file is null)
        {
            // No LISTEN connection: the tool makes a few calls and exits.
            store = new PostgreSqlPostbackOutboxStore(new PostgreSqlPostbackOutboxOptions { ConnectionString = connection, ListenForNotifications = false });
        }
        else
        {
            throw new UsageException("Give the outbox as --sqlite <file> or --postgres <connection string> (one of them).");
        }

        try
        {
            // Creates or migrates the schema, as a starting node would; idempotent on an outbox already in use.
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await CloseAsync(store).ConfigureAwait(false);
            throw;
        }
    }

    public static async Task CloseAsync(IPostbackOutboxStore store)
    {
        if (store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Runs a command's body against the store, and closes it after.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1068:CancellationToken parameters must come last", Justification = "The body, a long lambda, reads best as the last argument.")]
    public async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken, Func<IPostbackOutboxStore, Task<int>> body)
    {
        var store = await OpenAsync(parse, cancellationToken).ConfigureAwait(false);
        try
        {
            return await body(store).ConfigureAwait(false);
        }
        finally
        {
            await CloseAsync(store).ConfigureAwait(false);
        }
    }
}
