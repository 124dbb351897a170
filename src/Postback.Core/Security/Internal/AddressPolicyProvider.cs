using System.Threading;

namespace Postback.Internal;

/// <summary>The current <see cref="PostbackAddressPolicy"/>, built once per options instance.</summary>
internal sealed class AddressPolicyProvider(LastValidPostbackOptions options)
{
    private Entry? _current;

    public PostbackAddressPolicy Current => For(options.Current);

    /// <summary>Returns the policy of these options: a send that already read the options does not read them again.</summary>
    public PostbackAddressPolicy For(PostbackOptions settings)
    {
        var security = settings.Security;
        var current = Volatile.Read(ref _current);
        if (current is not null && ReferenceEquals(current.Options, security))
        {
            return current.Policy;
        }

        var policy = new PostbackAddressPolicy(security);
        Volatile.Write(ref _current, new Entry(security, policy));
        return policy;
    }

    private sealed record Entry(PostbackSecurityOptions Options, PostbackAddressPolicy Policy);
}
