using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Polly;

namespace Postback.Internal;

/// <summary>
/// Runs each request through its partner's pipeline (<see cref="PartnerPipelines"/>): the total timeout, the retries,
/// the partner's circuit breaker and the attempt timeout, and in each attempt the bounded read of the body
/// (<see cref="ResponseCapture"/>). The only resilience handler the postback client keeps.
/// </summary>
internal sealed class PostbackResilienceHandler(PartnerPipelines pipelines) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // The sender found the authority and read the options once for the whole send; a request sent on this client
        // by anything else finds its own.
        var send = PostbackSendState.Of(request);
        var partner = send is not null
            ? pipelines.Get(send.Authority, send.Options)
            : pipelines.Get(PartnerPipelines.AuthorityOf(request.RequestUri!));
        partner.ThrowIfRefused();

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.SetRequestMessage(request);
        try
        {
            var outcome = await partner.Pipeline.ExecuteOutcomeAsync(
                static async (context, state) =>
                {
                    try
                    {
                        // Counted before it is sent, read within it: the attempt timeout covers the body too.
                        state.Send?.CountAttempt();
                        var response = await state.Handler.SendInnerAsync(state.Request, context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
                        response = await ResponseCapture.CaptureAsync(response, state.Send, context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
                        return Outcome.FromResult(response);
                    }
                    catch (System.Exception ex)
                    {
                        return Outcome.FromException<HttpResponseMessage>(ex);
                    }
                },
                context,
                (Handler: this, Request: request, Send: send)).ConfigureAwait(false);

            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendInnerAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);
}
