using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>Fills an empty <see cref="PostbackOutboxOptions.Schedule"/> with the default, after configuration and code have had their say.</summary>
internal sealed class PostbackOutboxDefaultSchedule : IPostConfigureOptions<PostbackOutboxOptions>
{
    public void PostConfigure(string? name, PostbackOutboxOptions options)
    {
        if (options.Schedule is null || options.Schedule.Count == 0)
        {
            options.Schedule = PostbackOutboxOptions.DefaultSchedule();
        }
    }
}
