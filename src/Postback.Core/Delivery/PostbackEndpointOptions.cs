using System.Collections.Generic;

using Postback.Internal;

namespace Postback;

/// <summary>
/// One partner's postback definition as configuration holds it (<c>Postbacks:Endpoints:{name}</c>), or as an
/// <see cref="IPostbackEndpointProvider"/> returns it. It is compiled into a <see cref="PostbackEndpoint"/> once.
/// </summary>
public sealed class PostbackEndpointOptions
{
    /// <summary>Gets or sets the endpoint's name. Under <see cref="PostbackOptions.Endpoints"/> the key is used when this is empty.</summary>
    public string? Name { get; set; }

    /// <summary>Gets or sets the URL template, such as <c>https://tracker.example/pb?sid=#fobs#&amp;amount=#sa#</c>. Required.</summary>
    public string? Url { get; set; }

    /// <summary>Gets or sets the HTTP method, <c>Get</c> or <c>Post</c>. The default is <c>Get</c>.</summary>
    public PostbackHttpMethod Method { get; set; } = PostbackHttpMethod.Get;

    /// <summary>Gets or sets the body template, for POST; <see langword="null"/> for none.</summary>
    public string? Body { get; set; }

    /// <summary>Gets or sets what the body template produces. The default is <see cref="PostbackBodyFormat.Form"/>.</summary>
    public PostbackBodyFormat BodyFormat { get; set; } = PostbackBodyFormat.Form;

    /// <summary>Gets the extra request headers. Reserved headers (Host, Content-Length, Transfer-Encoding, Connection, Content-Type, the idempotency header) are refused.</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(System.StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the traffic sources the endpoint applies to; empty means all (a "global" postback).</summary>
    public IList<string> TrafficSources { get; } = new List<string>();

    /// <summary>
    /// Gets or sets the macro syntax: a built-in name (<c>hash</c>, <c>braces</c>, <c>double-braces</c>, <c>double-brackets</c>,
    /// <c>triple-brackets</c>, <c>double-bang</c>, <c>triple-bang</c>, <c>angle</c>, <c>percent</c>, <c>dollar-braces</c>),
    /// or any pair written around the word <c>name</c>, such as <c>&lt;&lt;name&gt;&gt;</c>. The default is <c>hash</c>.
    /// </summary>
    public string Syntax { get; set; } = PostbackConstants.DefaultSyntax;

    /// <summary>
    /// Gets or sets the macro catalog: <c>flexoffers</c>, <c>open</c>, or a name registered with
    /// <see cref="PostbackOptions.AddCatalog"/>. The default is <c>flexoffers</c>.
    /// </summary>
    public string Catalog { get; set; } = PostbackConstants.FlexOffersCatalog;

    /// <summary>Gets or sets what parsing does with an unknown macro. The default is <see cref="UnknownMacroPolicy.Error"/>.</summary>
    public UnknownMacroPolicy UnknownMacros { get; set; } = UnknownMacroPolicy.Error;

    /// <summary>Gets or sets what rendering does with a missing value. The default is <see cref="MissingValuePolicy.Empty"/>.</summary>
    public MissingValuePolicy MissingValues { get; set; } = MissingValuePolicy.Empty;

    /// <summary>Gets or sets a value indicating whether postbacks are sent. The default is <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets text a 2xx body must contain to count as delivered, such as <c>success=true</c>. The default, <see langword="null"/>, accepts any 2xx.</summary>
    public string? SuccessBodyContains { get; set; }
}
