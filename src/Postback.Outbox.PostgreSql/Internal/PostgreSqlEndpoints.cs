using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;
using static Postback.Internal.PostgreSqlRows;

namespace Postback.Internal;

/// <summary>
/// Endpoint switches operators flip: disabling an endpoint (which parks its pending deliveries) and enabling it again
/// (which resumes them and wakes the workers), and the list of endpoints with their health.
/// </summary>
internal sealed class PostgreSqlEndpoints(PostgreSqlConnections db)
{
    public async ValueTask<IReadOnlyList<PostbackOutboxEndpoint>> GetEndpointsAsync(CancellationToken cancellationToken)
    {
        using var command = db.DataSource.CreateCommand(db.Sql.Endpoints);
        return await ReadAllAsync(command, static reader => EndpointHealth.Read(reader).ToEndpoint(), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> SetEndpointEnabledAsync(string endpointName, bool enabled, string? reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpointName);
        var connection = await db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                bool current;
                DateTime now;
                using (var batch = new NpgsqlBatch(connection, transaction))
                {
                    var ensure = new NpgsqlBatchCommand(db.Sql.EnsureEndpoint);
                    ensure.Parameters.Add(new NpgsqlParameter<string>("name", endpointName));
                    var lockRow = new NpgsqlBatchCommand(db.Sql.LockEndpoint);
                    lockRow.Parameters.Add(new NpgsqlParameter<string>("name", endpointName));
                    db.AddNow(lockRow.Parameters);
                    batch.BatchCommands.Add(ensure);
                    batch.BatchCommands.Add(lockRow);
                    var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                        current = reader.GetBoolean(0);
                        now = reader.GetDateTime(1);
                    }
                }

                if (current == enabled)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return false;
                }

                using (var batch = new NpgsqlBatch(connection, transaction))
                {
                    var update = new NpgsqlBatchCommand(enabled ? db.Sql.EnableEndpoint : db.Sql.DisableEndpoint);
                    update.Parameters.Add(new NpgsqlParameter<string>("name", endpointName));
                    var deliveries = new NpgsqlBatchCommand(enabled ? db.Sql.ResumeParked : db.Sql.ParkPending);
                    if (enabled)
                    {
                        deliveries.Parameters.Add(new NpgsqlParameter<string>("name", endpointName));
                        deliveries.Parameters.Add(new NpgsqlParameter<DateTime>("now", now));
                    }
                    else
                    {
                        update.Parameters.Add(new NpgsqlParameter<DateTime>("now", now));
                        update.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = (object?)reason ?? DBNull.Value });
                        deliveries.Parameters.Add(new NpgsqlParameter<string[]>("names", [endpointName]));
                    }

                    batch.BatchCommands.Add(update);
                    batch.BatchCommands.Add(deliveries);
                    if (enabled)
                    {
                        batch.BatchCommands.Add(db.NotifyCommand());
                    }

                    await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
    }
}
