using System.Net;

namespace Postback.Tests.Security;

/// <summary>
/// The guard's pure decision, address or URL in, verdict out. No test here opens a connection: addresses outside
/// loopback are only ever judged, never contacted.
/// </summary>
public sealed class AddressPolicyTests
{
    private static readonly PostbackAddressPolicy Defaults = new();

    public static TheoryData<string> BlockedUrls() => new()
    {
        // Loopback in every notation URL parsers accept.
        "http://127.0.0.1/", "http://127.1/", "http://0177.0.0.1/", "http://0x7f.0.0.1/", "http://2130706433/",
        "http://0x7f000001/", "http://017700000001/", "http://127.0.0.1:8080/admin", "http://127.255.255.254/",
        "https://partner.example@127.0.0.1/", "https://partner.example:secret@127.0.0.1:443/pb",
        "http://[::1]/", "http://[0:0:0:0:0:0:0:1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/",
        "http://[0:0:0:0:0:ffff:127.0.0.1]/", "http://[::127.0.0.1]/",
        "http://localhost/", "http://localhost./", "http://LOCALHOST/", "http://api.localhost/",
        // "This network" and unspecified.
        "http://0.0.0.0/", "http://0/", "http://0.1.2.3/", "http://[::]/",
        // Cloud metadata and link-local.
        "http://169.254.169.254/", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/",
        "http://[::ffff:a9fe:a9fe]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[fe80::1]/", "http://[fd00:ec2::254]/",
        "http://168.63.129.16/", "http://0xa9fea9fe/", "http://2852039166/",
        // Private, shared and special-purpose IPv4.
        "http://10.0.0.1/", "http://10.255.255.255/", "http://172.16.0.1/", "http://172.31.255.255/",
        "http://192.168.0.1/", "http://192.168.255.255/", "http://100.64.0.1/", "http://100.127.255.255/",
        "http://192.0.0.192/", "http://192.0.0.8/", "http://192.0.2.1/", "http://198.51.100.7/", "http://203.0.113.9/",
        "http://198.18.0.1/", "http://198.19.255.255/", "http://192.88.99.1/",
        "http://224.0.0.1/", "http://239.255.255.250/", "http://240.0.0.1/", "http://255.255.255.255/",
        // Non-global IPv6.
        "http://[fc00::1]/", "http://[fdff:ffff::1]/", "http://[ff02::1]/", "http://[2001:db8::1]/", "http://[2001::1]/",
        "http://[2001:10::1]/", "http://[2001:20::1]/", "http://[2002:7f00:1::]/", "http://[2002:a9fe:a9fe::1]/",
        "http://[3fff::1]/", "http://[100::1]/", "http://[::ffff:10.0.0.1]/", "http://[::ffff:192.168.1.1]/",
        // Not http(s).
        "ftp://partner.example/", "file:///etc/passwd", "gopher://partner.example/",
    };

