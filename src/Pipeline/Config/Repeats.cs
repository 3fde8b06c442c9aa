namespace Hnn.Pipeline.Config;

/// <summary>
/// Lists in which a repeat means nothing (model.methods, model.widths, seeds, rollout.initial, rollout.integrators,
/// a sweep key's values, ...): a value given twice is refused, at the entry that repeats it, with the project's one
/// line form — <c>p.yaml:12: model.widths[1]: 200 appears twice (each width once)</c> — instead of being merged
/// silently. Two spellings of one value (a method's alias, 1e-3 and 0.001) are the same value.
/// </summary>
internal static class Repeats
{
    /// <summary>
    /// Reports every value of <paramref name="items"/> that appears more than once (once per value, at its second
    /// entry); <paramref name="key"/> is the list's key (the entry's index is added), <paramref name="what"/> the kind
    /// of entry ("width"). Returns whether there was a repeat.
    /// </summary>
    public static bool Check<T>(SpecReader r, string key, IReadOnlyList<(ConfigNode? Node, int Index, T Value)> items, Func<T, string> show, string what,
        IEqualityComparer<T>? comparer = null)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(show);
        comparer ??= EqualityComparer<T>.Default;
        var found = false;
        var reported = new List<T>();
        for (var i = 0; i < items.Count; i++)
        {
            var v = items[i].Value;
            var first = -1;
            for (var j = 0; j < i && first < 0; j++)
            {
                first = comparer.Equals(items[j].Value, v) ? j : -1;
            }

            if (first < 0 || reported.Any(x => comparer.Equals(x, v)))
            {
                continue;
            }

            reported.Add(v);
            found = true;
            var count = items.Count(x => comparer.Equals(x.Value, v));
            r.Problem(items[i].Node, $"{key}[{items[i].Index}]", $"{show(v)} appears {Times(count)} (each {what} once; first at {key}[{items[first].Index}])");
        }

        return found;
    }

    /// <summary>A repeated entry of a command-line list option (one <see cref="InputException"/> line), or nothing.</summary>
    public static void CheckOption<T>(string option, string text, IReadOnlyList<T> values, Func<T, string> show, string what, IEqualityComparer<T>? comparer = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(show);
        comparer ??= EqualityComparer<T>.Default;
        for (var i = 0; i < values.Count; i++)
        {
            var count = values.Count(x => comparer.Equals(x, values[i]));
            if (count > 1)
            {
                throw new InputException($"{option} '{Shown.Cut(text)}': {show(values[i])} appears {Times(count)} (each {what} once)");
            }
        }
    }

    /// <summary>"twice", "3 times", ...</summary>
    public static string Times(int count) => count == 2 ? "twice" : $"{count} times";

    /// <summary>Equal sequences of numbers (rollout states).</summary>
    public static IEqualityComparer<double[]> Sequence { get; } = new SequenceComparer();

    private sealed class SequenceComparer : IEqualityComparer<double[]>
    {
        public bool Equals(double[]? x, double[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode(double[] obj) => obj.Length;
    }
}
