using System.Text;
using System.Text.RegularExpressions;

namespace Postback.Tests.Docs;

/// <summary>
/// Turns the <c>```csharp</c> blocks of the README and docs/*.md into one console program. The blocks of a page run in
/// order as one method (a later block may use an earlier one's variables, as a reader does); type declarations in a
/// block are lifted beside it. <c>#line</c> directives point compile errors back at the Markdown.
/// </summary>
/// <remarks>
/// A block preceded by <c>&lt;!-- snippet: skip --&gt;</c> is not compiled: for fragments by design, and for blocks that
/// need a server the test does not run (the PostgreSQL store's). The SQLite outbox's blocks do run, on temp files.
/// Two calls are redirected to <see cref="HarnessSource"/>, so snippets that build services send through a
/// <see cref="FakePostbackSender"/> and nothing leaves the process: <c>new ServiceCollection()</c> and
/// <c>Host.CreateApplicationBuilder(</c>.
/// </remarks>
internal static partial class DocSnippets
{
    public sealed record Block(string File, int FirstLine, IReadOnlyList<string> Lines);

    public sealed record Page(string File, IReadOnlyList<Block> Blocks);

    public static IReadOnlyList<Page> Read(string repository)
    {
        var files = new List<string> { Path.Combine(repository, "README.md") };
        files.AddRange(Directory.GetFiles(Path.Combine(repository, "docs"), "*.md").Order(StringComparer.Ordinal));
        return [.. files.Select(ReadPage).Where(p => p.Blocks.Count > 0)];
    }

    public static Page ReadPage(string file)
    {
        var lines = File.ReadAllLines(file);
        var blocks = new List<Block>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].TrimEnd().Equals("```csharp", StringComparison.Ordinal))
            {
                continue;
            }

            var skip = PreviousNonBlank(lines, i) is { } previous && previous.Contains("<!-- snippet: skip -->", StringComparison.Ordinal);
            var start = i + 1;
            var end = start;
            while (end < lines.Length && !lines[end].StartsWith("```", StringComparison.Ordinal))
            {
                end++;
            }

            if (!skip)
            {
                blocks.Add(new Block(file, start + 1, lines[start..end]));
            }

            i = end;
        }

        return new Page(file, blocks);
    }

    /// <summary>Writes one C# file per page, the harness and the program that runs every page.</summary>
    public static void Write(IReadOnlyList<Page> pages, string directory)
    {
        var runs = new StringBuilder();
        for (var p = 0; p < pages.Count; p++)
        {
            var name = $"Page{p}_{Regex.Replace(Path.GetFileNameWithoutExtension(pages[p].File), "[^A-Za-z0-9]", "_")}";
            File.WriteAllText(Path.Combine(directory, name + ".cs"), PageSource(pages[p], name));
            runs.AppendLine($"    (\"{Path.GetFileName(pages[p].File)}\", global::DocSnippets.{name}.Page.RunAsync),");
        }

        File.WriteAllText(Path.Combine(directory, "Harness.cs"), HarnessSource);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), $$"""
            (string Name, Func<string[], Task> Run)[] pages =
            [
            {{runs}}];
            var failures = 0;
            foreach (var (name, run) in pages)
            {
                try
                {
                    await run(args);
                    Console.WriteLine($"ok {name}");
                }
                catch (Exception ex)
                {
                    failures++;
                    Console.WriteLine($"FAILED {name}: {ex}");
                }
            }

            return failures;
            """);
    }

    private static string PageSource(Page page, string name)
    {
        var usings = new SortedSet<string>(StringComparer.Ordinal);
        var statements = new StringBuilder();
        var declarations = new StringBuilder();
        foreach (var block in page.Blocks)
        {
            StringBuilder? current = null;
            var inDeclaration = false;
            for (var i = 0; i < block.Lines.Count; i++)
            {
                var line = block.Lines[i];
                if (!inDeclaration && UsingLine().IsMatch(line))
                {
                    usings.Add(line.Trim());
                    current = null;
                    continue;
                }

                var starts = !inDeclaration && DeclarationStart().IsMatch(line);
                var target = inDeclaration || starts ? declarations : statements;
                if (!ReferenceEquals(current, target))
                {
                    target.AppendLine($"#line {block.FirstLine + i} \"{block.File}\"");
                    current = target;
                }

                target.AppendLine(inDeclaration || starts ? line : Redirect(line));
                if (starts)
                {
                    // A one-line declaration ("public sealed record Order(...);") ends where it starts.
                    inDeclaration = !(line.TrimEnd().EndsWith(';') && !line.Contains('{', StringComparison.Ordinal));
                }
                else if (inDeclaration && line == "}")
                {
                    inDeclaration = false;
                }
            }
        }

        var body = statements.ToString();
        var isAsync = body.Contains("await ", StringComparison.Ordinal);
        return $$"""
            // Generated from {{page.File}}
            #nullable enable
            {{string.Join(Environment.NewLine, usings)}}

            namespace DocSnippets.{{name}};

            internal static class Page
            {
                public static {{(isAsync ? "async " : string.Empty)}}Task RunAsync(string[] args)
                {
            {{body}}
            #line default
                    {{(isAsync ? string.Empty : "return Task.CompletedTask;")}}
                }
            }

            {{declarations}}
            """;
    }

    private static string Redirect(string line) => line
        .Replace("new ServiceCollection()", "global::DocSnippets.Harness.Services()", StringComparison.Ordinal)
        .Replace("Host.CreateApplicationBuilder(", "global::DocSnippets.Harness.CreateApplicationBuilder(", StringComparison.Ordinal);

    private static string? PreviousNonBlank(string[] lines, int index)
    {
        for (var i = index - 1; i >= 0; i--)
        {
            if (!string.IsNullOrWhiteSpace(lines[i]))
            {
                return lines[i];
            }
        }

        return null;
    }

    public const string HarnessSource = """
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Hosting;
        using Postback;

        namespace DocSnippets;

        /// <summary>Where the snippets get their services: with a FakePostbackSender, so nothing is sent anywhere.</summary>
        internal static class Harness
        {
            public static ServiceCollection Services()
            {
                var services = new ServiceCollection();
                services.AddSingleton<IPostbackSender>(new FakePostbackSender());
                return services;
            }

            public static HostApplicationBuilder CreateApplicationBuilder(string[]? args = null)
            {
                // No default sources: nothing from the machine's environment or a stray appsettings.json.
                var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, DisableDefaults = true });
                builder.Services.AddSingleton<IPostbackSender>(new FakePostbackSender());
                return builder;
            }
        }
        """;

    [GeneratedRegex(@"^using [\w.]+;\s*$")]
    private static partial Regex UsingLine();

    // A type declared at column 0, as in "public readonly struct OrderValues(Order order) : IPostbackValueSource".
    [GeneratedRegex(@"^(public |internal |file )?((sealed|static|readonly|abstract|partial) )*(class|struct|record|interface|enum) \w")]
    private static partial Regex DeclarationStart();
}
