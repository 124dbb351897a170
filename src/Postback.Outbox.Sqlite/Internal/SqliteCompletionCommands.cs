using System;
using Microsoft.Data.Sqlite;
using static Postback.Internal.SqliteRows;

namespace Postback.Internal;

/// <summary>
/// The statements one completion batch runs for every delivery, each prepared once per batch and bound again per
/// completion: SQLite parses and plans a statement when it is prepared, which cost more than running these.
/// </summary>
internal sealed class SqliteCompletionCommands : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly string _deliveries;
    private readonly string _attempts;
    private SqliteCommand? _fence;
    private SqliteCommand? _finish;
    private SqliteCommand? _finishFenced;
    private SqliteCommand? _record;

    public SqliteCompletionCommands(SqliteConnection connection, SqliteTransaction transaction, string deliveries, string attempts)
    {
        _connection = connection;
        _transaction = transaction;
        _deliveries = deliveries;
        _attempts = attempts;
    }

    /// <summary>The fence: the same owner still holds the same attempt, and the delivery is still in flight. Returns its endpoint.</summary>
    public SqliteCommand Fence => _fence ??= Prepare(
        $"SELECT endpoint_name FROM {_deliveries} WHERE id = $id AND owner = $owner AND attempt = $attempt AND state = {StateInFlight}",
        "$id", "$owner", "$attempt");

    /// <summary>Moves a delivery that passed the fence to its next state.</summary>
    public SqliteCommand Finish => _finish ??= Prepare($"{FinishSql} WHERE id = $id", FinishParameters);

    /// <summary>
    /// The fence and the move in one statement, for a state that does not depend on the endpoint's health (a final
    /// state, or parked): returns the endpoint, or no row when the completion is stale.
    /// </summary>
    public SqliteCommand FinishFenced => _finishFenced ??= Prepare(
        $"{FinishSql} WHERE id = $id AND owner = $owner AND attempt = $attempt AND state = {StateInFlight} RETURNING endpoint_name",
        [.. FinishParameters, "$owner", "$attempt"]);

    /// <summary>Records the attempt.</summary>
    public SqliteCommand Record => _record ??= Prepare(
        $"""
        INSERT INTO {_attempts} (delivery_id, number, started_at, duration_ticks, outcome, status_code, error_type, error_message, response_body, redacted_url)
        VALUES ($id, $number, $started, $duration, $outcome, $status, $error, $message, $body, $url)
        """,
        "$id", "$number", "$started", "$duration", "$outcome", "$status", "$error", "$message", "$body", "$url");

    private static string[] FinishParameters => ["$id", "$state", "$next", "$completed", "$park", "$failed", "$record", "$status", "$error"];

    private string FinishSql => $"""
        UPDATE {_deliveries} SET state = $state, next_attempt_at = $next, owner = NULL, lease_expires_at = NULL,
            completed_at = $completed, park_reason = $park, failed_attempts = failed_attempts + $failed,
            last_status_code = CASE WHEN $record THEN $status ELSE last_status_code END,
            last_error_type = CASE WHEN $record THEN $error ELSE last_error_type END
        """;

    public void Dispose()
    {
        _fence?.Dispose();
        _finish?.Dispose();
        _finishFenced?.Dispose();
        _record?.Dispose();
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = Command(_connection, _transaction, sql);
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name, Value = DBNull.Value });
        }

        command.Prepare();
        return command;
    }
}
