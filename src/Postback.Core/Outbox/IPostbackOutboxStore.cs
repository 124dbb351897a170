using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Postback;

/// <summary>
/// The durable storage behind an outbox: the seam each store package (SQLite, PostgreSQL) implements. The outbox engine
/// owns the rules (what to send, the retry schedule, endpoint health policy); a store owns atomicity and its clock.
/// </summary>
/// <remarks>
/// <para>
/// Every method is safe to call concurrently, from several processes sharing one database included. Times are taken
/// from the store's clock (a <see cref="TimeProvider"/> given to the store, or the database's own where the store says
/// so), never from the caller, so workers on machines whose clocks disagree still agree on leases.
/// </para>
/// <para>
/// The contract a store must keep (the shared store contract tests check each):
/// <list type="bullet">
/// <item>A claim is committed before it returns, so no HTTP call happens inside a store transaction.</item>
/// <item>A delivery is held by at most one lease at a time. An expired lease makes the delivery claimable again, with a higher <see cref="PostbackOutboxLease.Attempt"/>.</item>
/// <item>A completion counts only if its owner and attempt are still the delivery's; otherwise it is reported as stale and changes nothing.</item>
/// <item>Deliveries of a disabled endpoint are parked, whether enqueued before or after it was disabled; enabling it makes them pending again.</item>
/// </list>
/// </para>
/// </remarks>
public interface IPostbackOutboxStore
{
    /// <summary>Creates or migrates the store's schema. Idempotent, and safe when several nodes start at once.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    ValueTask InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes deliveries in one transaction: all are stored, or none. Those for a disabled endpoint are stored parked.</summary>
    /// <param name="entries">The deliveries.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new deliveries' ids, in the order of <paramref name="entries"/>.</returns>
    ValueTask<IReadOnlyList<long>> EnqueueAsync(IReadOnlyList<PostbackOutboxEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims due deliveries (pending and due, or in flight with an expired lease), oldest due first, within the claim's
    /// limits, and commits the claim before returning.
    /// </summary>
    /// <param name="claim">The worker's request.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The claimed deliveries; empty when none is due.</returns>
    ValueTask<IReadOnlyList<PostbackOutboxLease>> ClaimAsync(PostbackOutboxClaim claim, CancellationToken cancellationToken = default);

    /// <summary>
    /// Completes attempts in one transaction: records each attempt in the log, moves each delivery to its next state, and
    /// updates each endpoint's health, disabling (and parking the pending deliveries of) an endpoint the policy says to.
    /// </summary>
    /// <param name="completions">The completions.</param>
    /// <param name="policy">When an endpoint is disabled.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The completions that did not count, and the endpoints that this call disabled.</returns>
    ValueTask<PostbackOutboxCompletionResult> CompleteAsync(IReadOnlyList<PostbackOutboxCompletion> completions, PostbackEndpointHealthPolicy policy, CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns the earliest time a pending delivery is due, or <see langword="null"/> when none is pending, so an idle
    /// worker can sleep until then.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The time, by the store's clock.</returns>
    ValueTask<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken = default);

    /// <summary>Gets every endpoint the store has a health record for.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The endpoints, by name.</returns>
    ValueTask<IReadOnlyList<PostbackOutboxEndpoint>> GetEndpointsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Disables an endpoint (parking its pending deliveries) or enables it (making its parked deliveries pending, due at
    /// once, and ending its failure streak).
    /// </summary>
    /// <param name="endpointName">The endpoint.</param>
    /// <param name="enabled">Enable or disable.</param>
    /// <param name="reason">Why, recorded when disabling.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when the state changed; <see langword="false"/> when it already was so.</returns>
    ValueTask<bool> SetEndpointEnabledAsync(string endpointName, bool enabled, string? reason, CancellationToken cancellationToken = default);

    /// <summary>Finds deliveries, newest first, one page at a time.</summary>
    /// <param name="filter">Which deliveries.</param>
    /// <param name="beforeId">Only deliveries with a smaller id (the previous page's <see cref="PostbackOutboxPage.NextBeforeId"/>), or <see langword="null"/> for the first page.</param>
    /// <param name="limit">The page size, 1 to 1000.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page.</returns>
    ValueTask<PostbackOutboxPage> QueryAsync(PostbackOutboxFilter filter, long? beforeId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Gets one delivery, or <see langword="null"/>.</summary>
    /// <param name="id">The id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The delivery.</returns>
    ValueTask<PostbackOutboxDelivery?> GetAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Gets one delivery's recorded attempts, oldest first.</summary>
    /// <param name="id">The delivery's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The attempts.</returns>
    ValueTask<IReadOnlyList<PostbackOutboxAttempt>> GetAttemptsAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes matching deliveries that are not in flight pending again, due at once, with the same idempotency key and a
    /// fresh retry schedule (their <see cref="PostbackOutboxLease.FailedAttempts"/> start again from 0).
    /// </summary>
    /// <param name="filter">Which deliveries.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many were replayed.</returns>
    ValueTask<int> ReplayAsync(PostbackOutboxFilter filter, CancellationToken cancellationToken = default);

    /// <summary>Deletes final deliveries, with their attempts: delivered, rejected, blocked and invalid ones older than <paramref name="finishedAge"/>, dead ones older than <paramref name="deadAge"/>.</summary>
    /// <param name="finishedAge">How long finished deliveries are kept, counted from completion.</param>
    /// <param name="deadAge">How long dead deliveries are kept, counted from completion.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many deliveries were deleted.</returns>
    ValueTask<long> PurgeAsync(TimeSpan finishedAge, TimeSpan deadAge, CancellationToken cancellationToken = default);

    /// <summary>Counts deliveries by state and finds the oldest pending one.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stats.</returns>
    ValueTask<PostbackOutboxStats> GetStatsAsync(CancellationToken cancellationToken = default);
}
