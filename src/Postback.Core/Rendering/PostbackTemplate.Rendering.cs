using System;
using System.Diagnostics.CodeAnalysis;
using Postback.Internal;

namespace Postback;

public sealed partial class PostbackTemplate
{
    /// <summary>Renders the template for a transaction.</summary>
    /// <param name="transaction">The transaction's values.</param>
    /// <returns>The rendered text.</returns>
    /// <exception cref="PostbackRenderException">A value cannot be placed safely, such as a host macro whose value is not a host name.</exception>
    public string Render(PostbackTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return Render(new TransactionSource(transaction));
    }

    /// <summary>Renders the template from any value source, such as a struct that wraps your own domain type.</summary>
    /// <typeparam name="TSource">The value source's type; a struct or ref struct avoids boxing.</typeparam>
    /// <param name="source">The values.</param>
    /// <returns>The rendered text; the only allocation.</returns>
    /// <exception cref="PostbackRenderException">A value cannot be placed safely.</exception>
    public string Render<TSource>(TSource source)
        where TSource : IPostbackValueSource, allows ref struct
    {
        if (!TemplateRenderer.TryRenderToString(this, ref source, out var result, out var failure))
        {
            throw new PostbackRenderException(RenderErrors.Create(this, failure));
        }

        return result;
    }

    /// <summary>Tries to render the template for a transaction, reporting an unsafe value as an error rather than an exception.</summary>
    /// <param name="transaction">The transaction's values.</param>
    /// <param name="result">The rendered text, on success.</param>
    /// <param name="error">Which macro failed and why, on failure.</param>
    /// <returns><see langword="true"/> on success.</returns>
    public bool TryRender(PostbackTransaction transaction, [NotNullWhen(true)] out string? result, [NotNullWhen(false)] out PostbackRenderError? error)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return TryRender(new TransactionSource(transaction), out result, out error);
    }

    /// <summary>Tries to render the template from any value source, reporting an unsafe value as an error rather than an exception.</summary>
    /// <typeparam name="TSource">The value source's type.</typeparam>
    /// <param name="source">The values.</param>
    /// <param name="result">The rendered text, on success.</param>
    /// <param name="error">Which macro failed and why, on failure.</param>
    /// <returns><see langword="true"/> on success.</returns>
    public bool TryRender<TSource>(TSource source, [NotNullWhen(true)] out string? result, [NotNullWhen(false)] out PostbackRenderError? error)
        where TSource : IPostbackValueSource, allows ref struct
    {
        if (TemplateRenderer.TryRenderToString(this, ref source, out result, out var failure))
        {
            error = null;
            return true;
        }

        error = RenderErrors.Create(this, failure);
        return false;
    }

    /// <summary>Renders the template into a span, allocating nothing.</summary>
    /// <param name="transaction">The transaction's values.</param>
    /// <param name="destination">Where to write.</param>
    /// <param name="charsWritten">How many characters were written.</param>
    /// <returns><see langword="false"/> when <paramref name="destination"/> is too small; nothing useful is written then.</returns>
    /// <exception cref="PostbackRenderException">A value cannot be placed safely.</exception>
    public bool TryRender(PostbackTransaction transaction, Span<char> destination, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return TryRender(new TransactionSource(transaction), destination, out charsWritten);
    }

    /// <summary>Renders the template from any value source into a span, allocating nothing.</summary>
    /// <typeparam name="TSource">The value source's type; a struct or ref struct avoids boxing.</typeparam>
    /// <param name="source">The values.</param>
    /// <param name="destination">Where to write.</param>
    /// <param name="charsWritten">How many characters were written.</param>
    /// <returns><see langword="false"/> when <paramref name="destination"/> is too small; nothing useful is written then.</returns>
    /// <exception cref="PostbackRenderException">A value cannot be placed safely.</exception>
    public bool TryRender<TSource>(TSource source, Span<char> destination, out int charsWritten)
        where TSource : IPostbackValueSource, allows ref struct
    {
        var status = TemplateRenderer.Render(this, ref source, destination, out charsWritten, out var failure);
        if (status == WriteStatus.Invalid)
        {
            throw new PostbackRenderException(RenderErrors.Create(this, failure));
        }

        return status == WriteStatus.Done;
    }

    /// <summary>Returns the exact number of characters rendering this transaction produces, to size a buffer.</summary>
    /// <param name="transaction">The transaction's values.</param>
    /// <returns>The length.</returns>
    /// <exception cref="PostbackRenderException">A value cannot be placed safely.</exception>
    public int GetRenderedLength(PostbackTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return GetRenderedLength(new TransactionSource(transaction));
    }

    /// <summary>Returns the exact number of characters rendering these values produces, to size a buffer.</summary>
    /// <typeparam name="TSource">The value source's type.</typeparam>
    /// <param name="source">The values.</param>
    /// <returns>The length.</returns>
    /// <exception cref="PostbackRenderException">A value cannot be placed safely.</exception>
    public int GetRenderedLength<TSource>(TSource source)
        where TSource : IPostbackValueSource, allows ref struct
    {
        return TemplateRenderer.TryMeasure(this, ref source, out var written, out var failure)
            ? written
            : throw new PostbackRenderException(RenderErrors.Create(this, failure));
    }
}
