using System.Collections.Generic;

namespace Postback;

/// <summary>
/// Where postbacks may go. The guard is on by default and denies every address that is not public: loopback, private
/// and link-local networks (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast, reserved and
/// documentation ranges, and every IPv6 address outside global unicast.
/// </summary>
public sealed class PostbackSecurityOptions
{
    /// <summary>Gets or sets a value indicating whether the guard is on. The default is <see langword="true"/>; turning it off is for trusted, internal-only setups.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether plain <c>http</c> is allowed. The default is <see langword="true"/>; set <see langword="false"/> for https only.</summary>
    public bool AllowHttp { get; set; } = true;

    /// <summary>Gets the ports postbacks may use; empty (the default) allows any port.</summary>
    public IList<int> AllowedPorts { get; } = new List<int>();

    /// <summary>
    /// Gets networks in CIDR notation (<c>127.0.0.0/8</c>, <c>10.20.0.0/16</c>, <c>::1/128</c>) that are allowed although the
    /// defaults deny them: for tests on loopback, or partners inside your own network.
    /// </summary>
    public IList<string> AllowedNetworks { get; } = new List<string>();

    /// <summary>Gets networks in CIDR notation that are denied on top of the defaults. A denial wins over an allowance.</summary>
    public IList<string> DeniedNetworks { get; } = new List<string>();

    /// <summary>
    /// Gets host names (exact, ignoring case) whose addresses are not checked: partners on-premise. A name's addresses
    /// can change, so prefer <see cref="AllowedNetworks"/> where you can. Names may be written in Unicode (<c>bücher.example</c>):
    /// they are compared in their ASCII (punycode) form; an entry that is not a valid host name stops the host at start-up.
    /// </summary>
    public IList<string> AllowedHosts { get; } = new List<string>();

    /// <summary>
    /// Gets host names (exact, ignoring case, or <c>*.suffix</c>) that are always denied. Names may be written in Unicode
    /// (<c>*.bücher.example</c>): they are compared in their ASCII (punycode) form; an entry that is not a valid host name
    /// stops the host at start-up.
    /// </summary>
    public IList<string> DeniedHosts { get; } = new List<string>();
}
