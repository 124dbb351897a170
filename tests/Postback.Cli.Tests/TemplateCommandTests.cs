using Postback.Cli.Tests.Support;

namespace Postback.Cli.Tests;

/// <summary>lint and render, run as a process, checked on their output and exit codes.</summary>
public sealed class TemplateCommandTests
{
    [Fact]
    public async Task Lint_of_a_bad_template_exits_1_with_the_template_echoed_and_a_caret_under_the_position()
    {
        const string template = "https://yourdomain.com/pixel.track?sid=#fob#&orderid=#on#";

        var run = await Tool.RunAsync("lint", template);

        run.ExitCode.Should().Be(1, run.ToString());
        var lines = run.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        lines.Should().Contain(l => l.Contains("error UnknownMacro: Unknown macro '#fob#' at position 39."));
        var echo = lines.FindIndex(l => l.EndsWith(template, StringComparison.Ordinal));
        echo.Should().BeGreaterThan(0, run.ToString());
        var caret = lines[echo + 1];
        caret.IndexOf('^').Should().Be(lines[echo].IndexOf(template, StringComparison.Ordinal) + 39, "the caret stands under the '#' of '#fob#'");
        template[39..44].Should().Be("#fob#");
        run.Output.Should().Contain("Did you mean '#fobs#'?");
    }

    [Fact]
    public async Task Lint_of_a_valid_template_lists_each_warning_with_its_id_and_exits_0_or_1_with_strict()
    {
        const string template = "http://yourdomain.com/pixel.track?sid=#fobs#&amount=#sa#";

        var run = await Tool.RunAsync("lint", template);
        var strict = await Tool.RunAsync("lint", template, "--strict");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Output.Should().Contain("valid, with warnings").And.Contain("2 macros: #fobs#, #sa#").And.Contain("warning PB106:");
        strict.ExitCode.Should().Be(1, strict.ToString());
    }

    [Fact]
    public async Task Lint_reads_one_template_per_line_from_standard_input_and_ends_with_a_summary()
    {
        const string input = "https://a.example/pb?s=#fobs#\nhttp://b.example/pb?s=#fobs#\n\nhttps://c.example/pb?s=#fob#\n";

        var run = await Tool.RunAsync(["lint", "-"], input);

        run.ExitCode.Should().Be(1, run.ToString());
        run.Output.Should().Contain("line 2: warning PB106").And.Contain("line 4: error UnknownMacro");
        run.Output.TrimEnd().Split('\n')[^1].Should().Be("3 templates: 1 ok, 1 with warnings, 1 invalid");
    }

    [Fact]
    public async Task Lint_reads_a_file_with_other_syntax_and_catalog()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(file, ["https://t.example/pb?cid={clickid}&payout={payout}", "https://t.example/pb?cid={transaction_id}"]);

            var run = await Tool.RunAsync("lint", "--file", file, "--syntax", "braces", "--catalog", "open");

            run.ExitCode.Should().Be(0, run.ToString());
            run.Output.Should().Contain("2 templates: 2 ok, 0 with warnings, 0 invalid");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Render_prints_the_engines_output_then_each_macros_context_raw_and_encoded_value()
    {
        var run = await Tool.RunAsync(
            "render", "https://partner.example/pb?sid=#fobs#&amount=#sa#&date=#et#&x=#fobs2|none#",
            "--set", "fobs=a b&c", "--set", "sa=12.5", "--set", "et=2026-11-26T18:45:00Z");

        run.ExitCode.Should().Be(0, run.ToString());
        var lines = run.Output.Split('\n').Select(l => l.TrimEnd()).ToList();
        lines[0].Should().Be("https://partner.example/pb?sid=a%20b%26c&amount=12.5&date=2026-11-26T18%3A45%3A00Z&x=none");
        Row(lines, "#fobs#").Should().Equal("#fobs#", "Query", "a b&c", "a%20b%26c");
        Row(lines, "#sa#").Should().Equal("#sa#", "Query", "12.5", "12.5");
        Row(lines, "#et#")[3].Should().Be("2026-11-26T18%3A45%3A00Z");
        Row(lines, "#fobs2#").Should().Equal("#fobs2#", "Query", "(missing; default 'none')", "none");
    }

    [Fact]
    public async Task Render_of_a_json_body_reads_values_from_a_file_and_shows_json_encoding()
    {
        var values = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(values, """{ "fobs": "say \"hi\"", "sa": 12.50 }""");

            var run = await Tool.RunAsync("render", """{"sid": "#fobs#", "amount": #sa#, "order": #on#}""", "--kind", "json", "--values", values);

            run.ExitCode.Should().Be(0, run.ToString());
            run.Output.Should().StartWith("""{"sid": "say \"hi\"", "amount": 12.50, "order": null}""");
            var lines = run.Output.Split('\n').Select(l => l.TrimEnd()).ToList();
            Row(lines, "#fobs#").Should().Equal("#fobs#", "JsonString", "say \"hi\"", "say \\\"hi\\\"");
            Row(lines, "#on#").Should().Equal("#on#", "JsonValue", "(missing)", "null");
        }
        finally
        {
            File.Delete(values);
        }
    }

    [Fact]
    public async Task Render_of_a_value_that_cannot_stand_in_the_host_exits_1()
    {
        var run = await Tool.RunAsync("render", "https://#fobs#.example/pb", "--set", "fobs=evil.example/x");

        run.ExitCode.Should().Be(1, run.ToString());
        run.Output.Should().Contain("error InvalidHost");
    }

    /// <summary>A table row's cells: the columns are separated by runs of two or more spaces.</summary>
    private static string[] Row(List<string> lines, string macro) =>
        System.Text.RegularExpressions.Regex.Split(lines.Single(l => l.TrimStart().StartsWith(macro + " ", StringComparison.Ordinal)).Trim(), @"\s{2,}");
}
