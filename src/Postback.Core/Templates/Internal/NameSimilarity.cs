using System;
using System.Collections.Generic;

namespace Postback.Internal;

/// <summary>Finds the names nearest to a misspelt one, for "did you mean" messages. Runs only on the error path.</summary>
internal static class NameSimilarity
{
    public static string[] Closest(ReadOnlySpan<char> name, IEnumerable<string> candidates, int max)
    {
        // Two edits cover the usual slips (a dropped 's', a transposition, fobs1 for fobs) without suggesting
        // unrelated short names; for very short names one edit is the limit.
        var limit = name.Length <= 3 ? 1 : 2;
        var found = new List<(int Distance, string Name)>();
        foreach (var candidate in candidates)
        {
            // Case is ignored even for a case-sensitive catalog: '{SUBID}' should still point to '{subid}'.
            var distance = Distance(name, candidate, ignoreCase: true);
            if (distance <= limit)
            {
                found.Add((distance, candidate));
            }
        }

        found.Sort(static (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : string.CompareOrdinal(a.Name, b.Name));
        // A name that differs only in case is the answer; nothing else is worth showing beside it.
        if (found.Count > 0 && found[0].Distance == 0)
        {
            found.RemoveAll(static f => f.Distance > 0);
        }

        var count = Math.Min(max, found.Count);
        var result = new string[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = found[i].Name;
        }

        return result;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.</summary>
    internal static int Distance(ReadOnlySpan<char> a, ReadOnlySpan<char> b, bool ignoreCase)
    {
        var width = b.Length + 1;
        var d = new int[(a.Length + 1) * width];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i * width] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = Same(a[i - 1], b[j - 1], ignoreCase) ? 0 : 1;
                var best = Math.Min(Math.Min(d[((i - 1) * width) + j] + 1, d[(i * width) + j - 1] + 1), d[((i - 1) * width) + j - 1] + cost);
                if (i > 1 && j > 1 && Same(a[i - 1], b[j - 2], ignoreCase) && Same(a[i - 2], b[j - 1], ignoreCase))
                {
                    best = Math.Min(best, d[((i - 2) * width) + j - 2] + 1);
                }

                d[(i * width) + j] = best;
            }
        }

        return d[(a.Length * width) + b.Length];
    }

    private static bool Same(char x, char y, bool ignoreCase) =>
        x == y || (ignoreCase && char.ToUpperInvariant(x) == char.ToUpperInvariant(y));
}
