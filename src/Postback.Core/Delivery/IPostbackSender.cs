using System.Threading;
using System.Threading.Tasks;

namespace Postback;

/// <summary>Sends postbacks to partners' servers.</summary>
/// <remarks>
/// A delivery failure is a <see cref="PostbackResult"/>, never an exception: only the caller's cancellation
/// (<see cref="System.OperationCanceledException"/>) and invalid arguments throw.
/// </remarks>
public interface IPostbackSender
{
    /// <summary>Renders and sends one postback for one transaction to one endpoint.</summary>
    /// <param name="endpoint">The partner's endpoint.</param>
    /// <param name="transaction">The transaction's values.</param>
    /// <param name="cancellationToken">Cancels the send; the send then throws <see cref="System.OperationCanceledException"/>.</param>
    /// <returns>What happened.</returns>
    ValueTask<PostbackResult> SendAsync(PostbackEndpoint endpoint, PostbackTransaction transaction, CancellationToken cancellationToken = default);

    /// <summary>Sends an already-rendered postback.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the send; the send then throws <see cref="System.OperationCanceledException"/>.</param>
    /// <returns>What happened.</returns>
    ValueTask<PostbackResult> SendAsync(PostbackRequest request, CancellationToken cancellationToken = default);
}
