using System.Diagnostics;
using System.Reflection;
using Xunit.Abstractions;

namespace Postback.Tests.Samples;

/// <summary>
/// Runs a built sample as users do, as its own process (<c>dotnet Sample.dll</c>), with a bounded wait. The test
/// project references the samples with <c>ReferenceOutputAssembly="false"</c>, so building the tests builds them.
/// </summary>
internal static class SampleProcess
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public sealed record Run(int ExitCode, string Output, string Errors);

    public static async Task<Run> RunAsync(string name, ITestOutputHelper output)
    {
        var dll = FindBuilt(name);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            // Not the sample's folder: the sample must find its appsettings.json from wherever it is started.
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            output.WriteLine(await stdout + await stderr);
            throw new TimeoutException($"{name} did not exit within {Timeout}; it was killed.");
        }

        var run = new Run(process.ExitCode, await stdout, await stderr);
        output.WriteLine($"$ dotnet {dll}  (exit code {run.ExitCode})");
        output.WriteLine(run.Output);
        output.WriteLine(run.Errors);
        return run;
    }

    /// <summary>Finds samples/{name}/bin/{configuration}/{framework}/{name}.dll, built with the same configuration as the tests.</summary>
    private static string FindBuilt(string name)
    {
        var configuration = typeof(SampleProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var framework = new DirectoryInfo(AppContext.BaseDirectory).Name;
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Postback.Core.sln")))
            {
                var dll = Path.Combine(directory.FullName, "samples", name, "bin", configuration, framework, name + ".dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException($"The sample is not built; build the test project (it references the sample).", dll);
            }
        }

        throw new InvalidOperationException("Postback.Core.sln not found above " + AppContext.BaseDirectory);
    }
}
