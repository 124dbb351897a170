using System.IO.Compression;
using Xunit.Abstractions;

namespace Postback.Tests.Packaging;

/// <summary>
/// The package as users meet it: packed fresh, installed into a consumer project through a local folder source (no
/// URL), run, and published as native AOT. Slow next to the rest (about a minute), so one fixture packs once.
/// </summary>
[Trait("Category", "Package")]
public sealed class PackageTests(PackageTests.PackedFeed feed, ITestOutputHelper output) : IClassFixture<PackageTests.PackedFeed>
{
    private const string ConsumerProgram = """
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Options;
        using Postback;

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPostbacks(o => o.AddEndpoint("partner", e => e.Url = "https://partner.example/pb?sid=#fobs#&amount=#sa#"));
        using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<IPostbackSender>();
        var options = provider.GetRequiredService<IOptions<PostbackOptions>>().Value;
        var template = PostbackTemplate.Parse(options.Endpoints["partner"].Url!);
        Console.WriteLine(template.Render(new PostbackTransaction { SubId1 = "a b&c", SaleAmount = 12.50m }));
        """;

    private const string Expected = "https://partner.example/pb?sid=a%20b%26c&amount=12.50";

    [Fact]
    public void The_package_holds_the_library_docs_readme_and_symbols()
    {
        File.Exists(feed.SymbolsPath).Should().BeTrue("a .snupkg is packed beside the .nupkg");
        using var zip = ZipFile.OpenRead(feed.PackagePath);
        var entries = zip.Entries.Select(e => e.FullName).ToArray();
        entries.Should().Contain(["lib/net10.0/Postback.Core.dll", "lib/net10.0/Postback.Core.xml", "README.md", "Postback.Core.nuspec"]);
        using var nuspec = new StreamReader(zip.GetEntry("Postback.Core.nuspec")!.Open());
        var text = nuspec.ReadToEnd();
        text.Should().Contain("<license type=\"expression\">MIT</license>").And.Contain("<readme>README.md</readme>").And.Contain("<repository type=\"git\"");
    }

    [Fact]
    public void A_consumer_project_restores_the_package_from_a_folder_source_and_runs()
    {
        var project = feed.CreateConsumer("consumer", aot: false, ConsumerProgram);

        var run = Dotnet(project, "run", "-c", "Release");

        run.ExitCode.Should().Be(0, run.Output);
        run.Output.Should().Contain(Expected);
    }

    [Fact]
    public void A_native_aot_publish_has_no_trim_or_aot_warnings_and_runs()
    {
        var project = feed.CreateConsumer("aot-consumer", aot: true, ConsumerProgram);

        var publish = Dotnet(project, "publish", "-c", "Release", "-r", "linux-x64", "-o", Path.Combine(project, "out"));

        publish.ExitCode.Should().Be(0, publish.Output);
        publish.Output.Should().NotMatchRegex(@"warning (IL\d+|SYSLIB)", "the library must be trim- and AOT-safe");
        var native = Run(Path.Combine(project, "out", "aot-consumer"), project);
        native.ExitCode.Should().Be(0, native.Output);
        native.Output.Should().Contain(Expected);
    }

    private (int ExitCode, string Output) Dotnet(string workingDirectory, params string[] arguments) => Run("dotnet", workingDirectory, arguments);

    private (int ExitCode, string Output) Run(string fileName, string workingDirectory, params string[] arguments)
    {
        var result = PackedFeed.Run(fileName, workingDirectory, arguments);
        output.WriteLine(result.Output);
        return result;
    }

    /// <summary>Packs the library once, with a version no earlier run used, so no package cache can serve a stale copy.</summary>
    public sealed class PackedFeed : IDisposable
    {
        public PackedFeed()
        {
            Root = Directory.CreateTempSubdirectory("postback-package-").FullName;
            Feed = Directory.CreateDirectory(Path.Combine(Root, "feed")).FullName;
            Version = "0.0.0-ci." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);
            var repository = FindRepository();
            // --no-build and PackageVersion (not Version): packing must not rebuild src/Postback.Core/bin, which the other
            // test assemblies (run in parallel) pack and load from; the package version alone makes the copy fresh.
            var pack = Run("dotnet", repository, "pack", Path.Combine(repository, "src", "Postback.Core", "Postback.Core.csproj"), "-c", "Release", "--no-build", "-o", Feed, "-p:PackageVersion=" + Version);
            if (pack.ExitCode != 0)
            {
                throw new InvalidOperationException("dotnet pack failed:\n" + pack.Output);
            }

            PackagePath = Path.Combine(Feed, $"Postback.Core.{Version}.nupkg");
            SymbolsPath = Path.Combine(Feed, $"Postback.Core.{Version}.snupkg");
        }

        public string Root { get; }

        public string Feed { get; }

        public string Version { get; }

        public string PackagePath { get; }

        public string SymbolsPath { get; }

        public string CreateConsumer(string name, bool aot, string program)
        {
            var directory = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
            File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                    <PublishAot>{(aot ? "true" : "false")}</PublishAot>
                    <InvariantGlobalization>true</InvariantGlobalization>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Postback.Core" Version="{Version}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(directory, "Program.cs"), program);

            // A folder source beside the default one: no URL is named.
            File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="postback-local" value="{Feed}" />
                  </packageSources>
                </configuration>
                """);
            return directory;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        internal static (int ExitCode, string Output) Run(string fileName, string workingDirectory, params string[] arguments) =>
            Shared.ChildProcess.Run(fileName, workingDirectory, arguments);

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
}
