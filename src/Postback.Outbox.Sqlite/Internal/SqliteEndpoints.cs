using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using static Postback.Internal.SqliteRows;

namespace Postback.Internal;

/// <summary>
/// Endpoint health: the failure streak each counted attempt moves, disabling an endpoint (which parks its pending
/// deliveries) and enabling it again (which resumes them), and the list operators read.
/// </summary>
internal sealed class SqliteEndpoints(SqliteConnections db)
{

    public async ValueTask<IReadOnlyList<PostbackOutboxEndpoint>> GetEndpointsAsync(CancellationToken cancellationToken)
    {
        return await db.ReadAsync(
            async (connection, ct) =>
            {
                using var command = Command(connection, null, $"SELECT {EndpointColumns} FROM {db.Endpoints} ORDER BY name");
                return (IReadOnlyList<PostbackOutboxEndpoint>)await ReadAllAsync(command, ReadEndpoint, ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> SetEndpointEnabledAsync(string endpointName, bool enabled, string? reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpointName);
        return await db.WriteAsync(
            async (connection, transaction, now, ct) =>
            {
                if (!enabled)
                {
                    await EnsureEndpointAsync(connection, transaction, endpointName, ct).ConfigureAwait(false);
                    return await DisableAsync(connection, transaction, endpointName, reason ?? "disabled by an operator", now, ct).ConfigureAwait(false) is not null;
                }

                using (var enable = Command(connection, transaction, $"""
                    UPDATE {db.Endpoints} SET enabled = 1, consecutive_failures = 0, failing_since = NULL, disabled_at = NULL, disabled_reason = NULL
                    WHERE name = $name AND enabled = 0
                    """))
                {
                    enable.Parameters.AddWithValue("$name", endpointName);
                    if (await enable.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0)
                    {
                        return false;
                    }
                }

                using var resume = Command(connection, transaction, $"""
                    UPDATE {db.Deliveries} SET state = {StatePending}, next_attempt_at = $now, park_reason = NULL
                    WHERE endpoint_name = $name AND state = {StateParked} AND park_reason = $reason
                    """);
                resume.Parameters.AddWithValue("$name", endpointName);
                resume.Parameters.AddWithValue("$now", now);
                resume.Parameters.AddWithValue("$reason", PostbackParkReasons.EndpointDisabled);
                await resume.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Applies one attempt's health signal, in the completion's transaction; returns whether the endpoint is enabled
    /// afterwards, and adds it to <paramref name="disabled"/> when this signal disabled it.
    /// </summary>
    public async Task<bool> UpdateHealthAsync(
        SqliteConnection connection, SqliteTransaction transaction, string name, PostbackEndpointSignal signal, PostbackEndpointHealthPolicy policy, long now, List<PostbackOutboxEndpoint> disabled, CancellationToken cancellationToken)
    {
        if (signal == PostbackEndpointSignal.None)
        {
            using var read = Command(connection, transaction, $"SELECT enabled FROM {db.Endpoints} WHERE name = $name");
            read.Parameters.AddWithValue("$name", name);
            return await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long flag || flag != 0;
        }

        await EnsureEndpointAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false);
        if (signal == PostbackEndpointSignal.Success)
        {
            using var success = Command(connection, transaction, $"""
                UPDATE {db.Endpoints} SET consecutive_failures = 0, failing_since = NULL, last_success_at = $now WHERE name = $name RETURNING enabled
                """);
            success.Parameters.AddWithValue("$name", name);
            success.Parameters.AddWithValue("$now", now);
            return (long)(await success.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! != 0;
        }

        // Failure, or Gone (which is a failure too, and disables at once when the policy says so).
        bool enabled;
        long failures;
        long failingSince;
        using (var failure = Command(connection, transaction, $"""
            UPDATE {db.Endpoints} SET consecutive_failures = consecutive_failures + 1, failing_since = COALESCE(failing_since, $now)
            WHERE name = $name RETURNING enabled, consecutive_failures, failing_since
            """))
        {
            failure.Parameters.AddWithValue("$name", name);
            failure.Parameters.AddWithValue("$now", now);
            using var reader = await failure.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            enabled = reader.GetInt64(0) != 0;
            failures = reader.GetInt64(1);
            failingSince = reader.GetInt64(2);
        }

        if (!enabled)
        {
            return false;
        }

        string? reason = null;
        if (signal == PostbackEndpointSignal.Gone && policy.DisableOnGone)
        {
            reason = "410 Gone";
        }
        else if (failures >= policy.ConsecutiveFailures && now - failingSince >= (long)policy.FailingFor.TotalMilliseconds)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"{failures} consecutive failures since {FromUnix(failingSince):O}");
        }

        if (reason is null)
        {
            return true;
        }

        if (await DisableAsync(connection, transaction, name, reason, now, cancellationToken).ConfigureAwait(false) is { } endpoint)
        {
            disabled.Add(endpoint);
        }

        return false;
    }

    private async Task EnsureEndpointAsync(SqliteConnection connection, SqliteTransaction transaction, string name, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, $"INSERT INTO {db.Endpoints} (name, enabled) VALUES ($name, 1) ON CONFLICT (name) DO NOTHING");
        command.Parameters.AddWithValue("$name", name);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Disables an enabled endpoint and parks its pending deliveries; returns it, or <see langword="null"/> when it already was disabled.</summary>
    private async Task<PostbackOutboxEndpoint?> DisableAsync(SqliteConnection connection, SqliteTransaction transaction, string name, string reason, long now, CancellationToken cancellationToken)
    {
        PostbackOutboxEndpoint? endpoint = null;
        using (var disable = Command(connection, transaction, $"""
            UPDATE {db.Endpoints} SET enabled = 0, disabled_at = $now, disabled_reason = $reason WHERE name = $name AND enabled = 1
            RETURNING {EndpointColumns}
            """))
        {
            disable.Parameters.AddWithValue("$name", name);
            disable.Parameters.AddWithValue("$now", now);
            disable.Parameters.AddWithValue("$reason", reason);
            using var reader = await disable.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                endpoint = ReadEndpoint(reader);
            }
        }

        if (endpoint is null)
        {
            return null;
        }

        using var park = Command(connection, transaction, $"""
            UPDATE {db.Deliveries} SET state = {StateParked}, park_reason = $parked, next_attempt_at = NULL
            WHERE endpoint_name = $name AND state = {StatePending}
            """);
        park.Parameters.AddWithValue("$name", name);
        park.Parameters.AddWithValue("$parked", PostbackParkReasons.EndpointDisabled);
        await park.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return endpoint;
    }
}
