using System.Text.Json;
using Hnn.Pipeline.Cli;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Store;
using Hnn.Stages.Sampling;

namespace Hnn.Api;

/// <summary>
/// Observations of a Hamiltonian system as columns: <c>X[i][k]</c> is coordinate i (q1..qd, p1..pd) of point k,
/// <c>Dxdt[i][k]</c> its time derivative and <c>H[k]</c> its energy (NaN where unknown). <see cref="FromRun"/> gives the
/// training set of a stored <c>hnn run</c>, in the order the run fitted it, so
/// <see cref="SampledHnn.Fit(double[][], double[][], double[], SampledHnnOptions, CancellationToken)"/> with the run's
/// settings reproduces the run's models.
/// </summary>
public sealed class HnnData
{
    private HnnData(int dof, double[][] x, double[][] dxdt, double[] h)
    {
        Dof = dof;
        X = x;
        Dxdt = dxdt;
        H = h;
    }

    /// <summary>Degrees of freedom d.</summary>
    public int Dof { get; }

    /// <summary>Number of points.</summary>
    public int Count => H.Length;

    /// <summary>States: 2d columns of <see cref="Count"/> values.</summary>
    public double[][] X { get; }

    /// <summary>Time derivatives (dq1..dqd, dp1..dpd): 2d columns of <see cref="Count"/> values.</summary>
    public double[][] Dxdt { get; }

    /// <summary>H at each point (NaN for a data file without H).</summary>
    public double[] H { get; }

    /// <summary>
    /// The training set of a stored run with one data set (one data seed, in memory): the rows of its generate (or
    /// load) artifact that its split artifact selects for training, in that order.
    /// </summary>
    /// <param name="store">The store folder (<c>--store</c>; <c>.hnn</c> by default).</param>
    /// <param name="run">Run id, a unique part of it, or "latest".</param>
    /// <exception cref="InvalidDataException">No such run, an unreadable manifest, a run with several data seeds or
    /// streamed data, or an artifact that is no longer in the store; the message says which.</exception>
    public static HnnData FromRun(string store, string run)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            var artifacts = new ArtifactStore(store);
            var dir = Commands.ResolveRun(artifacts, run);
            var runId = Path.GetFileName(dir);
            var manifestPath = Path.Combine(dir, "manifest.json");
            int dof;
            List<StageRecord> stages;
            try
            {
                var manifest = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(manifestPath));
                dof = manifest.GetProperty("config").GetProperty("dof").GetInt32();
                stages = JsonSerializer.Deserialize<List<StageRecord>>(manifest.GetProperty("stages").GetRawText(), RunManifest.Json) ?? [];
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InputException($"{manifestPath}: cannot be read as a run manifest ({Shown.Cut(e.Message, 120)})");
            }

            var splits = stages.Where(s => s.Stage == "split").Select(s => s.Key).Distinct(StringComparer.Ordinal).ToList();
            var sources = stages.Where(s => s.Stage is "generate" or "load").Select(s => (s.Stage, s.Key)).Distinct().ToList();
            if (splits.Count != 1 || sources.Count != 1)
            {
                throw new InputException($"run {runId}: {splits.Count} data split(s) and {sources.Count} data set(s) in its manifest; HnnData.FromRun takes a run with exactly one (one data seed, data in memory)");
            }

            var split = Codecs.ToSplit(Read(artifacts, runId, "split", splits[0]));
            var data = Codecs.ToDataSet(Read(artifacts, runId, sources[0].Stage, sources[0].Key), dof);
            var train = DataSplit.Take(data, split.Train);
            return new HnnData(dof, train.X, train.Dx, train.H);
        }
        catch (InputException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    private static Table Read(ArtifactStore store, string runId, string stage, string key) =>
        store.TryReadAsync(stage, key).GetAwaiter().GetResult()
        ?? throw new InputException($"run {runId}: the artifact {stage}/{key} is not in {store.ArtifactsDirectory} (removed by clean, or corrupt); rerun the pipeline to recompute it");
}
