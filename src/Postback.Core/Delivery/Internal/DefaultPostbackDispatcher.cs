using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Postback.Internal;

/// <summary>Sends a transaction to every endpoint that applies, concurrently, and returns every result.</summary>
/// <remarks>
/// Whatever goes wrong, the caller gets results: a configuration problem, a provider or a sender that throws. Only
/// the caller's own cancellation is thrown.
/// </remarks>
internal sealed class DefaultPostbackDispatcher(IPostbackSender sender, EndpointResolver resolver) : IPostbackDispatcher
{
    public async Task<IReadOnlyList<PostbackResult>> DispatchAsync(PostbackTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        List<PostbackEndpoint> targets;
        List<PostbackResult> problems;
        try
        {
            (targets, problems) = await resolver.ResolveAsync(transaction, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            return [Unexpected("(endpoints)", $"The transaction's endpoints could not be found: {ExceptionText.Describe(ex)}")];
        }

        var sends = new Task<PostbackResult>[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            sends[i] = SendAsync(targets[i], transaction, cancellationToken);
        }

        var results = await Task.WhenAll(sends).ConfigureAwait(false);
        if (problems.Count == 0)
        {
            return results;
        }

        problems.InsertRange(0, results);
        return problems;
    }

    private async Task<PostbackResult> SendAsync(PostbackEndpoint endpoint, PostbackTransaction transaction, CancellationToken cancellationToken)
    {
        try
        {
            return await sender.SendAsync(endpoint, transaction, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            // The built-in sender turns failures into results; a custom one may not.
            return Unexpected(endpoint.Name, ExceptionText.Describe(ex));
        }
    }

    private static PostbackResult Unexpected(string endpointName, string message) => new()
    {
        EndpointName = endpointName,
        Outcome = PostbackOutcome.Failed,
        ErrorType = PostbackErrorTypes.Unexpected,
        ErrorMessage = message,
    };
}
