using System;
using System.Collections.Generic;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>
/// Checks what the generated validator cannot: time spans, the schedule, the lease against the longest attempt (a rule
/// across <see cref="PostbackOptions"/> and the outbox's options), and the registrations the outbox needs: a store, and
/// no in-memory queue beside it. It runs at start-up (ValidateOnStart), so a mistake stops the host with a message
/// that names the option and its value.
/// </summary>
internal sealed class PostbackOutboxOptionsCustomValidator(IOptionsMonitor<PostbackOptions> postbackOptions, IServiceProviderIsService services)
    : IValidateOptions<PostbackOutboxOptions>
{
    /// <summary>The time an attempt's completion gets on top of the attempt itself, within the lease.</summary>
    public static readonly TimeSpan CompletionMargin = TimeSpan.FromSeconds(5);

    public const string NoStoreMessage =
        "The postback outbox has no store: AddOutbox() needs one, such as AddPostbacks().AddOutbox().UseSqlite(\"Data Source=postbacks.db\"); call .UseSqlite(...) or .UsePostgreSql(...).";

    public const string QueueAndOutboxMessage =
        "AddQueue() and AddOutbox() were both called: the outbox replaces the in-memory queue (it is the IPostbackQueue). Remove AddQueue().";

    private const string Prefix = "Postbacks:Outbox:";

    public ValidateOptionsResult Validate(string? name, PostbackOutboxOptions options)
    {
        var failures = new List<string>();
        if (!services.IsService(typeof(IPostbackOutboxStore)))
        {
            failures.Add(NoStoreMessage);
        }

        if (services.IsService(typeof(ChannelPostbackQueue)))
        {
            failures.Add(QueueAndOutboxMessage);
        }

        if (options.Schedule is null || options.Schedule.Count == 0)
        {
            failures.Add($"{Prefix}Schedule is empty; it needs at least one attempt (left empty in configuration, it is the default).");
        }
        else
        {
            if (options.Schedule.Count > 1000)
            {
                failures.Add($"{Prefix}Schedule has {options.Schedule.Count} attempts; at most 1000 are allowed.");
            }

            for (var i = 0; i < options.Schedule.Count; i++)
            {
                var delay = options.Schedule[i];
                if (delay < TimeSpan.Zero || delay > TimeSpan.FromDays(30))
                {
                    failures.Add($"{Prefix}Schedule[{i}] is {delay}; each delay must be from 00:00:00 to 30.00:00:00.");
                }
                else if (i > 0 && delay == TimeSpan.Zero)
                {
                    failures.Add($"{Prefix}Schedule[{i}] is {delay}; only the first attempt may be immediate, every retry needs a positive delay.");
                }
            }
        }

        if (double.IsNaN(options.Jitter) || options.Jitter is < 0 or > 1)
        {
            failures.Add($"{Prefix}Jitter is {options.Jitter}; it must be from 0 to 1.");
        }

        CheckRange(failures, nameof(options.MaxRetryAfter), options.MaxRetryAfter, TimeSpan.Zero, TimeSpan.FromDays(30));
        CheckRange(failures, nameof(options.LeaseDuration), options.LeaseDuration, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        CheckRange(failures, nameof(options.PollInterval), options.PollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        CheckRange(failures, nameof(options.DrainTimeout), options.DrainTimeout, TimeSpan.Zero, TimeSpan.FromHours(1));
        CheckRange(failures, nameof(options.StatsInterval), options.StatsInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        CheckRange(failures, nameof(options.OldestPendingDegradedAfter), options.OldestPendingDegradedAfter, TimeSpan.FromSeconds(1), TimeSpan.FromDays(365));
        if (options.MaxConcurrencyPerHost > options.MaxConcurrency)
        {
            failures.Add($"{Prefix}MaxConcurrencyPerHost ({options.MaxConcurrencyPerHost}) must not exceed MaxConcurrency ({options.MaxConcurrency}).");
        }

        var attempt = postbackOptions.CurrentValue;
        var longest = attempt.TotalTimeout > attempt.AttemptTimeout ? attempt.TotalTimeout : attempt.AttemptTimeout;
        if (options.LeaseDuration <= longest + CompletionMargin)
        {
            failures.Add(
                $"{Prefix}LeaseDuration ({options.LeaseDuration}) must exceed the longest attempt, Postbacks:TotalTimeout ({attempt.TotalTimeout}) " +
                $"and Postbacks:AttemptTimeout ({attempt.AttemptTimeout}), plus {CompletionMargin} to record it: more than {longest + CompletionMargin}. " +
                "Otherwise another worker could claim a delivery while its attempt is still running.");
        }

        if (options.EndpointHealth is { } health)
        {
            if (health.ConsecutiveFailures < 1)
            {
                failures.Add($"{Prefix}EndpointHealth:ConsecutiveFailures is {health.ConsecutiveFailures}; it must be at least 1.");
            }

            CheckRange(failures, "EndpointHealth:FailingFor", health.FailingFor, TimeSpan.Zero, TimeSpan.FromDays(365));
        }
        else
        {
            failures.Add($"{Prefix}EndpointHealth is missing.");
        }

        if (options.Retention is { } retention)
        {
            CheckRange(failures, "Retention:Finished", retention.Finished, TimeSpan.FromMinutes(1), TimeSpan.FromDays(3650));
            CheckRange(failures, "Retention:Dead", retention.Dead, TimeSpan.FromMinutes(1), TimeSpan.FromDays(3650));
            CheckRange(failures, "Retention:PurgeInterval", retention.PurgeInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(30));
        }
        else
        {
            failures.Add($"{Prefix}Retention is missing.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckRange(List<string> failures, string option, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Prefix}{option} is {value}; it must be from {min} to {max}.");
        }
    }
}
