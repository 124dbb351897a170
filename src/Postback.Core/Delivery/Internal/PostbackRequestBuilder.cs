using System;
using System.Diagnostics.CodeAnalysis;

namespace Postback.Internal;

/// <summary>
/// Builds and checks the request for a postback: the one path the real sender and <see cref="FakePostbackSender"/>
/// share, so the fake can never accept what the real sender refuses.
/// </summary>
internal static class PostbackRequestBuilder
{
    /// <summary>Renders an endpoint's postback for a transaction, or gives the result that ends it unsent (disabled, or a value that cannot be rendered).</summary>
    public static bool TryBuild(PostbackEndpoint endpoint, PostbackTransaction transaction, string? idempotencyKey, [NotNullWhen(true)] out PostbackRequest? request, [NotNullWhen(false)] out PostbackResult? refused)
    {
        request = null;
        if (!endpoint.Enabled)
        {
            refused = new PostbackResult { EndpointName = endpoint.Name, Outcome = PostbackOutcome.Skipped, ErrorMessage = "The endpoint is disabled." };
            return false;
        }

        string? body = null;
        if (!endpoint.Url.TryRender(transaction, out var url, out var error)
            || (endpoint.Body is { } bodyTemplate && !bodyTemplate.TryRender(transaction, out body, out error)))
        {
            refused = Invalid(endpoint.Name, PostbackErrorTypes.RenderError, error!.Message);
            return false;
        }

        request = new PostbackRequest
        {
            EndpointName = endpoint.Name,
            Url = url,
            Method = endpoint.Method,
            Body = body,
            ContentType = endpoint.BodyContentType,
            Headers = endpoint.Headers,
            IdempotencyKey = idempotencyKey ?? IdempotencyKey.For(endpoint, transaction),
            SuccessBodyContains = endpoint.SuccessBodyContains,
            UrlTemplate = endpoint.Url,
        };
        refused = null;
        return true;
    }

    /// <summary>The idempotency key a request carries: its own, or one derived from what it sends.</summary>
    public static string KeyOf(PostbackRequest request) => request.IdempotencyKey ?? IdempotencyKey.For(request);

    /// <summary>
    /// Checks a request before any attempt: an absolute http(s) URL within the length limit, a body only with POST and a
    /// content type, and, unless an endpoint already checked them, valid headers that describe no absent body.
    /// </summary>
    public static bool TryCheck(PostbackRequest request, PostbackOptions settings, bool headersChecked, [NotNullWhen(true)] out Uri? uri, [NotNullWhen(false)] out string? problem)
    {
        problem = Check(request, settings, headersChecked, out uri);
        return problem is null;
    }

    private static string? Check(PostbackRequest request, PostbackOptions settings, bool headersChecked, out Uri? uri)
    {
        uri = null;
        if (string.IsNullOrEmpty(request.Url))
        {
            return "The URL is empty.";
        }

        if (request.Url.Length > settings.MaxUrlLength)
        {
            return $"The URL is {request.Url.Length} characters long; the limit is {settings.MaxUrlLength} (MaxUrlLength).";
        }

        if (!Uri.TryCreate(request.Url, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttps && parsed.Scheme != Uri.UriSchemeHttp))
        {
            return "The URL is not an absolute http or https URL.";
        }

        if (request.Body is not null)
        {
            if (request.Method != PostbackHttpMethod.Post)
            {
                return "A body needs the POST method.";
            }

            if (string.IsNullOrWhiteSpace(request.ContentType))
            {
                return "A body needs a content type.";
            }
        }

        if (!headersChecked && request.Headers is not null)
        {
            foreach (var (name, value) in request.Headers)
            {
                if (HeaderRules.Check(name, value, settings.IdempotencyHeaderName) is { } problem)
                {
                    return problem;
                }

                if (request.Body is null && HeaderRules.IsContentHeader(name))
                {
                    return $"The header '{name}' describes a body, and this request has none.";
                }
            }
        }

        uri = parsed;
        return null;
    }

    /// <summary>The result for a postback that was never attempted because it is invalid.</summary>
    public static PostbackResult Invalid(string endpointName, string errorType, string message) => new()
    {
        EndpointName = endpointName,
        Outcome = PostbackOutcome.Invalid,
        ErrorType = errorType,
        ErrorMessage = message,
    };
}
