using System.Diagnostics;
using System.Reflection;

namespace Postback.Cli.Tests.Support;

/// <summary>The outcome of one run of the tool: its exit code and what it wrote.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";
}

/// <summary>
/// Runs the built tool as users do, as its own process (<c>dotnet postback.dll ...</c>), with standard input
/// closed or given, output redirected (so plain text, no colours) and a bounded wait.
/// </summary>
public static class Tool
{
    private static readonly Lazy<string> Dll = new(FindBuilt);

    public static string Repository { get; } = FindRepository();

    public static Task<CliRun> RunAsync(params string[] arguments) => RunAsync(arguments, input: null);

    public static async Task<CliRun> RunAsync(string[] arguments, string? input, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        start.ArgumentList.Add(Dll.Value);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("postback " + string.Join(' ', arguments) + " did not finish in 60 s:\n" + await stdout + await stderr);
        }

        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Finds src/Postback.Cli/bin/{configuration}/{framework}/postback.dll, built with the tests' configuration.</summary>
    private static string FindBuilt()
    {
        var configuration = typeof(Tool).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        var dll = Path.Combine(Repository, "src", "Postback.Cli", "bin", configuration, framework, "postback.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("The tool is not built; build the test project (it references the tool).", dll);
    }

    private static string FindRepository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Postback.Core.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Postback.Core.sln not found above " + AppContext.BaseDirectory);
    }
}
