using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Postback.Internal;

/// <summary>
/// The store's schema and its versioned migrations. Each migration runs once, in order, inside one transaction that holds
/// a transaction-level advisory lock named after the schema, so nodes that start at once apply it exactly once: the
/// first takes the lock and migrates, the others wait and then find the version already recorded.
/// </summary>
internal static class PostgreSqlOutboxSchema
{
    /// <summary>The live states (<see cref="PostbackDeliveryState.Pending"/>, InFlight, Parked) are the only ones in <c>deliveries</c>.</summary>
    private static readonly string[] Migrations =
    [
        // 1: the hot table of live deliveries, the history of finished ones, the attempts log and endpoint health.
        """
        CREATE SEQUENCE {s}.delivery_id_seq;

        CREATE TABLE {s}.endpoints (
            name                 text PRIMARY KEY,
            enabled              boolean NOT NULL DEFAULT true,
            consecutive_failures integer NOT NULL DEFAULT 0,
            failing_since        timestamptz,
            last_success_at      timestamptz,
            disabled_at          timestamptz,
            disabled_reason      text
        );

        -- Live deliveries only (1 pending, 2 in flight, 3 parked): claims scan this table, so it stays as small as the backlog.
        CREATE TABLE {s}.deliveries (
            id               bigint PRIMARY KEY,
            endpoint_name    text NOT NULL,
            idempotency_key  text NOT NULL,
            host_key         text NOT NULL,
            payload          text NOT NULL,
            order_number     text,
            state            smallint NOT NULL CHECK (state IN (1, 2, 3)),
            attempt          integer NOT NULL DEFAULT 0,
            failed_attempts  integer NOT NULL DEFAULT 0,
            enqueued_at      timestamptz NOT NULL,
            replayed_at      timestamptz,
            next_attempt_at  timestamptz,
            owner            text,
            lease_expires_at timestamptz,
            park_reason      text,
            last_status_code integer,
            last_error_type  text,
            -- The claim order of a row a claim may take: pending, or in flight (taken again once its lease ends). An
            -- in-flight row keeps the due time it was claimed at, so a dead node's deliveries are rescued ahead of the
            -- backlog that was due after them. Parked rows have none and stay out of the claim indexes.
            due_at           timestamptz GENERATED ALWAYS AS (
                                 CASE WHEN state IN (1, 2) THEN next_attempt_at END) STORED
        ) WITH (fillfactor = 80);

        CREATE INDEX deliveries_due ON {s}.deliveries (due_at, id) WHERE due_at IS NOT NULL;
        CREATE INDEX deliveries_host_due ON {s}.deliveries (host_key, due_at, id) WHERE due_at IS NOT NULL;
        CREATE INDEX deliveries_endpoint ON {s}.deliveries (endpoint_name, state);
        CREATE INDEX deliveries_order_number ON {s}.deliveries (order_number) WHERE order_number IS NOT NULL;

        -- Final deliveries (4 delivered, 5 rejected, 6 blocked, 7 invalid, 8 dead), moved here by the completion that ends them.
        CREATE TABLE {s}.history (
            id               bigint PRIMARY KEY,
            endpoint_name    text NOT NULL,
            idempotency_key  text NOT NULL,
            host_key         text NOT NULL,
            payload          text NOT NULL,
            order_number     text,
            state            smallint NOT NULL CHECK (state IN (4, 5, 6, 7, 8)),
            attempt          integer NOT NULL,
            failed_attempts  integer NOT NULL,
            enqueued_at      timestamptz NOT NULL,
            replayed_at      timestamptz,
            completed_at     timestamptz NOT NULL,
            last_status_code integer,
            last_error_type  text
        );

        CREATE INDEX history_state_completed ON {s}.history (state, completed_at);
        CREATE INDEX history_endpoint ON {s}.history (endpoint_name, id);
        CREATE INDEX history_order_number ON {s}.history (order_number) WHERE order_number IS NOT NULL;

        CREATE TABLE {s}.attempts (
            delivery_id   bigint NOT NULL,
            number        integer NOT NULL,
            started_at    timestamptz NOT NULL,
            duration      interval NOT NULL,
            outcome       smallint NOT NULL,
            status_code   integer,
            error_type    text,
            error_message text,
            response_body text,
            redacted_url  text,
            PRIMARY KEY (delivery_id, number)
        );
        """,
    ];

    /// <summary>Gets the newest schema version this build knows.</summary>
    public static int LatestVersion => Migrations.Length;

    /// <summary>Creates the schema or brings it to <see cref="LatestVersion"/>.</summary>
    /// <param name="dataSource">The data source.</param>
    /// <param name="schema">The validated schema name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The version before the call (0 for a new schema).</returns>
    public static async Task<int> MigrateAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken)
    {
        var s = Quote(schema);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // One lock per schema name, held until commit: concurrent starters queue here instead of racing CREATE.
                await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))", "postback.outbox:" + schema, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, $"""
                    CREATE SCHEMA IF NOT EXISTS {s};
                    CREATE TABLE IF NOT EXISTS {s}.schema_migrations (
                        version    integer PRIMARY KEY,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    );
                    """, null, cancellationToken).ConfigureAwait(false);

                int current;
                using (var command = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {s}.schema_migrations", connection))
                {
                    current = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                }

                if (current > Migrations.Length)
                {
                    throw new InvalidOperationException(
                        $"The outbox schema \"{schema}\" is at version {current}, newer than this build of Postback.Outbox.PostgreSql knows ({Migrations.Length}). Upgrade the package on this node.");
                }

                for (var version = current + 1; version <= Migrations.Length; version++)
                {
                    await ExecuteAsync(connection, Migrations[version - 1].Replace("{s}", s, StringComparison.Ordinal), null, cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(connection, $"INSERT INTO {s}.schema_migrations (version) VALUES (@key)", version, cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return current;
            }
        }
    }

    /// <summary>Quotes a validated schema name as an identifier.</summary>
    /// <param name="schema">The name.</param>
    /// <returns>The quoted name.</returns>
    public static string Quote(string schema) => "\"" + schema + "\"";

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, object? key, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(sql, connection);
        if (key is not null)
        {
            command.Parameters.AddWithValue("key", key);
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
