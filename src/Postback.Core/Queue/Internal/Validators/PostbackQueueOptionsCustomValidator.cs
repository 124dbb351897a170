using System;
using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>Checks what the generated range checks cannot express: the drain timeout's range and the two concurrency limits together.</summary>
internal sealed class PostbackQueueOptionsCustomValidator : IValidateOptions<PostbackQueueOptions>
{
    public ValidateOptionsResult Validate(string? name, PostbackQueueOptions options)
    {
        if (options.DrainTimeout < TimeSpan.Zero || options.DrainTimeout > TimeSpan.FromHours(1))
        {
            return ValidateOptionsResult.Fail($"Postbacks:Queue:DrainTimeout is {options.DrainTimeout}; it must be from 00:00:00 to 01:00:00.");
        }

        if (options.MaxConcurrencyPerHost > options.MaxConcurrency)
        {
            return ValidateOptionsResult.Fail($"Postbacks:Queue:MaxConcurrencyPerHost ({options.MaxConcurrencyPerHost}) must not exceed MaxConcurrency ({options.MaxConcurrency}).");
        }

        return ValidateOptionsResult.Success;
    }
}
