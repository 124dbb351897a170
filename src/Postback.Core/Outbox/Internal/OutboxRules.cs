using System;
using System.Collections.Generic;

namespace Postback.Internal;

/// <summary>What an attempt's result means for its delivery: the next state, when to try again, and the endpoint's health signal.</summary>
/// <param name="State">The next state.</param>
/// <param name="RetryDelay">How long until the next attempt, when <paramref name="State"/> is pending.</param>
/// <param name="Signal">What the attempt says about the endpoint.</param>
internal readonly record struct OutboxDecision(PostbackDeliveryState State, TimeSpan RetryDelay, PostbackEndpointSignal Signal)
{
    public bool IsFinal => State is not (PostbackDeliveryState.Pending or PostbackDeliveryState.InFlight or PostbackDeliveryState.Parked);
}

/// <summary>
/// The outbox's rules, kept pure so they are tested without a store or a clock: the retry schedule with its jitter,
/// <c>Retry-After</c> within bounds, and the mapping from an attempt's outcome to the delivery's next state and signal.
/// </summary>
internal static class OutboxRules
{
    /// <summary>
    /// Decides what follows an attempt.
    /// </summary>
    /// <param name="result">The attempt's result.</param>
    /// <param name="failedAttempts">The delivery's failed attempts before this one (since enqueue or replay).</param>
    /// <param name="schedule">The schedule: its length is the number of attempts.</param>
    /// <param name="jitter">The jitter share, 0 to 1.</param>
    /// <param name="maxRetryAfter">The longest Retry-After honoured.</param>
    /// <param name="random">A number in [0, 1) for the jitter.</param>
    /// <returns>The decision.</returns>
    public static OutboxDecision Decide(PostbackResult result, int failedAttempts, IList<TimeSpan> schedule, double jitter, TimeSpan maxRetryAfter, double random)
    {
        var signal = SignalOf(result);
        switch (result.Outcome)
        {
            case PostbackOutcome.Delivered:
                return new(PostbackDeliveryState.Delivered, TimeSpan.Zero, signal);
            case PostbackOutcome.Rejected:
                return new(PostbackDeliveryState.Rejected, TimeSpan.Zero, signal);
            case PostbackOutcome.Blocked:
                return new(PostbackDeliveryState.Blocked, TimeSpan.Zero, signal);
            case PostbackOutcome.Invalid:
                return new(PostbackDeliveryState.Invalid, TimeSpan.Zero, signal);
            default:
                // Failed (and Skipped, which a sender gives only for a disabled endpoint: retry it like a failure).
                var failed = failedAttempts + 1;
                if (failed >= schedule.Count)
                {
                    return new(PostbackDeliveryState.Dead, TimeSpan.Zero, signal);
                }

                var delay = WithJitter(schedule[failed], jitter, random);
                return new(PostbackDeliveryState.Pending, ClampRetryAfter(delay, result.RetryAfter, maxRetryAfter), signal);
        }
    }

    /// <summary>What an attempt says about its endpoint.</summary>
    /// <param name="result">The result.</param>
    /// <returns>The signal.</returns>
    public static PostbackEndpointSignal SignalOf(PostbackResult result) => result.Outcome switch
    {
        PostbackOutcome.Rejected when result.StatusCode == 410 => PostbackEndpointSignal.Gone,
        PostbackOutcome.Delivered or PostbackOutcome.Rejected => PostbackEndpointSignal.Success,
        // An open circuit with no attempt made says nothing new about the partner; the failures that opened it counted.
        PostbackOutcome.Failed when result.Attempts == 0 => PostbackEndpointSignal.None,
        PostbackOutcome.Failed => PostbackEndpointSignal.Failure,
        _ => PostbackEndpointSignal.None,
    };

    /// <summary>A delay spread by up to ±<paramref name="jitter"/> of itself.</summary>
    /// <param name="delay">The scheduled delay.</param>
    /// <param name="jitter">The share, 0 to 1.</param>
    /// <param name="random">A number in [0, 1).</param>
    /// <returns>The delay with jitter, never negative.</returns>
    public static TimeSpan WithJitter(TimeSpan delay, double jitter, double random)
    {
        if (jitter <= 0 || delay <= TimeSpan.Zero)
        {
            return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
        }

        // random in [0, 1) maps to a factor in [1 - jitter, 1 + jitter).
        var factor = 1 + (jitter * ((2 * random) - 1));
        return TimeSpan.FromTicks((long)(delay.Ticks * factor));
    }

    /// <summary>
    /// Honours a partner's Retry-After: the later of the scheduled delay and the partner's wish, but no later than
    /// <paramref name="max"/> (a partner cannot push a postback out for ever). Never shorter than the schedule's delay.
    /// </summary>
    /// <param name="scheduled">The scheduled delay, jitter included.</param>
    /// <param name="retryAfter">The partner's Retry-After, if any.</param>
    /// <param name="max">The bound.</param>
    /// <returns>The delay.</returns>
    public static TimeSpan ClampRetryAfter(TimeSpan scheduled, TimeSpan? retryAfter, TimeSpan max)
    {
        if (retryAfter is not { } wish || wish <= scheduled)
        {
            return scheduled;
        }

        var bound = max > scheduled ? max : scheduled;
        return wish < bound ? wish : bound;
    }
}
