using System.Text.Json.Serialization;
using Hnn.Pipeline.Planning;
using Hnn.Stages.Sampling;

namespace Hnn.Pipeline.Config;

/// <summary>
/// <c>model:</c> — the sweep of methods x widths x model seeds, the solve's rcond, the ELM bias range, A-SWIM's first
/// stage and the streamed path's SWIM candidate cap. Defaults: every sampled method, seed 0, rcond 1e-13, the ELM bias
/// range from the domain, A-SWIM as published, candidates max(20 N, 100000).
/// </summary>
internal static class ModelSection
{
    public static readonly string[] Keys = ["methods", "widths", "seeds", "seed", "rcond", "elm_bias", "a_swim_first", "swim_candidates", "target", "regularisation", "error_bars", "rollout_integrator", "weight_scale", "separable"];

    public static readonly string[] WeightScalePartKeys = ["q", "p"];

    public static readonly string[] ASwimFirstKeys = ["train_fraction", "width_fraction"];

    /// <summary>The method name of the gradient-trained baseline in model.methods.</summary>
    public const string AdamMethod = "adam";

    /// <summary>The method name of the HIG-trained baseline in model.methods.</summary>
    public const string HigMethod = "hig";

    /// <summary>Everything model.methods accepts: the registered methods' names (<see cref="Method.All"/>).</summary>
    public static IReadOnlyList<string> MethodNames { get; } = [.. Method.All.Select(m => m.Name)];

    /// <summary>model.methods when not given: every sampled method.</summary>
    public static IReadOnlyList<SampledMethod> DefaultMethods => Method.Sampled;

    public const ulong DefaultSeed = 0;

    public const double DefaultRcond = 1e-13;

    public const int MaxWidth = 1_000_000;

    /// <summary>The model section; <paramref name="adam"/>, <paramref name="hig"/>: model.methods lists adam, hig.</summary>
    public static ModelSpec Read(SpecReader r, MapNode root, out bool adam, out bool hig)
    {
        var map = r.Map(root, "model", "model", required: true);
        r.CheckKeys(map, "model", Keys);
        var methods = Methods(r, map, out adam, out hig);
        var widths = Widths(r, map);
        var seeds = r.Seeds(map, "model", DefaultSeed);
        var rcond = r.Double(map?["rcond"], "model.rcond") ?? DefaultRcond;
        if (rcond is < 0 or >= 1)
        {
            r.Problem("model.rcond", $"{SpecReader.Format(rcond)} is not allowed: must be in [0, 1)");
        }

        var swimCandidates = (int)(r.Integer(map?["swim_candidates"], "model.swim_candidates", 1, int.MaxValue) ?? 0);
        var separable = r.String(map, "separable", "model.separable", "false", ["true", "false"]) == "true";
        var (weightScale, separableLayer) = Scales(r, map, separable);
        if (methods.Count == 0 && (adam || hig))
        {
            // The layer options shape only the sampled layers; adam and hig train theirs.
            foreach (var key in new[] { "separable", "weight_scale" }.Where(k => map?[k] is not null))
            {
                r.Problem($"model.{key}", "applies to the sampled methods (elm, u-swim, swim, a-swim) only; model.methods lists none of them");
            }
        }

        return new ModelSpec(methods, widths, seeds, rcond, ElmBias(r, map), ASwimFirst(r, map)) { SwimCandidates = swimCandidates, WeightScale = weightScale, Separable = separableLayer };
    }

    /// <summary>
    /// model.weight_scale: one scale s (both halves of a separable layer) or, only with model.separable: true, a map
    /// {q: a, p: b} of the q-neurons' and p-neurons' scales (each defaults to 1).
    /// </summary>
    private static (double WeightScale, SeparableLayer? Separable) Scales(SpecReader r, MapNode? map, bool separable)
    {
        double Scale(ConfigNode? node, string path)
        {
            var v = r.Double(node, path) ?? WeightScale.Default;
            if (!WeightScale.IsValid(v))
            {
                r.Problem(path, $"{SpecReader.Format(v)} is not allowed: must be in (0, {SpecReader.Format(WeightScale.Max)}] (1 = the published samplers)");
                return WeightScale.Default;
            }

            return v;
        }

        if (map?["weight_scale"] is MapNode parts)
        {
            if (!separable)
            {
                r.Problem("model.weight_scale", "a map {q, p} of per-part scales is allowed only with model.separable: true (else one number, e.g. 0.5)");
                return (WeightScale.Default, null);
            }

            r.CheckKeys(parts, "model.weight_scale", WeightScalePartKeys);
            return (WeightScale.Default, new SeparableLayer(Scale(parts["q"], "model.weight_scale.q"), Scale(parts["p"], "model.weight_scale.p")));
        }

        var s = Scale(map?["weight_scale"], "model.weight_scale");
        return separable ? (WeightScale.Default, new SeparableLayer(s, s)) : (s, null);
    }

