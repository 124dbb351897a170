namespace Postback.Tests.Load;

/// <summary>
/// The switch between the small harness that runs in every test run (correctness only) and the full-size one
/// (<c>POSTBACK_LOAD=1</c>, with the throughput targets). See docs/testing.md, "load and chaos harness".
/// </summary>
public static class LoadSettings
{
    /// <summary>The environment variable that turns the full-size runs on when it is <c>1</c>.</summary>
    public const string Switch = "POSTBACK_LOAD";

    /// <summary>The xunit trait value of the full-size tests: <c>--filter Category=Load</c>.</summary>
    public const string Category = "Load";

    /// <summary>Gets a value indicating whether the full-size runs are on.</summary>
    public static bool Full => Environment.GetEnvironmentVariable(Switch) == "1";
}

/// <summary>
/// A fact that only runs with <c>POSTBACK_LOAD=1</c>. Without it the test is reported as skipped (set at discovery,
/// which xunit 2 allows), rather than passing without having run.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class LoadFactAttribute : FactAttribute
{
    /// <summary>Initializes a new instance of the <see cref="LoadFactAttribute"/> class.</summary>
    public LoadFactAttribute()
    {
        if (!LoadSettings.Full)
        {
            Skip = $"Opt-in full-size load run: set {LoadSettings.Switch}=1 (docs/testing.md, \"load and chaos harness\").";
        }
    }
}

/// <summary>
/// The load tests run alone, after the parallel collections: they fill both CPU cores, which would skew their own
/// numbers and slow other tests' timeouts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadTestGroup
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Load and chaos harness";
}
