using System.Collections.Generic;

namespace Postback.Internal;

/// <summary>
/// The configuration section options of type <typeparamref name="TOptions"/> were bound from, recorded when they are
/// registered, so validation messages name the keys the user actually wrote (<c>Partners:Endpoints:x:Url</c>).
/// </summary>
/// <typeparam name="TOptions">The options type.</typeparam>
/// <param name="path">The section's path.</param>
internal sealed class BoundSection<TOptions>(string path)
{
    public string Path { get; } = path;

    /// <summary>Returns the path of the section bound last, or <paramref name="fallback"/> when the options were configured in code.</summary>
    public static string PathOf(IEnumerable<BoundSection<TOptions>> sections, string fallback)
    {
        var path = fallback;
        foreach (var section in sections)
        {
            path = section.Path;
        }

        return path;
    }
}
