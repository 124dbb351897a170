using System;
using System.Net.Http;
using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>
/// Builds the postback client's handler chain once at start-up (<c>ValidateOnStart</c>), so a primary handler the guard
/// cannot protect stops the host then, with a message that says how to tune the handler safely, not at the first send.
/// </summary>
internal sealed class PrimaryHandlerCheck
{
    /// <summary>Checks <see cref="PrimaryHandlerCheck"/> by building the chain; <see cref="PostbackHandlerFilter"/> refuses what it cannot guard.</summary>
    internal sealed class Validator(IHttpMessageHandlerFactory factory) : IValidateOptions<PrimaryHandlerCheck>
    {
        public ValidateOptionsResult Validate(string? name, PrimaryHandlerCheck options)
        {
            try
            {
                // The factory keeps the chain for its lifetime, so the first send uses this one.
                _ = factory.CreateHandler(PostbackHttpPipeline.HttpClientName);
                return ValidateOptionsResult.Success;
            }
            catch (InvalidOperationException ex)
            {
                return ValidateOptionsResult.Fail(ex.Message);
            }
            catch (OptionsValidationException)
            {
                // The delivery options are invalid: their own validation reports it, once.
                return ValidateOptionsResult.Skip;
            }
        }
    }
}