    [Theory]
    [MemberData(nameof(BlockedUrls))]
    public void Blocked_by_default(string url)
    {
        var verdict = Defaults.EvaluateUrl(url);

        verdict.IsAllowed.Should().BeFalse($"{url} must be blocked");
        verdict.Reason.Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public void The_vector_table_holds_at_least_sixty_urls()
    {
        BlockedUrls().Count.Should().BeGreaterThanOrEqualTo(60);
    }

    [Theory]
    [InlineData("https://100.63.255.254/")]
    [InlineData("https://100.128.0.1/")]
    [InlineData("https://8.8.8.8/pb")]
    [InlineData("https://172.15.255.255/")]
    [InlineData("https://172.32.0.1/")]
    [InlineData("https://192.169.0.1/")]
    [InlineData("https://[2606:4700::1111]/")]
    [InlineData("https://[2a00:1450:4001::1]/")]
    [InlineData("https://partner.example/pb?x=127.0.0.1")]
    [InlineData("http://partner.example:8443/pb")]
    public void Allowed_by_default(string url)
    {
        Defaults.EvaluateUrl(url).IsAllowed.Should().BeTrue($"{url} is public");
    }

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("168.63.129.16", "Azure")]
    [InlineData("::1", "global unicast")]
    [InlineData("2002:7f00:1::", "6to4")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo")]
    public void A_denial_says_which_range(string address, string reason)
    {
        var verdict = Defaults.EvaluateAddress(IPAddress.Parse(address));

        verdict.IsAllowed.Should().BeFalse();
        verdict.Reason.Should().Contain(address).And.Contain(reason);
    }

    [Fact]
    public void Ipv4_mapped_ipv6_is_judged_as_the_ipv4_address_it_carries()
    {
        Defaults.EvaluateAddress(IPAddress.Parse("::ffff:8.8.8.8")).IsAllowed.Should().BeTrue();
        Defaults.EvaluateAddress(IPAddress.Parse("::ffff:127.0.0.1")).Reason.Should().Contain("127.0.0.1 is loopback");
    }

    [Fact]
    public void Allowed_networks_open_a_denied_range_and_denied_networks_win()
    {
        var options = new PostbackSecurityOptions();
        options.AllowedNetworks.Add("127.0.0.0/8");
        options.AllowedNetworks.Add("::1");
        options.DeniedNetworks.Add("127.0.0.3/32");
        options.DeniedNetworks.Add("8.8.8.0/24");
        var policy = new PostbackAddressPolicy(options);

        policy.EvaluateAddress(IPAddress.Parse("127.0.0.2")).IsAllowed.Should().BeTrue();
        policy.EvaluateAddress(IPAddress.Parse("::1")).IsAllowed.Should().BeTrue();
        policy.EvaluateAddress(IPAddress.Parse("127.0.0.3")).IsAllowed.Should().BeFalse();
        policy.EvaluateAddress(IPAddress.Parse("8.8.8.8")).Reason.Should().Contain("denied network 8.8.8.0/24");
        policy.EvaluateAddress(IPAddress.Parse("10.0.0.1")).IsAllowed.Should().BeFalse("allowing loopback allows nothing else");
    }

    [Fact]
    public void Hosts_can_be_allowed_or_denied_by_name()
    {
        var options = new PostbackSecurityOptions();
        options.AllowedHosts.Add("onprem.partner.example");
        options.DeniedHosts.Add("*.evil.example");
        options.DeniedHosts.Add("metadata.google.internal");
        var policy = new PostbackAddressPolicy(options);

        policy.EvaluateHostName("onprem.partner.example").IsAllowed.Should().BeTrue();
        policy.IsAllowedHost("ONPREM.partner.example.").Should().BeTrue();
        policy.EvaluateUrl("https://a.evil.example/").IsAllowed.Should().BeFalse();
        policy.EvaluateUrl("https://evil.example/").IsAllowed.Should().BeFalse();
        policy.EvaluateUrl("http://metadata.google.internal/").IsAllowed.Should().BeFalse();
        policy.EvaluateUrl("https://notevil.example/").IsAllowed.Should().BeTrue();
    }

    [Fact]
    public void Https_only_and_allowed_ports()
    {
        var options = new PostbackSecurityOptions { AllowHttp = false };
        options.AllowedPorts.Add(443);
        var policy = new PostbackAddressPolicy(options);

        policy.EvaluateUrl("http://partner.example/").Reason.Should().Contain("https only");
        policy.EvaluateUrl("https://partner.example:8443/").Reason.Should().Contain("port 8443");
        policy.EvaluateUrl("https://partner.example/").IsAllowed.Should().BeTrue();
    }

    [Fact]
    public void A_bad_network_is_an_error_naming_the_option()
    {
        var options = new PostbackSecurityOptions();
        options.AllowedNetworks.Add("127.0.0.0/33");

        FluentActions.Invoking(() => new PostbackAddressPolicy(options)).Should().Throw<ArgumentException>()
            .WithMessage("*Postbacks:Security:AllowedNetworks*127.0.0.0/33*");
    }

    [Fact]
    public void The_guard_can_be_turned_off_but_schemes_stay_checked()
    {
        var policy = new PostbackAddressPolicy(new PostbackSecurityOptions { Enabled = false });

        policy.EvaluateUrl("http://127.0.0.1/").IsAllowed.Should().BeTrue();
        policy.EvaluateUrl("ftp://partner.example/").IsAllowed.Should().BeFalse();
    }

    [Theory]
    [InlineData("https://t.example/pb?sid=abc&o=1#frag", "https://t.example/pb?sid=***&o=***#***")]
    [InlineData("https://user:pw@t.example:8443/a/b?x", "https://***@t.example:8443/a/b?***")]
    [InlineData("https://t.example/pb?abc&sid=1", "https://t.example/pb?***&sid=***")]
    [InlineData("https://t.example/pb", "https://t.example/pb")]
    [InlineData("http://[2001:db8::1]/p?a=1&&b=2", "http://[2001:db8::1]/p?a=***&b=***")]
    [InlineData("not a url", "(not an absolute URL)")]
    public void Redaction_of_a_raw_URL_keeps_scheme_host_path_and_query_keys_only(string url, string expected)
    {
        PostbackUrlRedactor.Redact(url).Should().Be(expected);
    }

    [Theory]
    [InlineData("bücher.example", "https://bücher.example/pb")]
    [InlineData("bücher.example", "https://xn--bcher-kva.example/pb")]
    [InlineData("BÜCHER.example.", "https://bücher.example/pb")]
    [InlineData("*.bücher.example", "https://shop.bücher.example/pb")]
    [InlineData("*.bücher.example", "https://shop.xn--bcher-kva.example/pb")]
    public void Denied_hosts_written_in_Unicode_match_their_punycode_form(string entry, string url)
    {
        var policy = new PostbackAddressPolicy(new PostbackSecurityOptions { DeniedHosts = { entry } });

        policy.EvaluateUrl(url).IsAllowed.Should().BeFalse();
    }

    [Fact]
    public void Allowed_hosts_written_in_Unicode_match_their_punycode_form()
    {
        var policy = new PostbackAddressPolicy(new PostbackSecurityOptions { AllowedHosts = { "bücher.example" } });

        policy.IsAllowedHost(new Uri("https://bücher.example/").IdnHost).Should().BeTrue();
    }

    [Theory]
    [InlineData("DeniedHosts")]
    [InlineData("AllowedHosts")]
    public void An_invalid_host_entry_is_an_error_that_names_the_option(string option)
    {
        var options = new PostbackSecurityOptions();
        (option == "DeniedHosts" ? options.DeniedHosts : options.AllowedHosts).Add("bad..example");

        FluentActions.Invoking(() => new PostbackAddressPolicy(options)).Should().Throw<ArgumentException>()
            .WithMessage($"*Postbacks:Security:{option}*bad..example*");
    }
}
