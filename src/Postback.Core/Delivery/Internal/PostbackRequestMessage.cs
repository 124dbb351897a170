using System;
using System.Net.Http;

namespace Postback.Internal;

/// <summary>
/// A postback's HTTP request, carrying its <see cref="PostbackSendState"/> for every layer of the pipeline. A field, not
/// an entry in <see cref="HttpRequestMessage.Options"/>: that dictionary would be allocated for every send only to hold it.
/// </summary>
internal sealed class PostbackRequestMessage(HttpMethod method, Uri uri, PostbackSendState state) : HttpRequestMessage(method, uri)
{
    public PostbackSendState State { get; } = state;
}
