using Microsoft.Extensions.DependencyInjection;

namespace Postback;

/// <summary>What <c>AddPostbacks</c> returns: the services, and the postback HTTP client's builder for your own handlers.</summary>
public interface IPostbackBuilder
{
    /// <summary>Gets the services.</summary>
    IServiceCollection Services { get; }

    /// <summary>Gets the builder of the named HTTP client postbacks go through.</summary>
    IHttpClientBuilder HttpClientBuilder { get; }
}
