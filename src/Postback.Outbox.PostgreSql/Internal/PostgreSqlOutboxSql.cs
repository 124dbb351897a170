namespace Postback.Internal;

/// <summary>
/// The store's SQL, with the schema name filled in once. Every time comes from <c>coalesce(@now, now())</c>: the
/// store passes its <see cref="System.TimeProvider"/>'s time as <c>@now</c>, or <see langword="null"/> for the database clock.
/// </summary>
internal sealed class PostgreSqlOutboxSql
{
    private const string DeliveryColumns =
        "id, endpoint_name, idempotency_key, host_key, order_number, state, attempt, failed_attempts, enqueued_at, " +
        "next_attempt_at, lease_expires_at, completed_at, park_reason, last_status_code, last_error_type";

    public PostgreSqlOutboxSql(string schema)
    {
        var s = PostgreSqlOutboxSchema.Quote(schema);
        Channel = schema + "_wake";

        // ---- Claims (PostgreSqlClaims) ----

        // Both claims end alike: take the lease on the picked rows and bump the attempt (the fence). The RETURNING list
        // is what PostgreSqlRows.ReadClaimed reads, so it is written once for the two.
        var takeLease = $"""
            UPDATE {s}.deliveries d
            SET state = 2, owner = @owner, lease_expires_at = coalesce(@now, now()) + @lease, attempt = d.attempt + 1
            FROM picked
            WHERE d.id = picked.id
            RETURNING d.id, d.endpoint_name, d.idempotency_key, d.host_key, d.payload, d.attempt, d.failed_attempts,
                      coalesce(d.replayed_at, d.enqueued_at), d.lease_expires_at, picked.due_at
            """;

        // Claim, River-style: one statement, its own (implicit) transaction, committed before the caller sends anything.
        // The inner SELECT walks deliveries_due in due order and locks with SKIP LOCKED, so concurrent claimers pass each
        // other's rows instead of waiting; the UPDATE takes the lease and bumps the attempt (the fence). In-flight rows
        // keep their due time, so an expired lease is taken before younger pending rows; live leases are skipped by the
        // filter (at most the number of deliveries in flight).
        Claim = $"""
            WITH picked AS (
                SELECT id, due_at FROM {s}.deliveries
                WHERE due_at <= coalesce(@now, now()) AND (state = 1 OR lease_expires_at <= coalesce(@now, now()))
                ORDER BY due_at, id
                LIMIT @max
                FOR UPDATE SKIP LOCKED
            )
            {takeLease}
            """;

        // Claim with a per-host cap or excluded hosts: a loose index scan lists the hosts that have live rows (one index
        // probe per host), then a LATERAL pick takes each host's first @per_host due rows from deliveries_host_due, so a
        // backlog of one host (or of an excluded one) is never scanned row by row. Then the oldest @max of those win.
        ClaimByHost = $"""
            WITH RECURSIVE hosts AS (
                (SELECT host_key FROM {s}.deliveries WHERE due_at IS NOT NULL ORDER BY host_key LIMIT 1)
                UNION ALL
                SELECT (SELECT d.host_key FROM {s}.deliveries d
                        WHERE d.due_at IS NOT NULL AND d.host_key > h.host_key
                        ORDER BY d.host_key LIMIT 1)
                FROM hosts h
                WHERE h.host_key IS NOT NULL
            ), picked AS (
                SELECT c.id, c.due_at
                FROM hosts h
                CROSS JOIN LATERAL (
                    SELECT d.id, d.due_at FROM {s}.deliveries d
                    WHERE d.host_key = h.host_key AND d.due_at <= coalesce(@now, now())
                      AND (d.state = 1 OR d.lease_expires_at <= coalesce(@now, now()))
                    ORDER BY d.due_at, d.id
                    LIMIT @per_host
                    FOR UPDATE SKIP LOCKED
                ) c
                WHERE h.host_key IS NOT NULL AND h.host_key <> ALL(@excluded)
                ORDER BY c.due_at, c.id
                LIMIT @max
            )
            {takeLease}
            """;

        NextDue = $"SELECT due_at FROM {s}.deliveries WHERE due_at IS NOT NULL AND state = 1 ORDER BY due_at LIMIT 1";

        // ---- Enqueue (PostgreSqlEnqueue) ----

        // Enqueue: endpoint rows are created on first sight; FOR KEY SHARE on them does not block health updates (FOR NO
        // KEY UPDATE) but does block a concurrent disable (FOR UPDATE), so a delivery is never stored pending for an
        // endpoint that a committed disable has parked. Ids come from the sequence in entry order (the subquery is not
        // flattened because nextval is volatile), so sorting the returned ids maps them back to the entries.
        Enqueue = $"""
            WITH new_endpoints AS (
                INSERT INTO {s}.endpoints (name) SELECT DISTINCT n FROM unnest(@names) n ON CONFLICT DO NOTHING
            ), locked AS (
                SELECT name, enabled FROM {s}.endpoints WHERE name = ANY(@names) FOR KEY SHARE
            ), clock AS (
                SELECT coalesce(@now, now()) AS now
            )
            INSERT INTO {s}.deliveries (id, endpoint_name, idempotency_key, host_key, payload, order_number, state, park_reason, enqueued_at, next_attempt_at)
            SELECT u.id, u.name, u.key, u.host, u.payload, u.order_number,
                   CASE WHEN l.enabled IS FALSE THEN 3 ELSE 1 END,
                   CASE WHEN l.enabled IS FALSE THEN 'endpoint_disabled' END,
                   clock.now,
                   CASE WHEN l.enabled IS FALSE THEN NULL ELSE clock.now + u.delay END
            FROM (SELECT nextval('{s}.delivery_id_seq') AS id, x.*
                  FROM unnest(@names, @keys, @hosts, @payloads, @order_numbers, @delays) AS x(name, key, host, payload, order_number, delay)) u
            CROSS JOIN clock
            LEFT JOIN locked l ON l.name = u.name
            RETURNING id
            """;

        // Also sent by replays and by enabling an endpoint, so idle nodes look at once.
        Notify = "SELECT pg_notify(@channel, '')";

        // ---- Completions (PostgreSqlCompletions) ----

        LockForCompletion = $"""
            SELECT coalesce(@now, now()), id, endpoint_name, owner, attempt, state
            FROM {s}.deliveries WHERE id = ANY(@ids) ORDER BY id FOR UPDATE
            """;

        LockEndpointsForCompletion = $"""
            SELECT name, enabled, consecutive_failures, failing_since, last_success_at, disabled_at, disabled_reason
            FROM {s}.endpoints
            WHERE name IN (SELECT endpoint_name FROM {s}.deliveries WHERE id = ANY(@ids))
            ORDER BY name FOR NO KEY UPDATE
            """;

        InsertAttempts = $"""
            INSERT INTO {s}.attempts (delivery_id, number, started_at, duration, outcome, status_code, error_type, error_message, response_body, redacted_url)
            SELECT * FROM unnest(@ids, @numbers, @started, @durations, @outcomes, @status_codes, @error_types, @error_messages, @bodies, @urls)
            ON CONFLICT DO NOTHING
            """;

        UpdateLive = $"""
            UPDATE {s}.deliveries d
            SET state = u.state,
                next_attempt_at = CASE WHEN u.state = 1 THEN @now + u.delay END,
                failed_attempts = d.failed_attempts + u.failed,
                park_reason = u.park_reason,
                owner = NULL,
                lease_expires_at = NULL,
                last_status_code = CASE WHEN u.has_record THEN u.status_code ELSE d.last_status_code END,
                last_error_type = CASE WHEN u.has_record THEN u.error_type ELSE d.last_error_type END
            FROM unnest(@ids, @states, @delays, @failed, @park_reasons, @has_record, @status_codes, @error_types)
                 AS u(id, state, delay, failed, park_reason, has_record, status_code, error_type)
            WHERE d.id = u.id
            """;

        // A final delivery leaves the hot table in the transaction that ends it.
        MoveFinal = $"""
            WITH moved AS (
                DELETE FROM {s}.deliveries d
                USING unnest(@ids, @states, @failed, @has_record, @status_codes, @error_types)
                      AS u(id, state, failed, has_record, status_code, error_type)
                WHERE d.id = u.id
                RETURNING d.id, d.endpoint_name, d.idempotency_key, d.host_key, d.payload, d.order_number, u.state,
                          d.attempt, d.failed_attempts + u.failed AS failed_attempts, d.enqueued_at, d.replayed_at,
                          CASE WHEN u.has_record THEN u.status_code ELSE d.last_status_code END AS last_status_code,
                          CASE WHEN u.has_record THEN u.error_type ELSE d.last_error_type END AS last_error_type
            )
            INSERT INTO {s}.history (id, endpoint_name, idempotency_key, host_key, payload, order_number, state, attempt,
                                     failed_attempts, enqueued_at, replayed_at, completed_at, last_status_code, last_error_type)
            SELECT id, endpoint_name, idempotency_key, host_key, payload, order_number, state, attempt,
                   failed_attempts, enqueued_at, replayed_at, @now, last_status_code, last_error_type
            FROM moved
            """;

        UpsertEndpoints = $"""
            INSERT INTO {s}.endpoints (name, enabled, consecutive_failures, failing_since, last_success_at, disabled_at, disabled_reason)
            SELECT * FROM unnest(@names, @enabled, @failures, @failing_since, @last_success, @disabled_at, @disabled_reasons)
            ON CONFLICT (name) DO UPDATE SET
                enabled = excluded.enabled,
                consecutive_failures = excluded.consecutive_failures,
                failing_since = excluded.failing_since,
                last_success_at = excluded.last_success_at,
                disabled_at = excluded.disabled_at,
                disabled_reason = excluded.disabled_reason
            """;

        // FOR UPDATE waits for enqueues holding FOR KEY SHARE; the next statement's fresh snapshot then sees their rows.
        LockEndpointsForDisable = $"SELECT name FROM {s}.endpoints WHERE name = ANY(@names) ORDER BY name FOR UPDATE";

        ParkPending = $"""
            UPDATE {s}.deliveries SET state = 3, park_reason = 'endpoint_disabled', next_attempt_at = NULL
            WHERE endpoint_name = ANY(@names) AND state = 1
            """;

        // ---- Endpoints (PostgreSqlEndpoints; ParkPending above serves both) ----

        EnsureEndpoint = $"INSERT INTO {s}.endpoints (name) VALUES (@name) ON CONFLICT DO NOTHING";

        LockEndpoint = $"SELECT enabled, coalesce(@now, now()) FROM {s}.endpoints WHERE name = @name FOR UPDATE";

        Endpoints = $"""
            SELECT name, enabled, consecutive_failures, failing_since, last_success_at, disabled_at, disabled_reason
            FROM {s}.endpoints ORDER BY name
            """;

        DisableEndpoint = $"""
            UPDATE {s}.endpoints SET enabled = false, disabled_at = @now, disabled_reason = @reason WHERE name = @name
            """;

        EnableEndpoint = $"""
            UPDATE {s}.endpoints
            SET enabled = true, disabled_at = NULL, disabled_reason = NULL, consecutive_failures = 0, failing_since = NULL
            WHERE name = @name
            """;

        ResumeParked = $"""
            UPDATE {s}.deliveries SET state = 1, park_reason = NULL, next_attempt_at = @now
            WHERE endpoint_name = @name AND state = 3 AND park_reason = 'endpoint_disabled'
            """;

        // ---- Delivery log (PostgreSqlDeliveryLog) ----

        // Both tables, newest first; each branch is an id-ordered scan cut at @limit + 1 rows.
        QueryTemplate = $"""
            SELECT * FROM (
                (SELECT {DeliveryColumns} FROM (SELECT *, NULL::timestamptz AS completed_at FROM {s}.deliveries) d
                 WHERE {"{filter}"} ORDER BY id DESC LIMIT @limit)
                UNION ALL
                (SELECT {DeliveryColumns} FROM (SELECT *, NULL::timestamptz AS next_attempt_at, NULL::timestamptz AS lease_expires_at,
                                                        NULL::text AS park_reason FROM {s}.history) h
                 WHERE {"{filter}"} ORDER BY id DESC LIMIT @limit)
            ) x ORDER BY id DESC LIMIT @limit
            """;

        Attempts = $"""
            SELECT number, started_at, duration, outcome, status_code, error_type, error_message, response_body, redacted_url
            FROM {s}.attempts WHERE delivery_id = @id ORDER BY number
            """;

        Stats = $"""
            SELECT state, count(*) FROM {s}.deliveries GROUP BY state
            UNION ALL
            SELECT state, count(*) FROM {s}.history GROUP BY state;
            SELECT min(enqueued_at) FROM {s}.deliveries WHERE state = 1
            """;

        // ---- Maintenance (PostgreSqlMaintenance) ----

        LockAllEndpointsShared = $"SELECT name FROM {s}.endpoints FOR KEY SHARE";

        // Replay of live deliveries that are not in flight: pending, due now, a fresh schedule; parked again if disabled.
        ReplayLiveTemplate = $"""
            UPDATE {s}.deliveries d
            SET state = CASE WHEN e.enabled IS FALSE THEN 3 ELSE 1 END,
                park_reason = CASE WHEN e.enabled IS FALSE THEN 'endpoint_disabled' END,
                next_attempt_at = CASE WHEN e.enabled IS FALSE THEN NULL ELSE @now END,
                failed_attempts = 0,
                replayed_at = @now
            FROM (SELECT d2.id, e2.enabled FROM {s}.deliveries d2 LEFT JOIN {s}.endpoints e2 ON e2.name = d2.endpoint_name
                  WHERE d2.state IN (1, 3) AND {"{filter}"}) e
            WHERE d.id = e.id
            """;

        // Replay of final deliveries: back to the hot table with the same id, key and attempt counter (the fence).
        ReplayHistoryTemplate = $"""
            WITH moved AS (
                DELETE FROM {s}.history d WHERE {"{filter}"}
                RETURNING d.id, d.endpoint_name, d.idempotency_key, d.host_key, d.payload, d.order_number, d.attempt,
                          d.enqueued_at, d.last_status_code, d.last_error_type
            )
            INSERT INTO {s}.deliveries (id, endpoint_name, idempotency_key, host_key, payload, order_number, state, attempt,
                                        failed_attempts, enqueued_at, replayed_at, next_attempt_at, park_reason, last_status_code, last_error_type)
            SELECT m.id, m.endpoint_name, m.idempotency_key, m.host_key, m.payload, m.order_number,
                   CASE WHEN e.enabled IS FALSE THEN 3 ELSE 1 END, m.attempt, 0, m.enqueued_at, @now,
                   CASE WHEN e.enabled IS FALSE THEN NULL ELSE @now END,
                   CASE WHEN e.enabled IS FALSE THEN 'endpoint_disabled' END,
                   m.last_status_code, m.last_error_type
            FROM moved m LEFT JOIN {s}.endpoints e ON e.name = m.endpoint_name
            """;

        // Purge in bounded batches, each its own short transaction, with the batch's attempts.
        Purge = $"""
            WITH doomed AS (
                SELECT id FROM {s}.history
                WHERE (state IN (4, 5, 6, 7) AND completed_at < coalesce(@now, now()) - @finished)
                   OR (state = 8 AND completed_at < coalesce(@now, now()) - @dead)
                LIMIT @batch
            ), deleted AS (
                DELETE FROM {s}.history h USING doomed WHERE h.id = doomed.id RETURNING h.id
            ), deleted_attempts AS (
                DELETE FROM {s}.attempts a USING deleted WHERE a.delivery_id = deleted.id
            )
            SELECT count(*) FROM deleted
            """;

        Now = "SELECT coalesce(@now, now())";
    }

