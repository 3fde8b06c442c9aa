using System.Collections.ObjectModel;

namespace Hnn.Datasets;

/// <summary>
/// Creates <see cref="HamiltonianSystem"/>s by registry name and parameter dictionary (e.g. from a config file).
/// Names and parameter keys are matched exactly (ordinal); errors suggest the nearest valid spelling.
/// </summary>
public static class SystemRegistry
{
    private sealed record Entry(
        string Name,
        IReadOnlyList<(string Key, double Default)> Parameters,
        Func<Func<string, double>, HamiltonianSystem> Factory,
        IReadOnlySet<string> IntegerParameters);

    private static readonly IReadOnlySet<string> NoIntegers = new HashSet<string>(StringComparer.Ordinal);

    private static readonly Entry[] Entries =
    [
        new(MassSpring.RegistryName, [("k", 1.0), ("m", 1.0), ("q_eq", 1.0)],
            p => new MassSpring(p("k"), p("m"), p("q_eq")), NoIntegers),
        new(SinglePendulum.RegistryName, [("f", 1.0)],
            p => new SinglePendulum(p("f")), NoIntegers),
        new(LotkaVolterra.RegistryName, [("alpha", -2.0), ("beta", -1.0), ("gamma", -1.0), ("delta", -1.0)],
            p => new LotkaVolterra(p("alpha"), p("beta"), p("gamma"), p("delta")), NoIntegers),
        new(DoublePendulum.RegistryName, [],
            _ => new DoublePendulum(), NoIntegers),
        new(HenonHeiles.RegistryName, [("alpha", 1.0)],
            p => new HenonHeiles(p("alpha")), NoIntegers),
        new(HarmonicChain.RegistryName, [("n", 2.0), ("alpha", 0.25)],
            p => new HarmonicChain((int)p("n"), p("alpha")), new HashSet<string>(["n"], StringComparer.Ordinal)),
        new(CoupledOscillators.RegistryName, [("k", 1.0), ("kc", 0.5)],
            p => new CoupledOscillators(p("k"), p("kc")), NoIntegers),
        new(Kepler.RegistryName, [("k", 1.0), ("dim", 2.0)],
            p => new Kepler(p("k"), (int)p("dim")), new HashSet<string>(["dim"], StringComparer.Ordinal)),
        new(Fput.RegistryName, [("n", 8.0), ("alpha", 0.25), ("beta", 0.0), ("periodic", 1.0)],
            p => new Fput((int)p("n"), p("alpha"), p("beta"), Boolean(p("periodic"), Fput.RegistryName, "periodic")),
            new HashSet<string>(["n", "periodic"], StringComparer.Ordinal)),
    ];

    /// <summary>
    /// All registry names: mass-spring, single-pendulum, lotka-volterra, double-pendulum, henon-heiles,
    /// harmonic-chain, coupled-oscillators, kepler, fput.
    /// </summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(Entries.Select(e => e.Name).ToArray());

    /// <summary>The parameter names accepted by system <paramref name="name"/>, in declaration order.</summary>
    /// <exception cref="ArgumentException">Unknown system name.</exception>
    public static IReadOnlyList<string> ParameterNames(string name) =>
        Array.AsReadOnly(Find(name).Parameters.Select(p => p.Key).ToArray());

    /// <summary>The default value of every parameter of system <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown system name.</exception>
    public static IReadOnlyDictionary<string, double> DefaultParameters(string name) =>
        new ReadOnlyDictionary<string, double>(Find(name).Parameters.ToDictionary(p => p.Key, p => p.Default, StringComparer.Ordinal));

    /// <summary>
    /// Creates system <paramref name="name"/>. Parameters not given take their defaults; null means all defaults.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// Unknown system name (message lists the valid names and the nearest one), unknown parameter (message names
    /// it and the allowed ones), non-finite or non-integer value where an integer is required, or a value outside
    /// the system's allowed range.
    /// </exception>
    public static HamiltonianSystem Create(string name, IReadOnlyDictionary<string, double>? parameters = null)
    {
        var entry = Find(name);
        var given = parameters ?? new Dictionary<string, double>();
        var allowed = entry.Parameters.Select(p => p.Key).ToArray();

        foreach (var (key, value) in given)
        {
            if (!allowed.Contains(key, StringComparer.Ordinal))
            {
                string hint = allowed.Length == 0
                    ? $"System '{entry.Name}' takes no parameters."
                    : Suggestion(key, allowed) + $"Allowed parameters: {string.Join(", ", allowed)}.";
                throw new ArgumentException($"Unknown parameter '{key}' for system '{entry.Name}'. {hint}", nameof(parameters));
            }

            if (!double.IsFinite(value))
            {
                throw new ArgumentException(
                    $"Parameter '{key}' of system '{entry.Name}' is {Guard.Format(value)}; it must be finite.", nameof(parameters));
            }

            if (entry.IntegerParameters.Contains(key) && (value != Math.Floor(value) || Math.Abs(value) > int.MaxValue))
            {
                throw new ArgumentException(
                    $"Parameter '{key}' of system '{entry.Name}' is {Guard.Format(value)}; it must be an integer.", nameof(parameters));
            }
        }

        double Lookup(string key) =>
            given.TryGetValue(key, out var v) ? v : entry.Parameters.First(p => p.Key == key).Default;

        return entry.Factory(Lookup);
    }

    private static bool Boolean(double value, string system, string parameter) => value switch
    {
        0 => false,
        1 => true,
        _ => throw new ArgumentException($"Parameter '{parameter}' of system '{system}' is {Guard.Format(value)}; it must be 0 or 1."),
    };

    private static Entry Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var entry in Entries)
        {
            if (string.Equals(entry.Name, name, StringComparison.Ordinal))
            {
                return entry;
            }
        }

        throw new ArgumentException(
            $"Unknown system '{name}'. {Suggestion(name, Names)}Valid systems: {string.Join(", ", Names)}.", nameof(name));
    }

    private static string Suggestion(string input, IEnumerable<string> candidates) =>
        Nearest.Match(input, candidates) is { } match ? $"Did you mean '{match}'? " : string.Empty;
}
