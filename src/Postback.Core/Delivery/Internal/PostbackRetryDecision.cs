using System;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Retry;

namespace Postback.Internal;

/// <summary>What is worth retrying: network errors, timeouts, 408, 429 and 5xx, unless the partner asks for a longer wait than allowed.</summary>
internal static class PostbackRetryDecision
{
    public static ValueTask<bool> ShouldRetry(RetryPredicateArguments<HttpResponseMessage> args, TimeProvider time)
    {
        // A blocked destination stays blocked: retrying would only knock on the same door.
        if (!IsTransient(args.Outcome, args.Context.CancellationToken) || PostbackDestinationBlockedException.IsIn(args.Outcome.Exception)
            || IsSingleAttempt(args))
        {
            return ValueTask.FromResult(false);
        }

        if (args.Outcome.Result is { } response
            && GetRetryAfter(response, time) is { } delay
            && PostbackSendState.Of(response.RequestMessage) is { } state)
        {
            // Honour Retry-After only when it fits: within the cap, and before the total timeout would end the wait anyway.
            var remaining = state.Options.TotalTimeout - time.GetElapsedTime(state.StartTimestamp);
            if (delay > state.Options.MaxRetryAfter || delay >= remaining)
            {
                state.RetryAfterRefused = delay;
                return ValueTask.FromResult(false);
            }
        }

        return ValueTask.FromResult(true);
    }

    /// <summary>
    /// Transient, as the standard pipeline sees it: network errors, 408, 429, 5xx, an attempt that timed out, and a
    /// timeout inside the handler (the connect timeout) while the postback itself is not cancelled. Without the token,
    /// a connect that timed out would end the postback after one attempt.
    /// </summary>
    /// <remarks>The library's own overload that takes the token is marked experimental, so the rule is written out here.</remarks>
    public static bool IsTransient(Outcome<HttpResponseMessage> outcome, System.Threading.CancellationToken cancellationToken) =>
        outcome.Exception is OperationCanceledException
            ? !cancellationToken.IsCancellationRequested
#pragma warning disable CA2016 // the overload that takes the token is experimental (EXTEXP0001); the token is used above
            : HttpClientResiliencePredicates.IsTransient(outcome);
#pragma warning restore CA2016

    /// <summary>The outbox's sends make one attempt each: its durable schedule does the retrying.</summary>
    private static bool IsSingleAttempt(RetryPredicateArguments<HttpResponseMessage> args) =>
        PostbackSendState.Of(args.Context.GetRequestMessage() ?? args.Outcome.Result?.RequestMessage) is { SingleAttempt: true };

    public static TimeSpan? GetRetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        // The typed header refuses delays beyond int.MaxValue seconds ("99999999999"): such a partner still asked to
        // wait, far longer than allowed, and ignoring it would retry at once.
        return header is null && response.Headers.NonValidated.TryGetValues("Retry-After", out var raw) ? ParseLongDelay(raw.ToString()) : null;
    }

    /// <summary>A delay in seconds too large for the typed header: all digits, capped at <see cref="TimeSpan.MaxValue"/>.</summary>
    private static TimeSpan? ParseLongDelay(string text)
    {
        var digits = text.AsSpan().Trim();
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9'))
        {
            return null;
        }

        return ulong.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            && seconds < (ulong)TimeSpan.MaxValue.TotalSeconds - 1
            ? TimeSpan.FromSeconds((double)seconds)
            : TimeSpan.MaxValue;
    }
}
