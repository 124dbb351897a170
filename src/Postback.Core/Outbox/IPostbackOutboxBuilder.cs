using Microsoft.Extensions.DependencyInjection;

namespace Postback;

/// <summary>
/// What <c>AddPostbacks().AddOutbox(...)</c> returns: the services, for a store package to register its
/// <see cref="IPostbackOutboxStore"/> with one call, such as <c>.UseSqlite("Data Source=postbacks.db")</c>.
/// </summary>
public interface IPostbackOutboxBuilder
{
    /// <summary>Gets the services.</summary>
    IServiceCollection Services { get; }
}
