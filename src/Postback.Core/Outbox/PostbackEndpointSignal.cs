namespace Postback;

/// <summary>What one attempt says about its endpoint's health.</summary>
public enum PostbackEndpointSignal
{
    /// <summary>Nothing: the attempt says nothing about the partner (it was blocked, invalid, or never made).</summary>
    None = 0,

    /// <summary>The partner answered; its failure streak ends.</summary>
    Success = 1,

    /// <summary>The attempt failed (network error, timeout, 408, 429, 5xx, redirect); the failure streak grows.</summary>
    Failure = 2,

    /// <summary>The partner answered 410 Gone: the endpoint is disabled at once.</summary>
    Gone = 3,
}
