using System.Threading;
using System.Threading.Tasks;

namespace Postback;

/// <summary>Sends postbacks to partners' servers.</summary>
/// <remarks>
/// A delivery failure is a <see cref="PostbackResult"/>, never an exception: only the caller's cancellation
/// (<see cref="System.OperationCanceledException"/>) and invalid arguments throw.
/// </remarks>
public interface IPostbackSender
{
    /// <summary>Renders and sends one postback for one transaction to one endpoint.</summary>
    /// <param name="endpoint">The partner's endpoint.</param>
    /// <param name="transaction">The transaction's values.</param>
    /// <param name="cancellationToken">Cancels the send; the send then throws <see cref="System.OperationCanceledException"/>.</param>
    /// <returns>What happened.</returns>
    ValueTask<PostbackResult> SendAsync(PostbackEndpoint endpoint, PostbackTransaction transaction, CancellationToken cancellationToken = default);

    /// <summary>Sends an already-rendered postback.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the send; the send then throws <see cref="System.OperationCanceledException"/>.</param>
    /// <returns>What happened.</returns>
    ValueTask<PostbackResult> SendAsync(PostbackRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Sends a transaction to every endpoint that applies to it.</summary>
public interface IPostbackDispatcher
{
    /// <summary>
    /// Sends the transaction to every enabled endpoint whose traffic-source filter matches, concurrently, and returns
    /// every result: one per endpoint, plus one per endpoint provider that failed.
    /// </summary>
    /// <param name="transaction">The transaction.</param>
    /// <param name="cancellationToken">Cancels the sends.</param>
    /// <returns>
    /// One result per endpoint sent to (configured endpoints first, then each provider's, in order), followed by a result
    /// for each provider that failed and each endpoint that did not compile. Disabled endpoints and endpoints for other
    /// traffic sources get no result: nothing was due to them.
    /// </returns>
    Task<System.Collections.Generic.IReadOnlyList<PostbackResult>> DispatchAsync(PostbackTransaction transaction, CancellationToken cancellationToken = default);
}

/// <summary>
/// Supplies endpoints from somewhere other than configuration, such as the partners' postback settings in your
/// database, keyed by publisher. Register implementations with <c>services.AddSingleton&lt;IPostbackEndpointProvider, T&gt;()</c>.
/// </summary>
/// <remarks>
/// Templates are compiled once and kept in a bounded cache (<see cref="PostbackOptions.TemplateCacheSize"/>), so returning the
/// same definitions for every transaction costs a lookup, not a parse.
/// </remarks>
public interface IPostbackEndpointProvider
{
    /// <summary>Returns the endpoint definitions that may apply to a transaction (for example, its publisher's).</summary>
    /// <param name="transaction">The transaction.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The definitions; each needs a <see cref="PostbackEndpointOptions.Name"/>.</returns>
    ValueTask<System.Collections.Generic.IEnumerable<PostbackEndpointOptions>> GetEndpointsAsync(PostbackTransaction transaction, CancellationToken cancellationToken);
}