    private static List<SampledMethod> Methods(SpecReader r, MapNode? map, out bool adam, out bool hig)
    {
        var methods = new List<SampledMethod>();
        var listed = new List<(ConfigNode?, int, (Method Method, string Written))>();
        adam = false;
        hig = false;
        foreach (var (n, i) in r.OneOrMany(map?["methods"]).Select((n, i) => (n, i)))
        {
            var method = n is ScalarNode { Value: not null } s ? Method.Find(s.Value) : null;
            if (method is not null)
            {
                listed.Add((n, i, (method, ((ScalarNode)n).Value!.Trim())));
            }

            if (method is Adam)
            {
                adam = true;
            }
            else if (method is Hig)
            {
                hig = true;
            }
            else if (method is SampledMethod m)
            {
                if (!methods.Contains(m))
                {
                    methods.Add(m);
                }
            }
            else
            {
                r.NotOneOf(n, n is ScalarNode sc ? sc.Value ?? string.Empty : string.Empty, $"model.methods[{i}]", "a method", MethodNames);
            }
        }

        r.NotEmpty(map?["methods"], "model.methods", "method");
        Repeats.Check(r, "model.methods", listed, m => string.Equals(m.Written, m.Method.Name, StringComparison.Ordinal) ? m.Method.Name : $"'{Shown.Cut(m.Written)}' ({m.Method.Name})", "method",
            EqualityComparer<(Method Method, string Written)>.Create((a, b) => a.Method == b.Method, m => m.Method.GetHashCode()));
        if (map is not null && map["methods"] is null)
        {
            methods.AddRange(DefaultMethods);
        }

        return methods;
    }

    private static List<int> Widths(SpecReader r, MapNode? map)
    {
        var widths = new List<int>();
        var listed = new List<(ConfigNode?, int, int)>();
        foreach (var (n, i) in r.OneOrMany(map?["widths"]).Select((n, i) => (n, i)))
        {
            var w = r.Integer(n, $"model.widths[{i}]", 1, MaxWidth);
            if (w is not null)
            {
                listed.Add((n, i, (int)w));
                if (!widths.Contains((int)w))
                {
                    widths.Add((int)w);
                }
            }
        }

        Repeats.Check(r, "model.widths", listed, w => w.ToString(System.Globalization.CultureInfo.InvariantCulture), "width");

        if (map is not null && map["widths"] is null)
        {
            r.Problem("model.widths", "is required (one or more positive integers, e.g. [1000])");
        }

        r.NotEmpty(map?["widths"], "model.widths", "width (e.g. [1000])");
        return widths;
    }

    private static (double, double)? ElmBias(SpecReader r, MapNode? map)
    {
        if (map?["elm_bias"] is not { } node)
        {
            return null;
        }

        var vals = r.OneOrMany(node).Select((n, i) => r.Double(n, $"model.elm_bias[{i}]")).ToList();
        if (vals.Count != 2 || vals.Any(v => v is null) || vals[0] > vals[1])
        {
            r.Problem("model.elm_bias", "must be [low, high] with low <= high");
            return null;
        }

        return SpecLimits.Coordinate(r, vals[0]!.Value, "model.elm_bias[0]") & SpecLimits.Coordinate(r, vals[1]!.Value, "model.elm_bias[1]")
            ? (vals[0]!.Value, vals[1]!.Value)
            : null;
    }

    private static ASwimFirstStage ASwimFirst(SpecReader r, MapNode? model)
    {
        var map = r.Map(model, "a_swim_first", "model.a_swim_first", required: false);
        r.CheckKeys(map, "model.a_swim_first", ASwimFirstKeys);
        double Fraction(string key)
        {
            var v = r.Double(map?[key], $"model.a_swim_first.{key}") ?? 1;
            if (v is <= 0 or > 1)
            {
                r.Problem($"model.a_swim_first.{key}", $"{SpecReader.Format(v)} is not allowed: must be in (0, 1]");
                return 1;
            }

            return v;
        }

        return new ASwimFirstStage(Fraction("train_fraction"), Fraction("width_fraction"));
    }

    /// <summary>
    /// The JSON form; the streamed path's settings are written as a <c>stream</c> object of their own (see <see cref="StreamToJson"/>).
    /// model.weight_scale appears only when it is not 1, so the forms of earlier pipelines are unchanged.
    /// </summary>
    public static object ToJson(ModelSpec m, bool adam, bool hig) => new ModelJson(
        m.Methods.Select(x => x.Name).Concat(adam ? [AdamMethod] : []).Concat(hig ? [HigMethod] : []),
        m.Widths,
        m.Seeds,
        m.Rcond,
        m.ElmBias is { } b ? new[] { b.Low, b.High } : null,
        new { m.ASwimFirst.TrainFraction, m.ASwimFirst.WidthFraction },
        m.Separable is { } s ? new { Q = s.QScale, P = s.PScale } : m.WeightScale == WeightScale.Default ? null : m.WeightScale,
        m.Separable is null ? null : true);

    /// <summary>
    /// The model section's JSON form, in this key order; <c>weight_scale</c> (a number, or {q, p} when separable) and
    /// <c>separable</c> left out when null.
    /// </summary>
    private sealed record ModelJson(
        IEnumerable<string> Methods,
        IReadOnlyList<int> Widths,
        IReadOnlyList<ulong> Seeds,
        double Rcond,
        double[]? ElmBias,
        object ASwimFirst,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? WeightScale,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Separable);

    public static object? StreamToJson(DataSpec d, ModelSpec m) =>
        d.Streamed ? new { d.StreamRows, SwimCandidates = m.Widths.Select(m.CandidateCap).ToArray() } : null;
}
