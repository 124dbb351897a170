using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Postback.Internal;

/// <summary>
/// Turns a transaction into the outbox entries to store, one per endpoint it resolves to. An endpoint that cannot be
/// resolved (a provider failed, or it does not compile) gets no entry: its final result is reported at once, as the
/// in-memory queue does.
/// </summary>
internal sealed class OutboxEntryFactory(EndpointResolver resolver, OutboxObserverNotifier notifier, PostbackOutboxOptions options)
{
    public async ValueTask<IReadOnlyList<PostbackOutboxEntry>> PrepareAsync(PostbackTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var (targets, problems) = await resolver.ResolveAsync(transaction, cancellationToken).ConfigureAwait(false);
        foreach (var problem in problems)
        {
            await notifier.CompletedAsync(transaction, problem).ConfigureAwait(false);
        }

        if (targets.Count == 0)
        {
            return [];
        }

        var payload = TransactionCodec.Serialize(transaction);
        var entries = new PostbackOutboxEntry[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            var endpoint = targets[i];
            entries[i] = new PostbackOutboxEntry
            {
                EndpointName = endpoint.Name,
                IdempotencyKey = IdempotencyKey.For(endpoint, transaction),
                HostKey = HostKeyOf(endpoint, transaction),
                Payload = payload,
                OrderNumber = transaction.OrderNumber,
                Delay = options.Schedule.Count > 0 ? options.Schedule[0] : TimeSpan.Zero,
            };
        }

        return entries;
    }

    /// <summary>The partner host a delivery is limited by, as the in-memory queue computes it: scheme, host and port of its rendered URL.</summary>
    internal static string HostKeyOf(PostbackEndpoint endpoint, PostbackTransaction transaction) =>
        endpoint.StaticAuthority
        ?? (endpoint.Url.TryRender(transaction, out var url, out _) && Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? uri.GetLeftPart(UriPartial.Authority)
            : "(invalid):" + endpoint.Name);
}
