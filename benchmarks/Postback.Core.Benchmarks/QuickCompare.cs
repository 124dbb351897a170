using System.Diagnostics;

namespace Postback.Benchmarks;

/// <summary>
/// A quick, noise-tolerant comparison for a shared machine: the library and the hand-written code are run in
/// alternating short rounds, and each one's minimum and median round are reported, so a burst of load elsewhere hits
/// both alike. For direction while working; the BenchmarkDotNet classes give the published numbers.
/// Run with <c>dotnet run -c Release --project benchmarks/Postback.Core.Benchmarks -- quick</c>.
/// </summary>
internal static class QuickCompare
{
    private const int Rounds = 60;
    private const int CallsPerRound = 20_000;

    public static void Run()
    {
        var buffer = new char[4096];
        foreach (var templateCase in new[] { TemplateCase.FlexOffers, TemplateCase.AllMacros })
        {
            Verification.Verify(templateCase);
            var template = PostbackTemplate.Parse(Scenarios.Template(templateCase));
            var tx = Scenarios.Transaction(templateCase);
            (string Name, Func<int> Call)[] methods =
            [
                ("string HandWritten", () => HandWrittenRenderer.Render(templateCase, tx).Length),
                ("string PostbackCore", () => template.Render(tx).Length),
                ("span   HandWritten", () => HandWrittenRenderer.TryWrite(templateCase, tx, buffer, out var n) ? n : -1),
                ("span   PostbackCore", () => template.TryRender(tx, buffer, out var n) ? n : -1),
            ];

            var samples = new double[methods.Length][];
            for (var m = 0; m < methods.Length; m++)
            {
                samples[m] = new double[Rounds];
                Time(methods[m].Call, CallsPerRound * 10);
            }

            for (var round = 0; round < Rounds; round++)
            {
                for (var m = 0; m < methods.Length; m++)
                {
                    samples[m][round] = Time(methods[m].Call, CallsPerRound);
                }
            }

            Console.WriteLine($"{templateCase}:");
            for (var m = 0; m < methods.Length; m++)
            {
                Array.Sort(samples[m]);
                var baseline = samples[m & ~1];
                Console.WriteLine(
                    $"  {methods[m].Name,-20} min {samples[m][0],7:F1} ns  median {samples[m][Rounds / 2],7:F1} ns" +
                    $"  ratio min {samples[m][0] / baseline[0]:F2}  median {samples[m][Rounds / 2] / baseline[Rounds / 2]:F2}");
            }
        }
    }

    private static double Time(Func<int> call, int calls)
    {
        var sink = 0;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < calls; i++)
        {
            sink += call();
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        GC.KeepAlive(sink);
        return elapsed.TotalNanoseconds / calls;
    }
}
