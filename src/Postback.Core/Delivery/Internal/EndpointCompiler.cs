using System;
using System.Diagnostics.CodeAnalysis;

namespace Postback.Internal;

/// <summary>Turns an endpoint's configuration into a compiled <see cref="PostbackEndpoint"/>, with messages that name the endpoint and the option.</summary>
internal static class EndpointCompiler
{
    public static bool TryCompile(
        string name,
        PostbackEndpointOptions definition,
        PostbackOptions options,
        TemplateCache? cache,
        [NotNullWhen(true)] out PostbackEndpoint? endpoint,
        [NotNullWhen(false)] out string? problem,
        string? source = null)
    {
        endpoint = null;

        // Configuration paths for configured endpoints; a provider's endpoint is named with its provider instead.
        var where = source ?? $"{PostbackConstants.SectionName}:Endpoints:{name}";
        if (string.IsNullOrWhiteSpace(definition.Url))
        {
            problem = $"{where}:Url is required.";
            return false;
        }

        if (!TryGetSyntax(definition.Syntax, out var syntax))
        {
            problem = $"{where}:Syntax '{definition.Syntax}' is neither a built-in syntax ({PostbackConstants.BuiltInSyntaxNames}) nor delimiters around the word 'name', such as '<<name>>'.";
            return false;
        }

        if (!options.TryGetCatalog(definition.Catalog, out var catalog))
        {
            problem = $"{where}:Catalog '{definition.Catalog}' is not known; use {PostbackConstants.FlexOffersCatalog}, {PostbackConstants.OpenCatalog}, or a name registered with {nameof(PostbackOptions)}.{nameof(PostbackOptions.AddCatalog)}.";
            return false;
        }

        if (!Enum.IsDefined(definition.Method))
        {
            problem = $"{where}:Method '{definition.Method}' must be Get or Post.";
            return false;
        }

        foreach (var (header, value) in definition.Headers)
        {
            if (HeaderRules.Check(header, value, options.IdempotencyHeaderName) is { } headerProblem)
            {
                problem = $"{where}:Headers: {headerProblem}";
                return false;
            }
        }

        var templateOptions = new PostbackTemplateOptions
        {
            Syntax = syntax,
            Catalog = catalog,
            Kind = PostbackTemplateKind.Url,
            UnknownMacros = definition.UnknownMacros,
            MissingValues = definition.MissingValues,
        };

        if (!TryParse(definition.Url, templateOptions, cache, out var url, out var error))
        {
            problem = $"{where}:Url is invalid: {error.Message}";
            return false;
        }

        PostbackTemplate? body = null;
        if (!string.IsNullOrEmpty(definition.Body))
        {
            var bodyOptions = templateOptions with
            {
                Kind = definition.BodyFormat == PostbackBodyFormat.Json ? PostbackTemplateKind.JsonBody : PostbackTemplateKind.FormBody,
            };
            if (!TryParse(definition.Body, bodyOptions, cache, out body, out error))
            {
                problem = $"{where}:Body is invalid: {error.Message}";
                return false;
            }
        }

        try
        {
            endpoint = new PostbackEndpoint(
                name,
                url,
                definition.Method,
                body,
                definition.Headers,
                definition.TrafficSources,
                definition.Enabled,
                string.IsNullOrEmpty(definition.SuccessBodyContains) ? null : definition.SuccessBodyContains);
        }
        catch (ArgumentException ex)
        {
            problem = $"{where}: {ex.Message}";
            return false;
        }

        problem = null;
        return true;
    }

    public static bool TryGetSyntax(string? text, [NotNullWhen(true)] out MacroSyntax? syntax)
    {
        if (MacroSyntax.TryGetBuiltIn(text, out syntax))
        {
            return true;
        }

        // Custom delimiters written around the word "name": "<<name>>", "{%name%}".
        var index = text?.IndexOf("name", StringComparison.Ordinal) ?? -1;
        if (index > 0 && index + 4 < text!.Length)
        {
            try
            {
                syntax = MacroSyntax.Create(text[..index], text[(index + 4)..]);
                return true;
            }
            catch (ArgumentException)
            {
            }
        }

        syntax = null;
        return false;
    }

    private static bool TryParse(
        string text,
        PostbackTemplateOptions options,
        TemplateCache? cache,
        [NotNullWhen(true)] out PostbackTemplate? template,
        [NotNullWhen(false)] out PostbackTemplateError? error)
    {
        if (cache is not null)
        {
            return cache.TryGet(text, options, out template, out error);
        }

        return PostbackTemplate.TryParse(text, options, out template, out error);
    }
}
