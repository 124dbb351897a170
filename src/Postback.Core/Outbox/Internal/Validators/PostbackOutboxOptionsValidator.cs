using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>Checks each outbox option's own range; generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class PostbackOutboxOptionsValidator : IValidateOptions<PostbackOutboxOptions>
{
}
