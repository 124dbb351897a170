using System;
using System.Net.Http;
using Polly;

namespace Postback.Internal;

/// <summary>Strategies a user adds with <c>ConfigureResilience</c>, applied after (inside) the built-in ones.</summary>
internal sealed class ResilienceCustomization(Action<ResiliencePipelineBuilder<HttpResponseMessage>> configure)
{
    public void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline) => configure(pipeline);
}
