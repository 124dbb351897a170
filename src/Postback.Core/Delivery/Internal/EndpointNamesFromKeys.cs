using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>Gives each endpoint under <see cref="PostbackOptions.Endpoints"/> its key as its name when it has none.</summary>
internal sealed class EndpointNamesFromKeys : IPostConfigureOptions<PostbackOptions>
{
    public void PostConfigure(string? name, PostbackOptions options)
    {
        foreach (var (key, endpoint) in options.Endpoints)
        {
            if (endpoint is not null && string.IsNullOrWhiteSpace(endpoint.Name))
            {
                endpoint.Name = key;
            }
        }
    }
}
