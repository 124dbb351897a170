using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Postback.Internal;

/// <summary>The system resolver (<see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/>).</summary>
internal sealed class SystemDnsResolver : IPostbackDnsResolver
{
    public async ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        try
        {
            return await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            return [];
        }
    }
}
