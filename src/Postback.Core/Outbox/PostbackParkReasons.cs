namespace Postback;

/// <summary>The stable values of <see cref="PostbackOutboxDelivery.ParkReason"/>.</summary>
public static class PostbackParkReasons
{
    /// <summary>The endpoint is disabled (automatically, after repeated failures or a 410 Gone, or by an operator). Enabling it resumes the delivery.</summary>
    public const string EndpointDisabled = "endpoint_disabled";

    /// <summary>No endpoint of that name exists any more (it was removed or renamed). A replay resumes the delivery once it exists again.</summary>
    public const string EndpointMissing = "endpoint_missing";
}
