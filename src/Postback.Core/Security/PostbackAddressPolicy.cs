using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Postback.Internal;

namespace Postback;

/// <summary>
/// The guard's pure decision: an address or a URL in, a verdict out. No DNS, no connection. The connection callback
/// applies the same policy to every address a name resolves to, at connect time.
/// </summary>
public sealed class PostbackAddressPolicy
{
    // Default denials for IPv4, with the reason each one gives (RFC 6890 special-purpose registry, plus the Azure
    // wire server). 240.0.0.0/4 includes the limited broadcast address.
    private static readonly (IPNetwork Network, string Reason)[] DeniedIPv4 =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "'this network' (0.0.0.0/8)"),
        (IPNetwork.Parse("10.0.0.0/8"), "a private network (10.0.0.0/8)"),
        (IPNetwork.Parse("100.64.0.0/10"), "carrier-grade NAT (100.64.0.0/10)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback (127.0.0.0/8)"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local, where cloud metadata lives (169.254.0.0/16)"),
        (IPNetwork.Parse("172.16.0.0/12"), "a private network (172.16.0.0/12)"),
        (IPNetwork.Parse("192.0.0.0/24"), "IETF protocol assignments (192.0.0.0/24)"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation (192.0.2.0/24)"),
        (IPNetwork.Parse("192.88.99.0/24"), "6to4 relay anycast (192.88.99.0/24)"),
        (IPNetwork.Parse("192.168.0.0/16"), "a private network (192.168.0.0/16)"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking (198.18.0.0/15)"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation (198.51.100.0/24)"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation (203.0.113.0/24)"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast (224.0.0.0/4)"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved or broadcast (240.0.0.0/4)"),
        (IPNetwork.Parse("168.63.129.16/32"), "the Azure wire server (168.63.129.16)"),
    ];

    // IPv6 is allowed only inside global unicast (2000::/3), minus these. Everything outside 2000::/3 is denied,
    // which covers ::, ::1, IPv4-mapped and -compatible forms, 64:ff9b::/96 (NAT64), fc00::/7, fe80::/10 and ff00::/8.
    private static readonly IPNetwork GlobalUnicast = IPNetwork.Parse("2000::/3");

    private static readonly (IPNetwork Network, string Reason)[] DeniedIPv6 =
    [
        (IPNetwork.Parse("2001:db8::/32"), "documentation (2001:db8::/32)"),
        (IPNetwork.Parse("2001:10::/28"), "ORCHID (2001:10::/28)"),
        (IPNetwork.Parse("2001:20::/28"), "ORCHIDv2 (2001:20::/28)"),
        (IPNetwork.Parse("2001::/32"), "Teredo (2001::/32), which tunnels to IPv4"),
        (IPNetwork.Parse("2002::/16"), "6to4 (2002::/16), which embeds an IPv4 address"),
        (IPNetwork.Parse("3fff::/20"), "documentation (3fff::/20)"),
    ];

    // What IdnMapping lets through (it does not apply the STD3 rules) that can never be part of a host name.
    private static readonly System.Buffers.SearchValues<char> NotInHostNames = System.Buffers.SearchValues.Create(" /\\?#@:[]*%");

    private readonly IPNetwork[] _allowedNetworks;
    private readonly IPNetwork[] _deniedNetworks;
    private readonly HashSet<string> _allowedHosts;
    private readonly string[] _deniedHosts;
    private readonly int[] _allowedPorts;

    /// <summary>Initializes a new instance of the <see cref="PostbackAddressPolicy"/> class.</summary>
    /// <param name="options">The security options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">A network is not valid CIDR notation; the message names it.</exception>
    public PostbackAddressPolicy(PostbackSecurityOptions? options = null)
        : this(options, PostbackConstants.SectionName)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostbackAddressPolicy"/> class, naming <paramref name="section"/> in messages.</summary>
    /// <param name="options">The security options; <see langword="null"/> for the defaults.</param>
    /// <param name="section">The configuration section the delivery options were bound from.</param>
    internal PostbackAddressPolicy(PostbackSecurityOptions? options, string section)
    {
        options ??= new PostbackSecurityOptions();
        Enabled = options.Enabled;
        AllowHttp = options.AllowHttp;
        _allowedNetworks = ParseNetworks(options.AllowedNetworks, $"{section}:Security:AllowedNetworks");
        _deniedNetworks = ParseNetworks(options.DeniedNetworks, $"{section}:Security:DeniedNetworks");
        _allowedHosts = new HashSet<string>(NormalizeHosts(options.AllowedHosts, $"{section}:Security:AllowedHosts", wildcards: false), StringComparer.OrdinalIgnoreCase);
        _deniedHosts = NormalizeHosts(options.DeniedHosts, $"{section}:Security:DeniedHosts", wildcards: true);
        _allowedPorts = [.. options.AllowedPorts];
    }

    /// <summary>Gets a value indicating whether the guard is on.</summary>
    public bool Enabled { get; }

    /// <summary>Gets a value indicating whether plain http is allowed.</summary>
    public bool AllowHttp { get; }

    /// <summary>Decides whether a connection to an address may be made.</summary>
    /// <param name="address">The address.</param>
    /// <returns>The verdict; a denial says which range the address is in.</returns>
    public PostbackDestinationVerdict EvaluateAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!Enabled)
        {
            return PostbackDestinationVerdict.Allow("the guard is off");
        }

        // ::ffff:127.0.0.1 is 127.0.0.1: judge the IPv4 address it carries.
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in _deniedNetworks)
        {
            if (network.Contains(address))
            {
                return PostbackDestinationVerdict.Deny($"{address} is in the denied network {network}");
            }
        }

        foreach (var network in _allowedNetworks)
        {
            if (network.Contains(address))
            {
                return PostbackDestinationVerdict.Allow($"{address} is in the allowed network {network}");
            }
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            foreach (var (network, reason) in DeniedIPv4)
            {
                if (network.Contains(address))
                {
                    return PostbackDestinationVerdict.Deny($"{address} is {reason}");
                }
            }

            return PostbackDestinationVerdict.Allow();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (!GlobalUnicast.Contains(address))
            {
                return PostbackDestinationVerdict.Deny($"{address} is not a global unicast IPv6 address (2000::/3)");
            }

            foreach (var (network, reason) in DeniedIPv6)
            {
                if (network.Contains(address))
                {
                    return PostbackDestinationVerdict.Deny($"{address} is {reason}");
                }
            }

            return PostbackDestinationVerdict.Allow();
        }

        return PostbackDestinationVerdict.Deny($"{address} is not an IP address");
    }

    /// <summary>
    /// Decides what can be decided from a URL alone: the scheme, the port, denied host names, <c>localhost</c>, and a
    /// host written as an IP address in any notation (<c>127.1</c>, <c>0x7f.0.0.1</c>, <c>2130706433</c>, <c>[::ffff:7f00:1]</c>).
    /// A host name still has to pass <see cref="EvaluateAddress"/> for every address it resolves to, at connect time.
    /// </summary>
    /// <param name="url">The absolute URL.</param>
    /// <returns>The verdict.</returns>
    public PostbackDestinationVerdict EvaluateUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return PostbackDestinationVerdict.Deny("the URL is not absolute");
        }

        return EvaluateUri(uri);
    }

    /// <summary>Decides what can be decided from a URL alone; see <see cref="EvaluateUrl(string)"/>.</summary>
    /// <param name="uri">The absolute URI.</param>
    /// <returns>The verdict.</returns>
    public PostbackDestinationVerdict EvaluateUri(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri)
        {
            return PostbackDestinationVerdict.Deny("the URL is not absolute");
        }

        if (uri.Scheme != Uri.UriSchemeHttps && (uri.Scheme != Uri.UriSchemeHttp || (Enabled && !AllowHttp)))
        {
            return PostbackDestinationVerdict.Deny($"the scheme '{uri.Scheme}' is not allowed{(AllowHttp ? string.Empty : " (https only)")}");
        }

        if (!Enabled)
        {
            return PostbackDestinationVerdict.Allow("the guard is off");
        }

        if (_allowedPorts.Length > 0 && Array.IndexOf(_allowedPorts, uri.Port) < 0)
        {
            return PostbackDestinationVerdict.Deny($"port {uri.Port} is not an allowed port");
        }

        // Uri has already turned every IPv4 notation into a dotted quad, and unwrapped brackets via IdnHost.
        return uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(uri.IdnHost, out var address)
            ? EvaluateAddress(address)
            : EvaluateHostName(uri.IdnHost);
    }

    /// <summary>Decides what can be decided from a host name before resolving it.</summary>
    /// <param name="host">The host name.</param>
    /// <returns>The verdict; an allowed name still needs its addresses checked unless it is in <see cref="PostbackSecurityOptions.AllowedHosts"/>.</returns>
    public PostbackDestinationVerdict EvaluateHostName(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (!Enabled)
        {
            return PostbackDestinationVerdict.Allow("the guard is off");
        }

        var name = host.TrimEnd('.');
        if (IPAddress.TryParse(name.Trim('[', ']'), out var literal))
        {
            return EvaluateAddress(literal);
        }

        foreach (var denied in _deniedHosts)
        {
            if (Matches(name, denied))
            {
                return PostbackDestinationVerdict.Deny($"the host '{name}' is denied");
            }
        }

        if (IsAllowedHost(name))
        {
            return PostbackDestinationVerdict.Allow($"the host '{name}' is allowed");
        }

        // RFC 6761: localhost and every name under it are loopback, whatever a resolver says.
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return PostbackDestinationVerdict.Deny($"the host '{name}' is loopback");
        }

        return PostbackDestinationVerdict.Allow();
    }

    /// <summary>Whether a host's addresses skip the checks: it is listed in <see cref="PostbackSecurityOptions.AllowedHosts"/>.</summary>
    internal bool IsAllowedHost(string host) => _allowedHosts.Count > 0 && _allowedHosts.Contains(host.TrimEnd('.'));

    private static bool Matches(string host, string pattern) =>
        pattern.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase) || host.Equals(pattern[2..], StringComparison.OrdinalIgnoreCase)
            : host.Equals(pattern.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Host names as the guard compares them: ASCII (punycode, as <see cref="Uri.IdnHost"/> gives them)
    /// without a trailing dot, so <c>bücher.example</c> matches <c>xn--bcher-kva.example</c>.
    /// </summary>
    private static string[] NormalizeHosts(IList<string> hosts, string option, bool wildcards)
    {
        var mapping = new IdnMapping();
        var result = new string[hosts.Count];
        for (var i = 0; i < hosts.Count; i++)
        {
            var text = hosts[i]?.Trim() ?? string.Empty;
            var prefix = wildcards && text.StartsWith("*.", StringComparison.Ordinal) ? "*." : string.Empty;
            var name = text[prefix.Length..].TrimEnd('.');
            if (IPAddress.TryParse(name.Trim('[', ']'), out var literal))
            {
                result[i] = prefix + literal.ToString();
                continue;
            }

            string? ascii;
            try
            {
                ascii = mapping.GetAscii(name);
            }
            catch (ArgumentException)
            {
                ascii = null;
            }

            if (ascii is null || ascii.AsSpan().ContainsAny(NotInHostNames))
            {
                throw new ArgumentException($"{option}: '{text}' is not a valid host name{(wildcards ? " (or *.suffix)" : string.Empty)}.", nameof(hosts));
            }

            result[i] = prefix + ascii;
        }

        return result;
    }

    private static IPNetwork[] ParseNetworks(IList<string> networks, string option)
    {
        var result = new IPNetwork[networks.Count];
        for (var i = 0; i < networks.Count; i++)
        {
            var text = networks[i];
            if (!IPNetwork.TryParse(text, out result[i]))
            {
                // A bare address means that one address.
                if (IPAddress.TryParse(text, out var single))
                {
                    result[i] = new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
                    continue;
                }

                throw new ArgumentException($"{option}: '{text}' is not a network in CIDR notation, such as 127.0.0.0/8 or ::1/128.", nameof(networks));
            }
        }

        return result;
    }
}
