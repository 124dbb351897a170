using System;

namespace Postback.Internal;

/// <summary>The outbox loops' wait after a store error: doubling from one second, at most 30 seconds.</summary>
internal static class OutboxBackoff
{
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    public static TimeSpan Next(TimeSpan previous)
    {
        var next = previous <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : previous * 2;
        return next > Max ? Max : next;
    }
}
