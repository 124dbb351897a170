using BenchmarkDotNet.Attributes;

namespace Postback.Benchmarks;

/// <summary>Rendering one transaction to a string, against the hand-written optimum (the baseline) and the usual alternatives.</summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
[BenchmarkCategory("RenderToString")]
public class RenderToStringBenchmarks
{
    private PostbackTemplate _template = null!;
    private PostbackTransaction _tx = null!;
    private Order _order = null!;

    [Params(TemplateCase.FlexOffers, TemplateCase.AllMacros)]
    public TemplateCase Case { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Verification.Verify(Case);
        _template = PostbackTemplate.Parse(Scenarios.Template(Case));
        _tx = Scenarios.Transaction(Case);
        _order = Scenarios.Order(Case);
    }

    [Benchmark(Baseline = true)]
    public string HandWritten() => HandWrittenRenderer.Render(Case, _tx);

    [Benchmark]
    public string HandWrittenExactLength() => HandWrittenRenderer.RenderExactLength(Case, _tx);

    [Benchmark]
    public string PostbackCore() => _template.Render(_tx);

    [Benchmark]
    public string PostbackCoreStructSource() => _template.Render(new OrderValues(_order));

    [Benchmark]
    public string StringReplaceChain() => ReplaceChainRenderer.Render(Case, _tx);

    [Benchmark]
    public string RegexReplace() => RegexRenderer.Render(Case, _tx);

    [Benchmark]
    public string CompositeFormat() => CompositeFormatRenderer.Render(Case, _tx);

    [Benchmark]
    public string StdUriTemplate() => StdUriTemplateRenderer.Render(Case, _tx);

    [Benchmark]
    public string HandlebarsNet() => HandlebarsRenderer.Render(Case, _tx);
}
