using Postback.Internal;

namespace Postback.Tests.Outbox;

/// <summary>The outbox's pure rules: schedule and jitter bounds, Retry-After within bounds, outcome to state and signal.</summary>
public sealed class OutboxRulesTests
{
    private static readonly IList<TimeSpan> Schedule = PostbackOutboxOptions.DefaultSchedule();

    [Fact]
    public void The_default_schedule_is_Standard_Webhooks()
    {
        Schedule.Should().Equal(
            TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
            TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(14), TimeSpan.FromHours(20), TimeSpan.FromHours(24));
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Jitter_stays_within_its_bounds_over_many_draws(double jitter)
    {
        var random = new Random(42);
        foreach (var delay in Schedule.Skip(1))
        {
            var min = TimeSpan.MaxValue;
            var max = TimeSpan.Zero;
            for (var i = 0; i < 5000; i++)
            {
                var d = OutboxRules.WithJitter(delay, jitter, random.NextDouble());
                d.Should().BeGreaterThanOrEqualTo(TimeSpan.FromTicks((long)(delay.Ticks * (1 - jitter))));
                d.Should().BeLessThanOrEqualTo(TimeSpan.FromTicks((long)(delay.Ticks * (1 + jitter))));
                min = d < min ? d : min;
                max = d > max ? d : max;
            }

            if (jitter > 0)
            {
                // The draws spread over most of the range, both sides of the delay.
                min.Should().BeLessThan(TimeSpan.FromTicks((long)(delay.Ticks * (1 - (jitter * 0.8)))));
                max.Should().BeGreaterThan(TimeSpan.FromTicks((long)(delay.Ticks * (1 + (jitter * 0.8)))));
            }
            else
            {
                min.Should().Be(delay);
                max.Should().Be(delay);
            }
        }
    }

    [Fact]
    public void Jitter_bounds_at_the_extremes_of_the_random_number()
    {
        OutboxRules.WithJitter(TimeSpan.FromMinutes(5), 0.2, 0).Should().Be(TimeSpan.FromMinutes(4));
        OutboxRules.WithJitter(TimeSpan.FromMinutes(5), 0.2, 0.5).Should().Be(TimeSpan.FromMinutes(5));
        OutboxRules.WithJitter(TimeSpan.FromMinutes(5), 0.2, 0.9999999).Should().BeCloseTo(TimeSpan.FromMinutes(6), TimeSpan.FromMilliseconds(1));
        OutboxRules.WithJitter(TimeSpan.Zero, 0.2, 0.7).Should().Be(TimeSpan.Zero);
    }

    [Theory]
    [InlineData(null, 300, 300)]            // no Retry-After: the schedule
    [InlineData(60, 300, 300)]              // shorter than the schedule: the schedule (never sooner)
    [InlineData(3600, 300, 3600)]           // longer: honoured
    [InlineData(200_000, 300, 86_400)]      // longer than the bound: the bound
    public void Retry_after_is_clamped_between_the_schedule_and_the_bound(int? retryAfterSeconds, int scheduledSeconds, int expectedSeconds)
    {
        var retryAfter = retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
        OutboxRules.ClampRetryAfter(TimeSpan.FromSeconds(scheduledSeconds), retryAfter, TimeSpan.FromHours(24))
            .Should().Be(TimeSpan.FromSeconds(expectedSeconds));
    }

    [Fact]
    public void A_bound_shorter_than_the_schedule_never_shortens_the_schedule() =>
        OutboxRules.ClampRetryAfter(TimeSpan.FromHours(5), TimeSpan.FromHours(30), TimeSpan.FromHours(1)).Should().Be(TimeSpan.FromHours(5));

    [Theory]
    [InlineData(PostbackOutcome.Delivered, 200, 1, PostbackDeliveryState.Delivered, PostbackEndpointSignal.Success)]
    [InlineData(PostbackOutcome.Rejected, 400, 1, PostbackDeliveryState.Rejected, PostbackEndpointSignal.Success)]
    [InlineData(PostbackOutcome.Rejected, 410, 1, PostbackDeliveryState.Rejected, PostbackEndpointSignal.Gone)]
    [InlineData(PostbackOutcome.Blocked, null, 0, PostbackDeliveryState.Blocked, PostbackEndpointSignal.None)]
    [InlineData(PostbackOutcome.Invalid, null, 0, PostbackDeliveryState.Invalid, PostbackEndpointSignal.None)]
    [InlineData(PostbackOutcome.Failed, 503, 1, PostbackDeliveryState.Pending, PostbackEndpointSignal.Failure)]
    [InlineData(PostbackOutcome.Failed, null, 1, PostbackDeliveryState.Pending, PostbackEndpointSignal.Failure)]
    [InlineData(PostbackOutcome.Failed, null, 0, PostbackDeliveryState.Pending, PostbackEndpointSignal.None)]
    public void Outcomes_map_to_a_state_and_a_signal(PostbackOutcome outcome, int? status, int attempts, PostbackDeliveryState state, PostbackEndpointSignal signal)
    {
        var result = new PostbackResult { EndpointName = "e", Outcome = outcome, StatusCode = status, Attempts = attempts };
        var decision = OutboxRules.Decide(result, failedAttempts: 0, Schedule, 0.2, TimeSpan.FromHours(24), 0.5);
        decision.State.Should().Be(state);
        decision.Signal.Should().Be(signal);
        decision.IsFinal.Should().Be(state != PostbackDeliveryState.Pending);
        if (state == PostbackDeliveryState.Pending)
        {
            decision.RetryDelay.Should().Be(TimeSpan.FromSeconds(5), "the second step of the schedule, with a centred jitter draw");
        }
    }

    [Fact]
    public void Each_failure_takes_the_next_step_and_the_last_makes_it_dead()
    {
        var failed = new PostbackResult { EndpointName = "e", Outcome = PostbackOutcome.Failed, StatusCode = 503, Attempts = 1 };
        for (var i = 0; i < Schedule.Count - 1; i++)
        {
            var decision = OutboxRules.Decide(failed, i, Schedule, 0, TimeSpan.FromHours(24), 0.5);
            decision.State.Should().Be(PostbackDeliveryState.Pending);
            decision.RetryDelay.Should().Be(Schedule[i + 1]);
        }

        OutboxRules.Decide(failed, Schedule.Count - 1, Schedule, 0, TimeSpan.FromHours(24), 0.5).State.Should().Be(PostbackDeliveryState.Dead);
    }

    [Fact]
    public void A_failure_with_Retry_After_waits_as_asked_within_the_bound()
    {
        var failed = new PostbackResult { EndpointName = "e", Outcome = PostbackOutcome.Failed, StatusCode = 429, Attempts = 1, RetryAfter = TimeSpan.FromMinutes(20) };
        OutboxRules.Decide(failed, 0, Schedule, 0, TimeSpan.FromHours(24), 0.5).RetryDelay.Should().Be(TimeSpan.FromMinutes(20));
        OutboxRules.Decide(failed, 0, Schedule, 0, TimeSpan.FromMinutes(10), 0.5).RetryDelay.Should().Be(TimeSpan.FromMinutes(10));
    }
}
