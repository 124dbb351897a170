using System.Globalization;
using BenchmarkDotNet.Attributes;

namespace Postback.Benchmarks;

/// <summary>
/// Writing the event time as <c>yyyy-MM-ddTHH%3Amm%3AssZ</c> into a buffer, two ways, to pick the hand-written
/// baseline's: the "s" pattern then the colons escaped in place, or the digits written one pair at a time.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
[BenchmarkCategory("TimeFormat")]
public class TimeFormatBenchmarks
{
    private readonly char[] _buffer = new char[64];
    private readonly DateTimeOffset _time = Scenarios.EventTime;

    [Benchmark(Baseline = true)]
    public int SPatternEscapedInPlace() => HandWrittenRenderer.WriteTimeSPattern(_time, _buffer);

    [Benchmark]
    public int DigitPairs() => HandWrittenRenderer.WriteTimeDigits(_time, _buffer);
}
