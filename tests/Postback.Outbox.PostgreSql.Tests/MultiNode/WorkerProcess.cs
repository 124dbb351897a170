using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Postback.Tests.MultiNode;

/// <summary>
/// One node: tests/Postback.Outbox.Worker started as its own process (<c>dotnet Postback.Outbox.Worker.dll</c>). The test
/// kills it by the PID of the child it started, never by name.
/// </summary>
internal sealed partial class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private long _claimed;
    private long _completed;
    private long _stale;

    private WorkerProcess(Process process, string owner)
    {
        _process = process;
        Owner = owner;
    }

    public string Owner { get; }

    public int Pid => _process.Id;

    public long Claimed => Interlocked.Read(ref _claimed);

    public long Completed => Interlocked.Read(ref _completed);

    public long Stale => Interlocked.Read(ref _stale);

    public string Output => string.Join('\n', _lines);

    public bool HasExited => _process.HasExited;

    public static WorkerProcess Start(string connectionString, string schema, string owner, Uri receiver, int batch, TimeSpan lease)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(FindBuilt());
        foreach (var (key, value) in new[]
        {
            ("--connection", connectionString), ("--schema", schema), ("--owner", owner), ("--receiver", receiver.ToString()),
            ("--batch", batch.ToString()), ("--lease-ms", ((int)lease.TotalMilliseconds).ToString()), ("--idle-exit-ms", "1500"), ("--poll-ms", "1000"),
        })
        {
            start.ArgumentList.Add(key);
            start.ArgumentList.Add(value);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var worker = new WorkerProcess(process, owner);
        process.OutputDataReceived += (_, e) => worker.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => worker.OnLine(e.Data is null ? null : "stderr: " + e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>SIGKILL, by the PID of the child this test started.</summary>
    public void Kill() => _process.Kill();

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            throw new TimeoutException($"Worker {Owner} did not finish within {timeout}; it was killed.\n{Output}");
        }

        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        if (ClaimedLine().Match(line) is { Success: true } claimed)
        {
            Interlocked.Add(ref _claimed, long.Parse(claimed.Groups[1].Value));
        }
        else if (CompletedLine().Match(line) is { Success: true } completed)
        {
            Interlocked.Add(ref _completed, long.Parse(completed.Groups[1].Value));
            Interlocked.Add(ref _stale, long.Parse(completed.Groups[2].Value));
        }
    }

    private static string FindBuilt()
    {
        const string Name = "Postback.Outbox.Worker";
        var configuration = typeof(WorkerProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var framework = new DirectoryInfo(AppContext.BaseDirectory).Name;
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Postback.Core.sln")))
            {
                var dll = Path.Combine(directory.FullName, "tests", Name, "bin", configuration, framework, Name + ".dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException("The worker is not built; build the test project (it references it).", dll);
            }
        }

        throw new InvalidOperationException("Postback.Core.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^claimed (\d+)$")]
    private static partial Regex ClaimedLine();

    [GeneratedRegex(@"^completed (\d+) stale (\d+)$")]
    private static partial Regex CompletedLine();
}
