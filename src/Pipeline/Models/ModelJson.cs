using System.Text.Json;
using Hnn.Pipeline.Config;
using Hnn.Stages.Model;

namespace Hnn.Pipeline.Models;

/// <summary>
/// The JSON weight file (docs/SCHEMA.md, "Model files"): the <see cref="ModelInfo"/> fields, then <c>w</c> (one array of
/// N weights per input, keyed q1..qd, p1..pd), <c>b</c>, <c>c</c> (N values each) and <c>c0</c>. Numbers are written in
/// the shortest form that parses back to the same double, so a file round-trips bit for bit.
/// </summary>
internal static class ModelJson
{
    /// <summary>The value of the "format" field.</summary>
    public const string FormatName = "hnn-model";

    public const int Version = 1;

    public static void Write(HamiltonianModel model, Stream stream)
    {
        var (n, info) = (model.Network, model.Info);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("format", FormatName);
        w.WriteNumber("version", Version);
        w.WriteString("run_id", info.RunId);
        w.WriteString("artifact", info.Artifact);
        w.WriteString("method", info.Method);
        w.WriteNumber("width", info.Width);
        w.WriteNumber("data_seed", info.DataSeed);
        w.WriteNumber("model_seed", info.ModelSeed);
        w.WriteNumber("dof", info.Dof);
        if (info.System is null)
        {
            w.WriteNull("system");
        }
        else
        {
            w.WriteStartObject("system");
            w.WriteString("name", info.System);
            w.WriteStartObject("params");
            foreach (var (k, v) in info.SystemParams.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(k, v);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        if (info.DomainQ is null || info.DomainP is null)
        {
            w.WriteNull("domain");
        }
        else
        {
            w.WriteStartObject("domain");
            WriteIntervals(w, "q", info.DomainQ);
            WriteIntervals(w, "p", info.DomainP);
            w.WriteEndObject();
        }

        w.WriteStartObject("anchor");
        WriteArray(w, "x0", info.AnchorX0);
        if (info.AnchorH0 is { } h0)
        {
            w.WriteNumber("h0", h0);
        }
        else
        {
            w.WriteNull("h0");
        }

        w.WriteEndObject();
        w.WriteStartArray("inputs");
        foreach (var name in ModelParquet.InputNames(info.Dof))
        {
            w.WriteStringValue(name);
        }

        w.WriteEndArray();
        w.WriteStartObject("w");
        var names = ModelParquet.InputNames(info.Dof);
        for (var i = 0; i < names.Count; i++)
        {
            WriteArray(w, names[i], n.Hidden.Weights[i]);
        }

        w.WriteEndObject();
        WriteArray(w, "b", n.Hidden.Biases);
        WriteArray(w, "c", n.Coefficients);
        w.WriteNumber("c0", n.OutputBias);
        w.WriteEndObject();
    }

    public static HamiltonianModel Read(string path)
    {
        JsonElement root;
        try
        {
            using var stream = File.OpenRead(path);
            using var doc = JsonDocument.Parse(stream);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InputException($"{path}: not valid JSON (line {(e.LineNumber ?? 0) + 1}): not a model file written by hnn export");
        }

        var r = new Reader(path, root);
        if (r.String("format") != FormatName)
        {
            throw new InputException($"{path}: 'format' is not \"{FormatName}\": not a model file written by hnn export");
        }

        var dof = r.Int("dof", 1, 1000);
        var names = ModelParquet.InputNames(dof);
        var wObj = r.Object("w");
        var weights = names.Select(nm => Reader.Doubles(path, $"w.{nm}", wObj, nm)).ToArray();
        var b = r.Doubles("b");
        var c = r.Doubles("c");
        var c0 = r.Double("c0");
        var system = root.TryGetProperty("system", out var s) && s.ValueKind == JsonValueKind.Object ? s : (JsonElement?)null;
        var domain = root.TryGetProperty("domain", out var d) && d.ValueKind == JsonValueKind.Object ? d : (JsonElement?)null;
        var anchor = r.Object("anchor");
        var info = new ModelInfo(
            dof,
            r.String("method"),
            r.Int("width", 1, int.MaxValue),
            r.UInt64("data_seed"),
            r.UInt64("model_seed"),
            system is { } sy ? Reader.StringOf(path, "system.name", sy, "name") : null,
            system is { } sp && sp.TryGetProperty("params", out var ps) && ps.ValueKind == JsonValueKind.Object
                ? ps.EnumerateObject().ToDictionary(p => p.Name, p => Reader.DoubleOf(path, $"system.params.{p.Name}", p.Value))
                : new Dictionary<string, double>(),
            domain is { } dq ? Reader.Intervals(path, "domain.q", dq, "q") : null,
            domain is { } dp ? Reader.Intervals(path, "domain.p", dp, "p") : null,
            Reader.Doubles(path, "anchor.x0", anchor, "x0"),
            anchor.TryGetProperty("h0", out var h0) && h0.ValueKind == JsonValueKind.Number ? h0.GetDouble() : null,
            root.TryGetProperty("run_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null,
            root.TryGetProperty("artifact", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null);
        return ModelParquet.Build(path, weights, b, c, c0, info);
    }

    private static void WriteArray(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static void WriteIntervals(Utf8JsonWriter w, string name, IReadOnlyList<double[]> intervals)
    {
        w.WriteStartArray(name);
        foreach (var iv in intervals)
        {
            w.WriteStartArray();
            foreach (var v in iv)
            {
                w.WriteNumberValue(v);
            }

            w.WriteEndArray();
        }

        w.WriteEndArray();
    }

    /// <summary>Typed access to the fields, each problem an <see cref="InputException"/> naming the file and the field.</summary>
    private readonly record struct Reader(string Path, JsonElement Root)
    {
        public string String(string name) => StringOf(Path, name, Root, name);

        public double Double(string name) => DoubleOf(Path, name, Get(Path, name, Root, name));

        public double[] Doubles(string name) => Doubles(Path, name, Root, name);

        public JsonElement Object(string name)
        {
            var e = Get(Path, name, Root, name);
            return e.ValueKind == JsonValueKind.Object ? e : throw Bad(Path, name, "an object");
        }

        public int Int(string name, int min, int max)
        {
            var e = Get(Path, name, Root, name);
            return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var v) && v >= min && v <= max ? v : throw Bad(Path, name, $"an integer in [{min}, {max}]");
        }

        public ulong UInt64(string name)
        {
            var e = Get(Path, name, Root, name);
            return e.ValueKind == JsonValueKind.Number && e.TryGetUInt64(out var v) ? v : throw Bad(Path, name, "an integer in [0, 2^64 - 1]");
        }

        public static string StringOf(string path, string field, JsonElement obj, string name)
        {
            var e = Get(path, field, obj, name);
            return e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Bad(path, field, "a string");
        }

        public static double DoubleOf(string path, string field, JsonElement e) =>
            e.ValueKind == JsonValueKind.Number && double.IsFinite(e.GetDouble()) ? e.GetDouble() : throw Bad(path, field, "a finite number");

        public static double[] Doubles(string path, string field, JsonElement obj, string name)
        {
            var e = Get(path, field, obj, name);
            if (e.ValueKind != JsonValueKind.Array)
            {
                throw Bad(path, field, "an array of numbers");
            }

            return [.. e.EnumerateArray().Select((v, k) => DoubleOf(path, $"{field}[{k}]", v))];
        }

        public static double[][] Intervals(string path, string field, JsonElement obj, string name)
        {
            var e = Get(path, field, obj, name);
            if (e.ValueKind != JsonValueKind.Array)
            {
                throw Bad(path, field, "an array of [low, high] pairs");
            }

            return [.. e.EnumerateArray().Select((v, k) => v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 2
                ? v.EnumerateArray().Select(x => DoubleOf(path, $"{field}[{k}]", x)).ToArray()
                : throw Bad(path, $"{field}[{k}]", "a [low, high] pair"))];
        }

        private static JsonElement Get(string path, string field, JsonElement obj, string name) =>
            obj.TryGetProperty(name, out var e) ? e : throw new InputException($"{path}: missing field '{field}': not a complete model file");

        private static InputException Bad(string path, string field, string what) => new($"{path}: field '{field}' must be {what}");
    }
}
