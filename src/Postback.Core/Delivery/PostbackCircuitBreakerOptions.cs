using System;
using System.ComponentModel.DataAnnotations;

namespace Postback;

/// <summary>The circuit breaker kept for each partner host. Tuned to trip for low-volume partners too.</summary>
public sealed class PostbackCircuitBreakerOptions
{
    /// <summary>Gets or sets whether the breaker is on. The default is <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the share of failed attempts in the sampling window that opens the circuit. The default is 0.5.</summary>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>
    /// Gets or sets the attempts (not postbacks: retries count) needed in the window before the ratio counts. The default
    /// is 8: two postbacks that fail every attempt (1 + 3 retries each) trip it, so a partner that gets a handful of
    /// postbacks an hour still does (the standard handler's 100 in 30 seconds never would), while one postback's
    /// retries alone do not.
    /// </summary>
    [Range(2, 10_000)]
    public int MinimumThroughput { get; set; } = 8;

    /// <summary>Gets or sets the sampling window. The default is 5 minutes.</summary>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets how long the circuit stays open. The default is 30 seconds.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how many partner authorities (scheme, host and port) keep their own pipeline and breaker at once. The
    /// default is 1000. Beyond it, the least recently used partner whose circuit is closed is forgotten; a partner whose
    /// circuit is open is never let through before its break ends, so memory stays bounded however many hosts a host
    /// macro produces.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxHosts { get; set; } = 1000;
}
