using System.Net;
using System.Threading;
using System.Threading.Tasks;

namespace Postback;

/// <summary>
/// Resolves a partner's host name for the connect-time guard. Replace it to use your own resolver, or in tests to
/// simulate private answers, mixed answers and DNS rebinding.
/// </summary>
public interface IPostbackDnsResolver
{
    /// <summary>Resolves a host name to its addresses.</summary>
    /// <param name="host">The host name.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The addresses, in the order connections should try them.</returns>
    ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}
