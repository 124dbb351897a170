using System.Threading;
using System.Threading.Tasks;

namespace Postback;

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
