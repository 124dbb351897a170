using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>Checks each option's own range and requiredness; generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class PostbackOptionsValidator : IValidateOptions<PostbackOptions>
{
}
