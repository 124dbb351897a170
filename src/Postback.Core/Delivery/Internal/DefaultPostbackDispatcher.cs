using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Postback.Internal;

/// <summary>Sends a transaction to every endpoint that applies, concurrently, and returns every result.</summary>
internal sealed class DefaultPostbackDispatcher(IPostbackSender sender, EndpointResolver resolver) : IPostbackDispatcher
{
    public async Task<IReadOnlyList<PostbackResult>> DispatchAsync(PostbackTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var (targets, problems) = await resolver.ResolveAsync(transaction, cancellationToken).ConfigureAwait(false);
        var sends = new Task<PostbackResult>[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            sends[i] = sender.SendAsync(targets[i], transaction, cancellationToken).AsTask();
        }

        var results = await Task.WhenAll(sends).ConfigureAwait(false);
        if (problems.Count == 0)
        {
            return results;
        }

        problems.InsertRange(0, results);
        return problems;
    }
}
