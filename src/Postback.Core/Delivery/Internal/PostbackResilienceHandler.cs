using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Polly;

namespace Postback.Internal;

/// <summary>
/// Runs each request through its partner's pipeline (<see cref="PartnerPipelines"/>): the total timeout, the retries,
/// the partner's circuit breaker and the attempt timeout. The only resilience handler the postback client keeps.
/// </summary>
internal sealed class PostbackResilienceHandler(PartnerPipelines pipelines) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // The sender found the authority and read the options once for the whole send; a request sent on this client
        // by anything else finds its own.
        var partner = PostbackSendState.Of(request) is { } state
            ? pipelines.Get(state.Authority, state.Options)
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
                        var response = await state.Handler.SendInnerAsync(state.Request, context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
                        return Outcome.FromResult(response);
                    }
                    catch (System.Exception ex)
                    {
                        return Outcome.FromException<HttpResponseMessage>(ex);
                    }
                },
                context,
                (Handler: this, Request: request)).ConfigureAwait(false);

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