    public string Channel { get; }

    // Claims
    public string Claim { get; }

    public string ClaimByHost { get; }

    public string NextDue { get; }

    // Enqueue; Notify is also sent by replays and by enabling an endpoint.
    public string Enqueue { get; }

    public string Notify { get; }

    // Completions
    public string LockForCompletion { get; }

    public string LockEndpointsForCompletion { get; }

    public string InsertAttempts { get; }

    public string UpdateLive { get; }

    public string MoveFinal { get; }

    public string UpsertEndpoints { get; }

    public string LockEndpointsForDisable { get; }

    public string ParkPending { get; }

    // Endpoints
    public string EnsureEndpoint { get; }

    public string LockEndpoint { get; }

    public string Endpoints { get; }

    public string DisableEndpoint { get; }

    public string EnableEndpoint { get; }

    public string ResumeParked { get; }

    // Delivery log
    /// <summary>Gets the query, with <c>{filter}</c> standing for the WHERE clause (columns unqualified).</summary>
    public string QueryTemplate { get; }

    public string Attempts { get; }

    public string Stats { get; }

    // Maintenance
    public string LockAllEndpointsShared { get; }

    /// <summary>Gets the live replay, with <c>{filter}</c> standing for the WHERE clause.</summary>
    public string ReplayLiveTemplate { get; }

    /// <summary>Gets the history replay, with <c>{filter}</c> standing for the WHERE clause on <c>d</c>.</summary>
    public string ReplayHistoryTemplate { get; }

    public string Purge { get; }

    public string Now { get; }
}
