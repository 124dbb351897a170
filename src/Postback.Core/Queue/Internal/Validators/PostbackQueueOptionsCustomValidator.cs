using System;
using System.Collections.Generic;
using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>Checks what the generated range checks cannot express: the drain timeout's range and the two concurrency limits together.</summary>
/// <remarks>Messages name keys under the section the options were bound from (<see cref="PostbackConstants.QueueSectionName"/> when configured in code).</remarks>
internal sealed class PostbackQueueOptionsCustomValidator(IEnumerable<BoundSection<PostbackQueueOptions>> sections) : IValidateOptions<PostbackQueueOptions>
{
    private readonly string _section = BoundSection<PostbackQueueOptions>.PathOf(sections, PostbackConstants.QueueSectionName);

    public ValidateOptionsResult Validate(string? name, PostbackQueueOptions options)
    {
        if (options.DrainTimeout < TimeSpan.Zero || options.DrainTimeout > TimeSpan.FromHours(1))
        {
            return ValidateOptionsResult.Fail($"{_section}:DrainTimeout is {options.DrainTimeout}; it must be from 00:00:00 to 01:00:00.");
        }

        if (options.MaxConcurrencyPerHost > options.MaxConcurrency)
        {
            return ValidateOptionsResult.Fail($"{_section}:MaxConcurrencyPerHost ({options.MaxConcurrencyPerHost}) must not exceed MaxConcurrency ({options.MaxConcurrency}).");
        }

        return ValidateOptionsResult.Success;
    }
}
