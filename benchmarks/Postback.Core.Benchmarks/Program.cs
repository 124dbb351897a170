using BenchmarkDotNet.Running;

namespace Postback.Benchmarks;

/// <summary>
/// Runs the benchmarks. Everything BenchmarkDotNet's command line offers works, for example:
/// <c>dotnet run -c Release --project benchmarks/Postback.Core.Benchmarks -- --filter '*' --job short</c>.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["quick"])
        {
            QuickCompare.Run();
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
