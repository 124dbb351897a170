using System;
using System.Buffers;

namespace Postback.Internal;

/// <summary>Checks the rendered URL parts a value may change as a whole: the host, the port and the path.</summary>
internal static class UrlPartChecks
{
    private static readonly SearchValues<char> HostChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.");

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>Whether a value may stand in a host: only letters, digits, '-' and '.'.</summary>
    public static bool IsHostText(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(HostChars);

    /// <summary>
    /// A DNS host name as a URL may carry it: 1 to 253 characters (a trailing dot allowed), labels of 1 to 63
    /// letters, digits and hyphens that neither start nor end with a hyphen. An IPv4 address passes too; where
    /// requests may go is the delivery guard's decision, not the template's.
    /// </summary>
    public static bool IsValidHostName(ReadOnlySpan<char> host)
    {
        if (host.Length > 0 && host[^1] == '.')
        {
            host = host[..^1];
        }

        if (host.IsEmpty || host.Length > 253 || !IsHostText(host))
        {
            return false;
        }

        var labels = 0;
        var lastLabel = default(Range);
        foreach (var range in host.Split('.'))
        {
            var label = host[range];
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            labels++;
            lastLabel = range;
        }

        // URL parsers read a host whose last label is a number ("1", "0x7f", "2130706433") as an IPv4 address in
        // any of several notations: "0x7f.1" is 127.0.0.1 and "010.0.0.1" is 8.0.0.1. Such a host is accepted only
        // as a canonical dotted quad, so it means what it says.
        return !LooksNumeric(host[lastLabel]) || IsCanonicalIPv4(host, labels);
    }

    /// <summary>Whether a rendered path holds a '.' or '..' segment, percent-encoded or not.</summary>
    public static bool HasDotSegment(ReadOnlySpan<char> path)
    {
        foreach (var range in path.Split('/'))
        {
            var segment = path[range];
            var dots = 0;
            var i = 0;
            while (i < segment.Length)
            {
                if (segment[i] == '.')
                {
                    i++;
                }
                else if (segment.Length - i >= 3 && segment[i] == '%' && segment[i + 1] == '2' && segment[i + 2] is 'e' or 'E')
                {
                    i += 3;
                }
                else
                {
                    break;
                }

                dots++;
            }

            if (i == segment.Length && dots is 1 or 2)
            {
                return true;
            }
        }

        return false;
    }

    private static bool LooksNumeric(ReadOnlySpan<char> label) =>
        !label.ContainsAnyExceptInRange('0', '9')
        || (label.Length >= 2 && label[0] == '0' && label[1] is 'x' or 'X' && !label[2..].ContainsAnyExcept(HexDigits));

    private static bool IsCanonicalIPv4(ReadOnlySpan<char> host, int labels)
    {
        if (labels != 4)
        {
            return false;
        }

        foreach (var range in host.Split('.'))
        {
            var octet = host[range];
            if (octet.Length > 3 || octet.ContainsAnyExceptInRange('0', '9') || (octet.Length > 1 && octet[0] == '0') || int.Parse(octet, provider: System.Globalization.CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A port: digits only, at most 65535; empty is allowed, as RFC 3986 allows it.</summary>
    public static bool IsValidPort(ReadOnlySpan<char> port) =>
        port.IsEmpty || (port.Length <= 5 && !port.ContainsAnyExceptInRange('0', '9') && int.Parse(port, provider: null) <= 65535);
}
