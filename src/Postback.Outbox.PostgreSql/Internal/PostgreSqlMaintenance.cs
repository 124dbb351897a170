using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Postback.Internal;

/// <summary>What operators and the retention loop change in bulk: replays of either table, and purges of history in bounded batches.</summary>
internal sealed class PostgreSqlMaintenance(PostgreSqlConnections db)
{
    private const int PurgeBatchSize = 1000;

    public async ValueTask<int> ReplayAsync(PostbackOutboxFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.State == PostbackDeliveryState.InFlight)
        {
            return 0;
        }

        var connection = await db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                DateTime now;
                using (var command = new NpgsqlCommand(db.Sql.LockAllEndpointsShared + ";" + db.Sql.Now, connection, transaction))
                {
                    db.AddNow(command.Parameters);
                    var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                        now = reader.GetDateTime(0);
                    }
                }

                var replayed = 0;
                using (var batch = new NpgsqlBatch(connection, transaction))
                {
                    var liveCommand = new NpgsqlBatchCommand();
                    liveCommand.CommandText = db.Sql.ReplayLiveTemplate.Replace("{filter}", PostgreSqlFilter.Where(liveCommand.Parameters, filter), StringComparison.Ordinal);
                    liveCommand.Parameters.Add(new NpgsqlParameter<DateTime>("now", now));
                    var historyCommand = new NpgsqlBatchCommand();
                    historyCommand.CommandText = db.Sql.ReplayHistoryTemplate.Replace("{filter}", PostgreSqlFilter.Where(historyCommand.Parameters, filter), StringComparison.Ordinal);
                    historyCommand.Parameters.Add(new NpgsqlParameter<DateTime>("now", now));
                    batch.BatchCommands.Add(liveCommand);
                    batch.BatchCommands.Add(historyCommand);
                    batch.BatchCommands.Add(db.NotifyCommand());
                    await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    replayed = liveCommand.RecordsAffected + historyCommand.RecordsAffected;
                }

                if (replayed == 0)
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return 0;
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return replayed;
            }
        }
    }

    public async ValueTask<long> PurgeAsync(TimeSpan finishedAge, TimeSpan deadAge, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            using var command = db.DataSource.CreateCommand(db.Sql.Purge);
            db.AddNow(command.Parameters);
            command.Parameters.Add(new NpgsqlParameter<TimeSpan>("finished", finishedAge));
            command.Parameters.Add(new NpgsqlParameter<TimeSpan>("dead", deadAge));
            command.Parameters.Add(new NpgsqlParameter<int>("batch", PurgeBatchSize));
            var deleted = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            total += deleted;
            if (deleted < PurgeBatchSize)
            {
                return total;
            }
        }
    }
}
