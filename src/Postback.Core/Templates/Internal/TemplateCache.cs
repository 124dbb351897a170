using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Threading;

namespace Postback.Internal;

/// <summary>
/// Compiled templates for endpoints that come from providers, so a definition read from a database for every
/// transaction is parsed once. Bounded the simple way: when full, it is cleared. Reads take no lock.
/// </summary>
internal sealed class TemplateCache(int capacity)
{
    private int _capacity = capacity;

    // Longer texts are parsed each time rather than pinned in memory: they are rare, and a provider could otherwise
    // fill the cache with very large strings.
    private const int MaxCachedLength = 4096;

    private readonly ConcurrentDictionary<(string Text, PostbackTemplateOptions Options), PostbackTemplate> _templates = new();

    public int Count => _templates.Count;

    /// <summary>Gets or sets how many templates are kept; 0 turns the cache off. Lowering it below the count clears the cache.</summary>
    public int Capacity
    {
        get => Volatile.Read(ref _capacity);
        set
        {
            if (Interlocked.Exchange(ref _capacity, value) != value && _templates.Count > value)
            {
                _templates.Clear();
            }
        }
    }

    public bool TryGet(
        string text,
        PostbackTemplateOptions options,
        [NotNullWhen(true)] out PostbackTemplate? template,
        [NotNullWhen(false)] out PostbackTemplateError? error)
    {
        var key = (text, options);
        if (_templates.TryGetValue(key, out template))
        {
            error = null;
            return true;
        }

        if (!PostbackTemplate.TryParse(text, options, out template, out error))
        {
            return false;
        }

        var capacity = Capacity;
        if (capacity > 0 && text.Length <= MaxCachedLength)
        {
            if (_templates.Count >= capacity)
            {
                _templates.Clear();
            }

            _templates.TryAdd(key, template);
        }

        return true;
    }
}
