using System.Threading;
using System.Threading.Tasks;

namespace Postback;

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
