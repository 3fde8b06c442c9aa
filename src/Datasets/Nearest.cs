namespace Hnn.Datasets;

/// <summary>
/// "Did you mean …?" suggestions for names (systems, parameters, config keys).
/// </summary>
public static class Nearest
{
    /// <summary>
    /// The candidate closest to <paramref name="input"/>, or null if none is reasonably close.
    /// Comparison is case-insensitive (invariant). Rules, in order:
    /// (1) a case-insensitive exact match;
    /// (2) the smallest <see cref="Distance"/>, accepted when it is at most max(1, round(0.4 · longer length))
    /// and the input has at least 3 characters (short inputs only match exactly);
    /// (3) for inputs of at least 3 characters, a candidate containing the input, or contained in it, as a substring
    /// (e.g. <c>pendulum</c> → <c>single-pendulum</c>).
    /// Ties are broken by candidate order. Null or empty candidates are ignored.
    /// </summary>
    public static string? Match(string input, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(candidates);

        var list = candidates.Where(c => !string.IsNullOrEmpty(c)).ToList();
        string needle = input.Trim().ToLowerInvariant();
        if (needle.Length == 0 || list.Count == 0)
        {
            return null;
        }

        foreach (var candidate in list)
        {
            if (string.Equals(candidate.ToLowerInvariant(), needle, StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        if (needle.Length < 3)
        {
            return null;
        }

        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in list)
        {
            string lowered = candidate.ToLowerInvariant();
            int distance = Distance(needle, lowered);
            int threshold = Math.Max(1, (int)Math.Round(0.4 * Math.Max(needle.Length, lowered.Length), MidpointRounding.AwayFromZero));
            if (distance <= threshold && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        if (best is not null)
        {
            return best;
        }

        foreach (var candidate in list)
        {
            string lowered = candidate.ToLowerInvariant();
            if (lowered.Contains(needle, StringComparison.Ordinal)
                || (lowered.Length >= 3 && needle.Contains(lowered, StringComparison.Ordinal)))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Edit distance between <paramref name="a"/> and <paramref name="b"/> (case-sensitive): Levenshtein
    /// (insertions, deletions, substitutions) plus transposition of adjacent characters, each costing 1
    /// (optimal string alignment distance).
    /// </summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);

        int n = a.Length, m = b.Length;
        if (n == 0)
        {
            return m;
        }

        if (m == 0)
        {
            return n;
        }

        var previous2 = new int[m + 1];
        var previous = new int[m + 1];
        var current = new int[m + 1];
        for (int j = 0; j <= m; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= n; i++)
        {
            current[0] = i;
            for (int j = 1; j <= m; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int value = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    value = Math.Min(value, previous2[j - 2] + 1);
                }

                current[j] = value;
            }

            (previous2, previous, current) = (previous, current, previous2);
        }

        return previous[m];
    }
}
