using System.Globalization;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Stages.Hdnn;
using YamlDotNet.Serialization.NamingConventions;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// The <c>hdnn:</c> section of an H-DNN pipeline (<c>pipelines/hdnn/*.yaml</c>, run by <c>hnn hdnn PIPELINE</c>): one
/// 2-D benchmark, the backpropagated H-DNN models to train on it, the seeds, and the training settings (defaults: the
/// reference's, DecodEPFL/HamiltonianNet examples/train_2d_example.py, as <see cref="HdnnSettings"/>).
/// </summary>
public sealed class HdnnPipelineSpec
{
    /// <summary>The models accepted in <c>models</c>.</summary>
    public static IReadOnlyList<string> ModelNames { get; } = [.. Enum.GetNames<HdnnKind>()];

    /// <summary>The keys of the section, as written in the file: the settable properties, snake_case.</summary>
    public static IReadOnlyList<string> Keys { get; } = [.. SectionFile.Keys(typeof(HdnnPipelineSpec), KeyOf).Select(k => k.Key)];

    /// <summary>The YAML key of a property: snake_case (<c>t_end</c>, <c>alpha_c</c>).</summary>
    public static string KeyOf(string property) => UnderscoredNamingConvention.Instance.Apply(property);

    public string Name { get; set; } = string.Empty;

    public string Dataset { get; set; } = "swiss_roll";

    public int Points { get; set; } = 8000;

    public List<string> Models { get; set; } = ["H1J1"];

    public int Layers { get; set; } = 64;

    public double TEnd { get; set; } = 1.2;

    public int Epochs { get; set; } = 50;

    public double LearningRate { get; set; } = 0.05;

    public int BatchSize { get; set; } = 125;

    public double Alpha { get; set; } = 5e-4;

    public double AlphaC { get; set; } = 1e-4;

    public int InnerSteps { get; set; } = 10;

    public List<ulong> Seeds { get; set; } = [1, 2, 3];

    /// <summary>Store root (artifacts under &lt;store&gt;/artifacts, the report under &lt;store&gt;/hdnn/&lt;name&gt;).</summary>
    public string Store { get; set; } = PipelineLoader.DefaultStore;

    /// <summary>The layer types of <see cref="Models"/>.</summary>
    public IReadOnlyList<HdnnKind> Kinds() => [.. Models.Select(m => Enum.Parse<HdnnKind>(m, ignoreCase: true))];

    /// <summary>The training settings of one model and seed.</summary>
    public HdnnSettings Settings(HdnnKind kind, ulong seed) => new()
    {
        Kind = kind,
        Layers = Layers,
        TEnd = TEnd,
        Epochs = Epochs,
        LearningRate = LearningRate,
        BatchSize = BatchSize,
        Alpha = Alpha,
        ClassifierRidge = AlphaC,
        InnerSteps = InnerSteps,
        Seed = seed,
    };

    /// <summary>Reads and validates the <c>hdnn:</c> section; bad input throws <see cref="InputException"/> naming file, key, value and what is allowed.</summary>
    public static HdnnPipelineSpec Load(string path)
    {
        // Read as a pipeline file is (InputFile, ConfigNode: YAML within its limits), then bound key by key
        // (SectionFile): YamlDotNet's deserializer reported a file that is not key: value lines with the .NET types
        // it could not cast ("Invalid cast from 'System.String' to ...").
        var spec = SectionFile.Load<HdnnPipelineSpec>(path, "hdnn", KeyOf, "pipelines/hdnn/swiss-roll.yaml");
        if (string.IsNullOrWhiteSpace(spec.Name))
            spec.Name = Path.GetFileNameWithoutExtension(path);
        spec.Validate(InputFile.Shown(path));
        return spec;
    }

    private void Validate(string file)
    {
        void Fail(string key, object? value, string allowed) =>
            throw new InputException(string.Create(CultureInfo.InvariantCulture, $"{file}: hdnn.{key} is {value}; allowed: {allowed}"));

        if (Name.Length > 100 || Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            Fail("name", $"'{Name[..Math.Min(Name.Length, 40)]}'", "1-100 letters, digits, '-', '_', '.'");
        if (!Classification2DGenerators.Names.Contains(Dataset))
            Fail("dataset", $"'{Dataset[..Math.Min(Dataset.Length, 40)]}'", string.Join(", ", Classification2DGenerators.Names));
        if (Points < 8 || Points > 1_000_000 || Points % 4 != 0)
            Fail("points", Points, "a multiple of 4 in [8, 1000000]");
        if (Models.Count == 0)
            Fail("models", "empty", "a list of " + string.Join(", ", ModelNames));
        foreach (var m in Models)
        {
            if (!Enum.TryParse<HdnnKind>(m, ignoreCase: true, out _) || int.TryParse(m, out _))
                Fail("models", $"'{m[..Math.Min(m.Length, 40)]}'", string.Join(", ", ModelNames));
        }

        foreach (var m in Models.Where(m => Models.Count(x => string.Equals(x, m, StringComparison.OrdinalIgnoreCase)) > 1).Take(1))
            Fail("models", $"[{string.Join(", ", Models.Take(10))}]", $"each model once ('{m[..Math.Min(m.Length, 40)]}' appears {Repeats.Times(Models.Count(x => string.Equals(x, m, StringComparison.OrdinalIgnoreCase)))})");
        if (Layers < 1 || Layers > 4096)
            Fail("layers", Layers, "an integer in [1, 4096]");
        if (!double.IsFinite(TEnd) || TEnd <= 0 || TEnd > 1000)
            Fail("t_end", TEnd, "a number in (0, 1000]");
        if (Epochs < 1 || Epochs > 100_000)
            Fail("epochs", Epochs, "an integer in [1, 100000]");
        if (!double.IsFinite(LearningRate) || LearningRate <= 0)
            Fail("learning_rate", LearningRate, "a finite number > 0");
        if (BatchSize < 1 || BatchSize > Points / 2)
            Fail("batch_size", BatchSize, $"an integer in [1, points / 2 = {Points / 2}] (half the points are training points)");
        if (!double.IsFinite(Alpha) || Alpha < 0)
            Fail("alpha", Alpha, "a finite number >= 0");
        if (!double.IsFinite(AlphaC) || AlphaC < 0)
            Fail("alpha_c", AlphaC, "a finite number >= 0");
        if (InnerSteps < 1 || InnerSteps > 10_000)
            Fail("inner_steps", InnerSteps, "an integer in [1, 10000]");
        if (Seeds.Count == 0 || Seeds.Count > 100 || Seeds.Distinct().Count() != Seeds.Count)
            Fail("seeds", $"[{string.Join(", ", Seeds.Take(10))}]", "1-100 distinct non-negative integers");
        if (string.IsNullOrWhiteSpace(Store))
            Fail("store", "empty", "a folder");
    }
}
