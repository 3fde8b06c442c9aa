using System.Globalization;
using System.Text.Json;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Store;
using Hnn.Stages.Model;

namespace Hnn.Pipeline.Models;

/// <summary>
/// The Parquet weight file (docs/SCHEMA.md, "Model files"): one row per hidden neuron j with columns w_q1..w_qd,
/// w_p1..w_pd, b, c (the layout of a fit artifact) and the <see cref="ModelInfo"/> fields and c0 as key-value metadata
/// (numbers in round-trip form, lists and objects as JSON).
/// </summary>
internal static class ModelParquet
{
    /// <summary>The state's coordinate names q1..qd, p1..pd.</summary>
    public static IReadOnlyList<string> InputNames(int dof) =>
        [.. Enumerable.Range(1, dof).Select(i => $"q{i}"), .. Enumerable.Range(1, dof).Select(i => $"p{i}")];

    public static Table ToTable(HamiltonianModel model)
    {
        var (n, info) = (model.Network, model.Info);
        var names = InputNames(info.Dof);
        var cols = names.Select((nm, i) => ($"w_{nm}", n.Hidden.Weights[i])).Append(("b", n.Hidden.Biases)).Append(("c", n.Coefficients));
        var meta = new Dictionary<string, string>
        {
            ["format"] = ModelJson.FormatName,
            ["version"] = ModelJson.Version.ToString(CultureInfo.InvariantCulture),
            ["c0"] = R(n.OutputBias),
            ["dof"] = info.Dof.ToString(CultureInfo.InvariantCulture),
            ["method"] = info.Method,
            ["width"] = info.Width.ToString(CultureInfo.InvariantCulture),
            ["data_seed"] = info.DataSeed.ToString(CultureInfo.InvariantCulture),
            ["model_seed"] = info.ModelSeed.ToString(CultureInfo.InvariantCulture),
            ["system"] = info.System ?? "",
            ["system_params"] = JsonSerializer.Serialize(info.SystemParams.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary()),
            ["domain"] = info.DomainQ is null || info.DomainP is null ? "null" : JsonSerializer.Serialize(new { q = info.DomainQ, p = info.DomainP }),
            ["anchor_x0"] = JsonSerializer.Serialize(info.AnchorX0),
            ["anchor_h0"] = info.AnchorH0 is { } h0 ? R(h0) : "",
            ["run_id"] = info.RunId ?? "",
            ["artifact"] = info.Artifact ?? "",
        };
        return Table.FromDoubles(cols, meta);
    }

    public static HamiltonianModel Read(string path)
    {
        Table t;
        try
        {
            t = ParquetTableIO.ReadAsync(path).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not InputException)
        {
            throw new InputException($"{path}: not a readable Parquet file: {Shown.Cut(e.Message, 160)}");
        }

        var m = t.Metadata;
        string Meta(string key) => m.TryGetValue(key, out var v) ? v : throw new InputException($"{path}: metadata key '{key}' missing: not a model file written by hnn export");
        T Parse<T>(string key, Func<string, T?> parse)
            where T : struct =>
            parse(Meta(key)) ?? throw new InputException($"{path}: metadata key '{key}' value '{Shown.Cut(Meta(key))}' is not allowed");
        if (Meta("format") != ModelJson.FormatName)
        {
            throw new InputException($"{path}: metadata 'format' is not '{ModelJson.FormatName}': not a model file written by hnn export");
        }

        var dof = Parse("dof", s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 1000 ? v : (int?)null);
        double[] Col(string name) => t.HasColumn(name) && t.GetColumn(name).Type == ColumnType.Double
            ? t.Column(name)
            : throw new InputException($"{path}: no double column '{name}' (a model with {dof} degree(s) of freedom has columns {string.Join(", ", InputNames(dof).Select(nm => $"w_{nm}"))}, b, c)");
        double? Num(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;
        T? Json<T>(string key)
        {
            try
            {
                return JsonSerializer.Deserialize<T>(Meta(key));
            }
            catch (JsonException)
            {
                throw new InputException($"{path}: metadata key '{key}' is not valid JSON");
            }
        }

        var domain = Json<Dictionary<string, double[][]>>("domain");
        var h0 = Meta("anchor_h0");
        var info = new ModelInfo(
            dof,
            Meta("method"),
            Parse("width", s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= 1 ? v : (int?)null),
            Parse("data_seed", s => ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : (ulong?)null),
            Parse("model_seed", s => ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : (ulong?)null),
            Meta("system") is { Length: > 0 } sys ? sys : null,
            Json<Dictionary<string, double>>("system_params") ?? [],
            domain?.GetValueOrDefault("q"),
            domain?.GetValueOrDefault("p"),
            Json<double[]>("anchor_x0") ?? [],
            h0.Length == 0 ? null : Parse("anchor_h0", Num),
            Meta("run_id") is { Length: > 0 } id ? id : null,
            Meta("artifact") is { Length: > 0 } a ? a : null);
        var weights = InputNames(dof).Select(nm => Col($"w_{nm}")).ToArray();
        return Build(path, weights, Col("b"), Col("c"), Parse("c0", Num), info);
    }

    /// <summary>Checks the parts against each other (lengths, finite values) and builds the model.</summary>
    public static HamiltonianModel Build(string path, double[][] weights, double[] b, double[] c, double c0, ModelInfo info)
    {
        var width = b.Length;
        if (width == 0 || width != info.Width || c.Length != width || weights.Any(w => w.Length != width))
        {
            throw new InputException($"{path}: the weights, b and c must each have 'width' = {info.Width} entries (b has {b.Length}, c has {c.Length})");
        }

        foreach (var (name, values) in InputNames(info.Dof).Select((nm, i) => ($"w_{nm}", weights[i])).Append(("b", b)).Append(("c", c)))
        {
            var bad = Array.FindIndex(values, v => !double.IsFinite(v));
            if (bad >= 0)
            {
                throw new InputException($"{path}: '{name}' entry {bad + 1} is {values[bad].ToString(CultureInfo.InvariantCulture)}: weights must be finite numbers");
            }
        }

        if (info.AnchorX0.Length != 2 * info.Dof)
        {
            throw new InputException($"{path}: anchor x0 has {info.AnchorX0.Length} value(s), the model has {2 * info.Dof} coordinates");
        }

        return new HamiltonianModel(new Network(new HiddenLayer(weights, b), c, c0), info);
    }

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
