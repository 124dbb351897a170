using System.Globalization;
using System.Reflection;

namespace Postback.Cli.Tests;

/// <summary>
/// The tool as users get it: packed with a version no earlier run used, installed with <c>dotnet tool install</c> from a
/// local folder source (a nuget.config beside the default source, naming no URL), and run from the tool path.
/// </summary>
[Trait("Category", "Package")]
public sealed class ToolPackageTests
{
    [Fact]
    public void The_tool_packs_installs_from_a_folder_source_and_runs()
    {
        var root = Directory.CreateTempSubdirectory("postback-cli-tool-").FullName;
        try
        {
            var feed = Directory.CreateDirectory(Path.Combine(root, "feed")).FullName;
            var tools = Path.Combine(root, "tools");
            var version = "0.0.0-ci." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
            var configuration = typeof(ToolPackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            var project = Path.Combine(Support.Tool.Repository, "src", "Postback.Cli", "Postback.Cli.csproj");

            // --no-build: the test project already built the tool in this configuration; PackageVersion (not Version)
            // changes only the package, so nothing is recompiled.
            var pack = Run("dotnet", root, "pack", project, "-c", configuration, "--no-build", "-o", feed, "-p:PackageVersion=" + version);
            pack.ExitCode.Should().Be(0, pack.Output);
            File.Exists(Path.Combine(feed, $"Postback.Cli.{version}.nupkg")).Should().BeTrue(pack.Output);

            File.WriteAllText(Path.Combine(root, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="postback-local" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            var install = Run("dotnet", root, "tool", "install", "Postback.Cli", "--tool-path", tools, "--version", version, "--add-source", feed);
            install.ExitCode.Should().Be(0, install.Output);

            var help = Run(Path.Combine(tools, OperatingSystem.IsWindows() ? "postback.exe" : "postback"), root, "--help");
            help.ExitCode.Should().Be(0, help.Output);
            help.Output.Should().MatchRegex(@"Usage:\s+postback \[command\]", "help names the command as users type it").And.Contain("lint").And.Contain("render").And.Contain("send").And.Contain("outbox").And.Contain("Examples:");

            var lint = Run(Path.Combine(tools, OperatingSystem.IsWindows() ? "postback.exe" : "postback"), root, "lint", "https://a.example/pb?sid=#fob#");
            lint.ExitCode.Should().Be(1, lint.Output);
            lint.Output.Should().Contain("Did you mean '#fobs#'?");
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static (int ExitCode, string Output) Run(string fileName, string workingDirectory, params string[] arguments) =>
        Postback.Tests.Shared.ChildProcess.Run(fileName, workingDirectory, arguments);
}
