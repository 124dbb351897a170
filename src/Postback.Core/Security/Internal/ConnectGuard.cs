using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Postback.Internal;

/// <summary>
/// The guard at the moment of connection, in <see cref="SocketsHttpHandler.ConnectCallback"/>: it resolves the host
/// itself, refuses the connection if any address is forbidden, and then connects to exactly an address it validated,
/// so a DNS answer that changes between check and connect (rebinding) has nothing to win. The policy is the current
/// one on every connection, so a reload that removes an allowance applies to the next connection, not the next handler.
/// </summary>
internal sealed class ConnectGuard(AddressPolicyProvider policies, IPostbackDnsResolver resolver)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var policy = policies.Current;
        var host = context.DnsEndPoint.Host;
        var port = context.DnsEndPoint.Port;
        var requestUri = context.InitialRequestMessage.RequestUri;

        // The connection must be for the request's own host: anything else means a proxy or a redirect got in between.
        if (requestUri is null || !string.Equals(requestUri.IdnHost, host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase) || requestUri.Port != port)
        {
            throw new PostbackDestinationBlockedException($"The connection is for '{host}:{port}', not the request's host; it was refused.");
        }

        var uriVerdict = policy.EvaluateUri(requestUri);
        if (!uriVerdict.IsAllowed)
        {
            throw new PostbackDestinationBlockedException($"The destination '{host}' is not allowed: {uriVerdict.Reason}.");
        }

        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            addresses = await resolver.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
            if (addresses.Length == 0)
            {
                throw new HttpRequestException(HttpRequestError.NameResolutionError, $"The host '{host}' did not resolve to any address.");
            }
        }

        // Every answer must pass, not just the first: a resolver that mixes a public and a private address would
        // otherwise let the connection fall through to the private one.
        if (policy.Enabled && !policy.IsAllowedHost(host))
        {
            foreach (var address in addresses)
            {
                var verdict = policy.EvaluateAddress(address);
                if (!verdict.IsAllowed)
                {
                    throw new PostbackDestinationBlockedException($"The host '{host}' resolves to a forbidden address: {verdict.Reason}.");
                }
            }
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            var target = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(target, port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw new HttpRequestException(HttpRequestError.ConnectionError, $"Could not connect to '{host}:{port}'.", last);
    }
}
