using System.Runtime.InteropServices;
using Postback.Tests.Packaging;
using Xunit.Abstractions;

namespace Postback.Tests.Docs;

/// <summary>Every <c>```csharp</c> block in README.md and docs/*.md compiles and runs: one throwaway console project, one build.</summary>
public sealed class DocSnippetTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_csharp_block_in_the_README_and_docs_compiles_and_runs()
    {
        var repository = FindRepository();
        var pages = DocSnippets.Read(repository);
        pages.Should().Contain(p => Path.GetFileName(p.File) == "README.md", "the README's quick start is code");

        var directory = Directory.CreateTempSubdirectory("postback-doc-snippets-").FullName;
        try
        {
            DocSnippets.Write(pages, directory);
            File.WriteAllText(Path.Combine(directory, "DocSnippets.csproj"), Project());

            var build = PackageTests.PackedFeed.Run("dotnet", directory, "build", "-c", "Release", "-nologo", "-v", "q", "-clp:NoSummary");
            output.WriteLine(build.Output);
            build.ExitCode.Should().Be(0, "every block must compile:\n" + build.Output);

            var run = PackageTests.PackedFeed.Run("dotnet", directory, Path.Combine(directory, "bin", "Release", "net10.0", "DocSnippets.dll"));
            output.WriteLine(run.Output);
            run.ExitCode.Should().Be(0, "every block must run:\n" + run.Output);
            run.Output.Should().Contain("ok README.md");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// References the Postback.Core the tests were built with and its dependencies from the test output, and the
    /// ASP.NET Core shared framework for hosting, configuration and logging: no package restore, no second build of the library.
    /// </summary>
    private static string Project()
    {
        var references = Directory.GetFiles(AppContext.BaseDirectory, "*.dll")
            .Where(f => Path.GetFileName(f) is var n && (n == "Postback.Core.dll" || n.StartsWith("Polly", StringComparison.Ordinal)
                || n.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) || n.StartsWith("Microsoft.IO.", StringComparison.Ordinal)
                || n == "Postback.Outbox.Sqlite.dll" || n == "Microsoft.Data.Sqlite.dll" || n.StartsWith("SQLitePCLRaw.", StringComparison.Ordinal)))
            .Select(f => $"""    <Reference Include="{f}" />""");

        // SQLite's native library, for the outbox snippets: copied beside the program, where the runtime probes for it
        // (a bare Reference brings no deps.json entry for runtimes/<rid>/native).
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native");
        var natives = (Directory.Exists(native) ? Directory.GetFiles(native) : [])
            .Select(f => $"""    <None Include="{f}" Link="{Path.GetFileName(f)}" CopyToOutputDirectory="PreserveNewest" />""");
        return $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <LangVersion>latest</LangVersion>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <FrameworkReference Include="Microsoft.AspNetCore.App" />
              </ItemGroup>
              <ItemGroup>
            {string.Join(Environment.NewLine, references)}
            {string.Join(Environment.NewLine, natives)}
              </ItemGroup>
              <ItemGroup>
                <Using Include="Microsoft.Extensions.Configuration" />
                <Using Include="Microsoft.Extensions.DependencyInjection" />
                <Using Include="Microsoft.Extensions.Hosting" />
                <Using Include="Postback" />
              </ItemGroup>
            </Project>
            """;
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
