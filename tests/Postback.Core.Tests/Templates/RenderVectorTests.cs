using System.Globalization;
using Postback.Tests.Support;

namespace Postback.Tests.Templates;

/// <summary>Every case of the shared render vectors, as written: real-world templates from public platform documentation.</summary>
public sealed class RenderVectorTests
{
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var vector in RenderVector.Load())
        {
            data.Add(vector.Name);
        }

        return data;
    }

    [Fact]
    public void The_vector_file_is_the_full_set()
    {
        RenderVector.Load().Should().HaveCountGreaterThanOrEqualTo(25).And.OnlyHaveUniqueItems(v => v.Name);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Vector_renders_as_expected(string name)
    {
        var vector = RenderVector.Load().Single(v => v.Name == name);
        var options = vector.Options();

        if (vector.ParseError is { } parseError)
        {
            PostbackTemplate.TryParse(vector.Template, options, out var parsed, out var error).Should().BeFalse();
            parsed.Should().BeNull();
            error!.Position.Should().Be(parseError.Position, error.Message);
            error.Message.Should().Contain(parseError.Position.ToString(CultureInfo.InvariantCulture));
            var thrown = FluentActions.Invoking(() => PostbackTemplate.Parse(vector.Template, options)).Should().Throw<PostbackTemplateException>().Which;
            thrown.Error!.Position.Should().Be(parseError.Position);
            return;
        }

        var template = PostbackTemplate.Parse(vector.Template, options);
        var transaction = vector.Transaction();
        var previous = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            if (vector.Culture is { } culture)
            {
                CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
            }

            if (vector.RenderError)
            {
                template.TryRender(transaction, out var result, out var error).Should().BeFalse();
                result.Should().BeNull();
                error!.Message.Should().NotBeNullOrWhiteSpace();
                FluentActions.Invoking(() => template.Render(transaction)).Should().Throw<PostbackRenderException>();
                var buffer = new char[1024];
                FluentActions.Invoking(() => template.TryRender(transaction, buffer, out _)).Should().Throw<PostbackRenderException>();
                return;
            }

            template.Render(transaction).Should().Be(vector.Expected);

            var span = new char[template.GetRenderedLength(transaction)];
            template.TryRender(transaction, span, out var written).Should().BeTrue();
            new string(span, 0, written).Should().Be(vector.Expected);
            written.Should().Be(span.Length);
            template.TryRender(transaction, span.AsSpan(0, span.Length - 1), out _).Should().BeFalse("one character short must not fit");
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = previous;
        }
    }
}
