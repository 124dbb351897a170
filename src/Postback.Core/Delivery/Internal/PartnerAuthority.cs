using System;
using System.Runtime.CompilerServices;

namespace Postback.Internal;

/// <summary>
/// The partner a postback goes to, as scheme, host and port: the key the queue limits concurrency by. For a URL template
/// with no macro in its authority it is the same for every render, so it is found once per template and shared by
/// every endpoint built from it (the provider template cache hands the same template to each dispatch).
/// </summary>
internal static class PartnerAuthority
{
    private static readonly ConditionalWeakTable<PostbackTemplate, Known> Static = [];

    /// <summary>Returns the authority of the endpoint's URL for this transaction, or a key that names the endpoint when the URL does not render.</summary>
    public static string For(PostbackEndpoint endpoint, PostbackTransaction transaction) =>
        endpoint.StaticAuthority
        ?? (endpoint.Url.TryRender(transaction, out var url, out _) && Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? uri.GetLeftPart(UriPartial.Authority)
            : "(invalid):" + endpoint.Name);

    /// <summary>Returns the URL's scheme, host and port when no macro stands in them, else <see langword="null"/>. Computed once per template.</summary>
    public static string? StaticOf(PostbackTemplate url) =>
        Static.GetValue(url, static template => new Known(Find(template))).Authority;

    private static string? Find(PostbackTemplate url)
    {
        if (url.Options.Kind != PostbackTemplateKind.Url)
        {
            return null;
        }

        foreach (ref readonly var token in url.Tokens)
        {
            if (token.Kind == TokenKind.Macro && token.Context is MacroContext.Host or MacroContext.Port)
            {
                return null;
            }
        }

        // No macro stands in the authority, so any render has the same one: render once with no values.
        return url.TryRender(new PostbackTransaction(), out var sample, out _) && Uri.TryCreate(sample, UriKind.Absolute, out var uri)
            ? uri.GetLeftPart(UriPartial.Authority)
            : null;
    }

    private sealed record Known(string? Authority);
}
