using BenchmarkDotNet.Attributes;

namespace Postback.Benchmarks;

/// <summary>Rendering one transaction into a caller's buffer, against hand-written code for the same template (the baseline).</summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
[BenchmarkCategory("RenderToSpan")]
public class RenderToSpanBenchmarks
{
    private readonly char[] _buffer = new char[4096];
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
    public int HandWritten() => HandWrittenRenderer.TryWrite(Case, _tx, _buffer, out var n) ? n : -1;

    [Benchmark]
    public int PostbackCore() => _template.TryRender(_tx, _buffer, out var n) ? n : -1;

    [Benchmark]
    public int PostbackCoreStructSource() => _template.TryRender(new OrderValues(_order), _buffer, out var n) ? n : -1;
}
