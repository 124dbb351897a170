using System;
using System.Collections.Generic;

namespace Postback.Cli.Commands.Render;

/// <summary>
/// Finds where each macro's encoded value lands in the engine's own output, so the table shows what the engine wrote
/// rather than a re-implementation of its encoders.
/// </summary>
/// <remarks>
/// The template is rendered through the public <c>TryRender(source, span, ...)</c> into a buffer filled with NUL, with
/// this class as the value source. The engine fetches each macro's value once, in template order, just before writing
/// it, and writes the output front to back; so at each fetch the first NUL in the buffer is where that value starts.
/// No encoder ever writes a NUL (it is %00 in a URL or form, \u0000 in JSON; a host, port or raw value holding one
/// fails), and a template cannot hold one either (it is checked first). A value ends where the literal text that
/// follows its macro in the template begins, since literals are copied verbatim.
/// </remarks>
internal sealed class MacroProbe : IPostbackValueSource
{
    private readonly PostbackTransaction _transaction;
    private readonly char[] _buffer;
    private readonly List<int> _starts = [];
    private readonly List<PostbackValue> _values = [];

    private MacroProbe(PostbackTransaction transaction, int length)
    {
        _transaction = transaction;
        _buffer = new char[length];
    }

    public PostbackValue GetValue(MacroDefinition macro)
    {
        var start = Array.IndexOf(_buffer, '\0');
        _starts.Add(start < 0 ? _buffer.Length : start);
        var value = _transaction.GetValue(macro);
        _values.Add(value);
        return value;
    }

    /// <summary>Each macro's value as given and as encoded; <see langword="null"/> when the probe cannot apply.</summary>
    /// <param name="template">The template.</param>
    /// <param name="transaction">The values.</param>
    /// <param name="rendered">The engine's output for the same values (from <c>TryRender</c>).</param>
    public static IReadOnlyList<(PostbackValue Value, string Encoded)>? Probe(PostbackTemplate template, PostbackTransaction transaction, string rendered)
    {
        if (template.Text.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        var probe = new MacroProbe(transaction, rendered.Length + 1);
        if (!template.TryRender(probe, probe._buffer, out var written) || written != rendered.Length)
        {
            return null;
        }

        var macros = template.Macros;
        if (probe._starts.Count != macros.Count)
        {
            // A macro the engine never asks a value for (an unknown macro rendered empty): positions would not line up.
            return null;
        }

        var result = new List<(PostbackValue, string)>(macros.Count);
        for (var i = 0; i < macros.Count; i++)
        {
            var literalAfter = i + 1 < macros.Count
                ? macros[i + 1].Position - (macros[i].Position + macros[i].Length)
                : template.Text.Length - (macros[i].Position + macros[i].Length);
            var end = (i + 1 < macros.Count ? probe._starts[i + 1] : written) - literalAfter;
            var start = probe._starts[i];
            result.Add((probe._values[i], end >= start ? new string(probe._buffer, start, end - start) : "?"));
        }

        return result;
    }
}
