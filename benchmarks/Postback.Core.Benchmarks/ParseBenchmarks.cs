using System.Text;
using BenchmarkDotNet.Attributes;
using HandlebarsDotNet;

namespace Postback.Benchmarks;

/// <summary>Compiling a template once, before any render: the library's parser against the other compile-once APIs.</summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
[BenchmarkCategory("Parse")]
public class ParseBenchmarks
{
    private string _text = string.Empty;
    private string _compositeText = string.Empty;
    private string _handlebarsText = string.Empty;

    [Params(TemplateCase.FlexOffers, TemplateCase.AllMacros)]
    public TemplateCase Case { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Verification.Verify(Case);
        _text = Scenarios.Template(Case);
        _compositeText = Macros.ToCompositeFormat(Case);
        _handlebarsText = HandlebarsRenderer.Text(Case);
    }

    [Benchmark(Baseline = true)]
    public PostbackTemplate PostbackCore() => PostbackTemplate.Parse(_text);

    [Benchmark]
    public CompositeFormat CompositeFormatParse() => CompositeFormat.Parse(_compositeText);

    [Benchmark]
    public HandlebarsTemplate<object, object> HandlebarsCompile() => HandlebarsRenderer.Environment.Compile(_handlebarsText);
}
