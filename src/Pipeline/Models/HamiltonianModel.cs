using Hnn.Pipeline.Config;
using Hnn.Pipeline.Store;
using Hnn.Stages.Model;

namespace Hnn.Pipeline.Models;

/// <summary>
/// A learned Hamiltonian H(x) = sum_j c_j tanh(w_j . x + b_j) + c0 with what it was trained on, usable outside a run:
/// evaluate H, grad H and x' = J grad H on a batch of states, save it as a weight file (JSON, Parquet) or an ONNX graph,
/// load a weight file back. Points are given as columns: <c>x[i][k]</c> is coordinate i (q1..qd, p1..pd) of point k.
/// Every evaluation goes through <see cref="Network.Predict"/>, the code path of the run's own evaluation.
/// </summary>
/// <param name="Network">The network (hidden layer, output weights c, output bias c0).</param>
/// <param name="Info">What the model was trained on and where it came from.</param>
public sealed record HamiltonianModel(Network Network, ModelInfo Info)
{
    /// <summary>Degrees of freedom d (the state has 2d coordinates).</summary>
    public int Dof => Info.Dof;

    /// <summary>H, grad H and x' at every point, in one pass over the hidden layer.</summary>
    public ModelPrediction Evaluate(double[][] x)
    {
        var count = CheckPoints(x);
        var h = new double[count];
        var grad = Enumerable.Range(0, 2 * Dof).Select(_ => new double[count]).ToArray();
        Network.Predict(x, 0, count, h, grad);
        var dx = new double[2 * Dof][];
        for (var i = 0; i < Dof; i++)
        {
            dx[i] = (double[])grad[Dof + i].Clone();
            dx[Dof + i] = [.. grad[i].Select(g => -g)];
        }

        return new ModelPrediction(h, grad, dx);
    }

    /// <summary>H at every point.</summary>
    public double[] H(double[][] x)
    {
        CheckPoints(x);
        return Network.Energy(x);
    }

    /// <summary>grad H = (dH/dq, dH/dp) at every point: 2d columns.</summary>
    public double[][] GradH(double[][] x) => Evaluate(x).GradH;

    /// <summary>x' = J grad H (dq = dH/dp, dp = -dH/dq) at every point: 2d columns.</summary>
    public double[][] TimeDerivative(double[][] x) => Evaluate(x).Dx;

    /// <summary>
    /// Writes the model to <paramref name="path"/> in the format its extension names: <c>.json</c> or <c>.parquet</c>
    /// (weight files, see <see cref="Load"/>) or <c>.onnx</c> (a graph computing H, grad H and x'). Atomic: a temp
    /// file, then a rename.
    /// </summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var format = ModelFormats.FromPath(path)
            ?? throw new ArgumentException($"{path}: unknown model file extension; allowed: .json, .parquet, .onnx", nameof(path));
        Save(path, format);
    }

    /// <summary>Writes the model to <paramref name="path"/> in <paramref name="format"/> (json, parquet or onnx).</summary>
    public void Save(string path, string format)
    {
        ArgumentNullException.ThrowIfNull(path);
        switch (format)
        {
            case ModelFormats.Json:
                AtomicFile.Write(path, s => ModelJson.Write(this, s));
                break;
            case ModelFormats.Parquet:
                AtomicFile.WriteTo(path, tmp => ParquetTableIO.WriteAsync(ModelParquet.ToTable(this), tmp).GetAwaiter().GetResult());
                break;
            case ModelFormats.Onnx:
                AtomicFile.Write(path, s => OnnxExport.Write(this, s));
                break;
            default:
                throw new ArgumentException($"format '{format}': allowed: {ModelFormats.Allowed}", nameof(format));
        }
    }

    /// <summary>
    /// Reads a weight file written by <see cref="Save(string)"/> (<c>.json</c> or <c>.parquet</c>). A missing, malformed or
    /// inconsistent file is an <see cref="InputException"/> naming the file and the problem.
    /// </summary>
    public static HamiltonianModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        InputFile.CheckRegular(path, "model file", InputFile.MaxDataBytes);
        return ModelFormats.FromPath(path) switch
        {
            ModelFormats.Json => ModelJson.Read(path),
            ModelFormats.Parquet => ModelParquet.Read(path),
            _ => throw new InputException($"{path}: not a model weight file; allowed: .json or .parquet (an .onnx file is for ONNX runtimes)"),
        };
    }

    /// <summary>
    /// The network of one experiment of a stored run. <paramref name="run"/>: the run id, a unique part of it, or
    /// "latest"; the filters narrow the experiments, and among several the one with the best test H error is taken
    /// (see <see cref="RunModels.Select"/>).
    /// </summary>
    public static HamiltonianModel FromRun(ArtifactStore store, string run, string? method = null, int? width = null, ulong? modelSeed = null, ulong? dataSeed = null) =>
        RunModels.Load(store, run, new ModelQuery(method, width, modelSeed, dataSeed)).Model;

    private int CheckPoints(double[][] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Length != 2 * Dof)
        {
            throw new ArgumentException($"points have {x.Length} coordinate column(s), the model expects {2 * Dof} (q1..q{Dof}, p1..p{Dof})", nameof(x));
        }

        var count = x[0].Length;
        if (x.Any(c => c.Length != count))
        {
            throw new ArgumentException("the coordinate columns have different lengths", nameof(x));
        }

        return count;
    }
}
