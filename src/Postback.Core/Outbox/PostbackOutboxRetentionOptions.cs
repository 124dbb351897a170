using System;

namespace Postback;

/// <summary>How long an outbox keeps final deliveries, and how often it deletes older ones.</summary>
public sealed class PostbackOutboxRetentionOptions
{
    /// <summary>Gets or sets how long delivered, rejected, blocked and invalid deliveries are kept, with their attempts, counted from completion. The default is 30 days.</summary>
    public TimeSpan Finished { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Gets or sets how long dead deliveries are kept (unless replayed), counted from completion. The default is 90 days.</summary>
    public TimeSpan Dead { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Gets or sets how often the outbox purges; each node does, and a purge finds nothing to do when another node has just run it. The default is 1 hour.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);
}
