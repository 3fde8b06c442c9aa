using ScottPlot;

namespace Hnn.Pipeline.Report;

/// <summary>
/// One look per method and per integrator across every figure of a report: colours from the Okabe-Ito palette (told
/// apart with the common colour-vision deficiencies), and a distinct line pattern and width each, so that curves stay
/// apart in greyscale too and a curve drawn over an identical one leaves the wider one beneath visible. Unknown
/// names fall back to the plot's palette in order.
/// </summary>
public static class ReportStyle
{
    /// <summary>A series' look; <see cref="PatternName"/>: solid, dashed, densely-dashed or dotted.</summary>
    public sealed record Look(string Hex, string PatternName, float Width, MarkerShape Marker)
    {
        public Color Color => Color.FromHex(Hex);

        public LinePattern Pattern => PatternName switch
        {
            "dashed" => LinePattern.Dashed,
            "densely-dashed" => LinePattern.DenselyDashed,
            "dotted" => LinePattern.Dotted,
            _ => LinePattern.Solid,
        };
    }

    private static readonly Dictionary<string, Look> Looks = new(StringComparer.Ordinal)
    {
        // Methods (drawn widest first, so a later identical curve does not hide an earlier one).
        ["elm"] = new("#E69F00", "solid", 3.2f, MarkerShape.FilledSquare),
        ["u-swim"] = new("#56B4E9", "dashed", 2.6f, MarkerShape.FilledTriangleUp),
        ["a-swim"] = new("#009E73", "solid", 2.0f, MarkerShape.FilledCircle),
        ["swim"] = new("#CC79A7", "dotted", 1.6f, MarkerShape.FilledDiamond),
        ["adam"] = new("#D55E00", "densely-dashed", 1.6f, MarkerShape.Cross),
        ["hig"] = new("#0072B2", "solid", 2.0f, MarkerShape.Eks),
        ["sip"] = new("#E69F00", "dotted", 1.8f, MarkerShape.FilledSquare),

        // The truth.
        ["true H"] = new("#000000", "solid", 1.2f, MarkerShape.OpenCircle),

        // Both edges of an error band (one look: they are one band, not two quantities).
        ["band"] = new("#7F7F7F", "dashed", 1.4f, MarkerShape.None),

        // Integrators.
        ["euler"] = new("#D55E00", "solid", 2.4f, MarkerShape.Cross),
        ["symplectic-euler"] = new("#0072B2", "solid", 2.0f, MarkerShape.FilledSquare),
        ["verlet"] = new("#009E73", "dashed", 2.0f, MarkerShape.FilledTriangleUp),
        ["implicit-midpoint"] = new("#CC79A7", "dotted", 2.0f, MarkerShape.FilledDiamond),
        ["rk4"] = new("#E69F00", "densely-dashed", 1.6f, MarkerShape.FilledCircle),
        ["dop853"] = new("#000000", "dotted", 1.2f, MarkerShape.OpenCircle),
    };

    /// <summary>The look of <paramref name="key"/> (a method, an integrator, "true H" or "band"), or null for an unknown key.</summary>
    public static Look? For(string? key) => key is not null && Looks.TryGetValue(key, out var look) ? look : null;

    /// <summary>The keys with a fixed look (methods, integrators, "true H").</summary>
    public static IReadOnlyCollection<string> Keys => Looks.Keys;
}
