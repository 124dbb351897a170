using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>Checks each queue option's own range; generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class PostbackQueueOptionsValidator : IValidateOptions<PostbackQueueOptions>
{
}
