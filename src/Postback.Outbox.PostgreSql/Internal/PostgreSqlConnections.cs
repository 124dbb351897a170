using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace Postback.Internal;

/// <summary>
/// What every part of the PostgreSQL store shares: the data source (owned or the application's), the SQL with the schema
/// filled in, the <c>@now</c> parameter that picks the store's clock, and the <c>NOTIFY</c> that wakes idle nodes.
/// </summary>
internal sealed class PostgreSqlConnections : IAsyncDisposable
{
    private readonly bool _ownsDataSource;
    private readonly TimeProvider? _timeProvider;

    public PostgreSqlConnections(PostgreSqlPostbackOutboxOptions options, TimeProvider? timeProvider)
    {
        Schema = options.Schema;

        // Null means the database clock: every statement then takes coalesce(@now, now()) from the server.
        _timeProvider = options.Clock == PostgreSqlOutboxClock.TimeProvider ? timeProvider ?? TimeProvider.System : null;
        Sql = new PostgreSqlOutboxSql(options.Schema);
        if (options.DataSource is { } dataSource)
        {
            DataSource = dataSource;
        }
        else
        {
            DataSource = new NpgsqlSlimDataSourceBuilder(options.ConnectionString).EnableArrays().Build();
            _ownsDataSource = true;
        }
    }

    public string Schema { get; }

    public NpgsqlDataSource DataSource { get; }

    public PostgreSqlOutboxSql Sql { get; }

    public async ValueTask InitializeAsync(CancellationToken cancellationToken) =>
        await PostgreSqlOutboxSchema.MigrateAsync(DataSource, Schema, cancellationToken).ConfigureAwait(false);

    /// <summary>Adds <c>@now</c>: the store's <see cref="TimeProvider"/>'s time, or NULL for the database's <c>now()</c>.</summary>
    public void AddNow(NpgsqlParameterCollection parameters) =>
        parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz)
        {
            Value = _timeProvider is null ? DBNull.Value : _timeProvider.GetUtcNow().UtcDateTime,
        });

    /// <summary>The <c>NOTIFY</c> on the store's channel; in a batch it is sent when the batch's transaction commits.</summary>
    public NpgsqlBatchCommand NotifyCommand()
    {
        var notify = new NpgsqlBatchCommand(Sql.Notify);
        notify.Parameters.Add(new NpgsqlParameter<string>("channel", Sql.Channel));
        return notify;
    }

    public async ValueTask DisposeAsync()
    {
        // An application's own data source is the application's to dispose.
        if (_ownsDataSource)
        {
            await DataSource.DisposeAsync().ConfigureAwait(false);
        }
    }
}
