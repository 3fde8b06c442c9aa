using Hnn.Pipeline.Config;
using Hnn.Pipeline.Models;
using Hnn.Pipeline.Store;
using Hnn.Stages.Rollout;
using PipelineModel = Hnn.Pipeline.Models.HamiltonianModel;

namespace Hnn.Api;

/// <summary>
/// A learned Hamiltonian H(x) = sum_j c_j tanh(w_j . x + b_j) + c0: from <see cref="SampledHnn.Fit(double[][], double[][], SampledHnnOptions)"/>,
/// a weight file (<see cref="Load"/>) or a stored <c>hnn run</c> (<see cref="FromRun"/>). Points are columns:
/// <c>x[i][k]</c> is coordinate i (q1..qd, p1..pd) of point k. Evaluation, saving and loading run the code of
/// <c>hnn predict</c> and <c>hnn export</c>, so they give the same numbers and files.
/// </summary>
public sealed class HamiltonianModel
{
    private readonly PipelineModel _model;

    internal HamiltonianModel(PipelineModel model, int? rank)
    {
        _model = model;
        Rank = rank;
    }

    /// <summary>Degrees of freedom d: a state has 2d coordinates q1..qd, p1..pd.</summary>
    public int Dof => _model.Dof;

    /// <summary>Training method: elm, u-swim, a-swim, swim (or adam or hig for a model from a run).</summary>
    public string Method => _model.Info.Method;

    /// <summary>Hidden-layer width N.</summary>
    public int Width => _model.Info.Width;

    /// <summary>The model seed it was sampled with.</summary>
    public ulong Seed => _model.Info.ModelSeed;

    /// <summary>Singular values kept by the least-squares solve (out of N + 1), when known (a fit in this process).</summary>
    public int? Rank { get; }

    /// <summary>The run the model came from (null unless from <see cref="FromRun"/> or a file exported from a run).</summary>
    public string? RunId => _model.Info.RunId;

    /// <summary>The output bias c0 (H-hat at the anchor minus the network's value there).</summary>
    public double OutputBias => _model.Network.OutputBias;

    internal PipelineModel Inner => _model;

    /// <summary>H at every point.</summary>
    /// <exception cref="ArgumentException">Not 2d columns of equal length.</exception>
    public double[] H(double[][] x) => _model.H(x);

    /// <summary>grad H = (dH/dq1..dH/dqd, dH/dp1..dH/dpd) at every point: 2d columns.</summary>
    /// <exception cref="ArgumentException">Not 2d columns of equal length.</exception>
    public double[][] GradH(double[][] x) => _model.GradH(x);

    /// <summary>x' = J grad H (dq = dH/dp, dp = -dH/dq) at every point: 2d columns.</summary>
    /// <exception cref="ArgumentException">Not 2d columns of equal length.</exception>
    public double[][] TimeDerivative(double[][] x) => _model.TimeDerivative(x);

    /// <summary>
    /// Integrates x' = J grad H-hat from <paramref name="x0"/> (2d coordinates) for <paramref name="steps"/> steps of
    /// <paramref name="dt"/> with <paramref name="integrator"/> — the integrators of <c>hnn run</c>'s rollout stage.
    /// </summary>
    /// <exception cref="ArgumentException">x0 has the wrong length or is not finite, dt is not finite and &gt; 0, or steps &lt; 0.</exception>
    /// <exception cref="InvalidOperationException">A state became non-finite, or an implicit step did not converge (use a smaller dt).</exception>
    public HnnTrajectory Rollout(double[] x0, double dt, int steps, HnnIntegrator integrator)
    {
        ArgumentNullException.ThrowIfNull(x0);
        if (x0.Length != 2 * Dof)
        {
            throw new ArgumentException($"x0 has {x0.Length} coordinate(s), the model expects {2 * Dof} (q1..q{Dof}, p1..p{Dof})", nameof(x0));
        }

        Trajectory t;
        try
        {
            t = Rollouts.Integrate(new LearnedField(_model.Network), [.. x0.Select(v => new[] { v })], dt, steps, ToStages(integrator));
        }
        catch (FixedPointNotConvergedException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }

        var states = new double[t.Length][];
        for (var k = 0; k < t.Length; k++)
        {
            states[k] = t.State(k, 0);
        }

        return new HnnTrajectory([.. t.Times], states);
    }

    /// <summary>
    /// Writes the model to <paramref name="path"/> in the format its extension names: <c>.json</c> or <c>.parquet</c>
    /// (weight files that <see cref="Load"/> reads; schema in docs/SCHEMA.md, "Model files") or <c>.onnx</c> (a float64
    /// graph x [N, 2d] -> H, gradH, dx). Atomic: a temporary file, then a rename.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown extension.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Save(string path) => _model.Save(path);

    /// <summary>Reads a weight file written by <see cref="Save"/> or <c>hnn export</c> (<c>.json</c> or <c>.parquet</c>).</summary>
    /// <exception cref="InvalidDataException">The file is missing, not a model file or inconsistent; the message names
    /// the file and the problem.</exception>
    public static HamiltonianModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return new HamiltonianModel(PipelineModel.Load(path), null);
        }
        catch (InputException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    /// <summary>
    /// The model of one experiment of a stored <c>hnn run</c> — what <c>hnn export</c> and <c>hnn predict</c> use.
    /// <paramref name="run"/>: the run id, a unique part of it, or "latest"; the other arguments narrow the run's
    /// experiments (null: any), and among several the one with the best test H error is taken.
    /// </summary>
    /// <param name="store">The store folder (<c>--store</c>; <c>.hnn</c> by default).</param>
    /// <param name="run">Run id, a unique part of it, or "latest".</param>
    /// <param name="method">elm, u-swim, a-swim, swim, adam or hig; null: any.</param>
    /// <param name="width">Hidden-layer width; null: any.</param>
    /// <param name="seed">Model seed; null: any.</param>
    /// <param name="dataSeed">Data seed; null: any.</param>
    /// <exception cref="InvalidDataException">No such run, no matching experiment, an unreadable manifest or a missing
    /// network artifact; the message says which and lists the run's experiments.</exception>
    public static HamiltonianModel FromRun(string store, string run, string? method = null, int? width = null, ulong? seed = null, ulong? dataSeed = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            var found = RunModels.Load(new ArtifactStore(store), run, new ModelQuery(method, width, seed, dataSeed));
            return new HamiltonianModel(found.Model, null);
        }
        catch (InputException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    /// <summary>One line naming the model, e.g. "swim width 100 model seed 1 data seed 2".</summary>
    public override string ToString() => _model.Info.Describe();

    private static Integrator ToStages(HnnIntegrator integrator) => integrator switch
    {
        HnnIntegrator.SymplecticEuler => Integrator.SymplecticEuler,
        HnnIntegrator.Verlet => Integrator.Verlet,
        HnnIntegrator.ImplicitMidpoint => Integrator.ImplicitMidpoint,
        HnnIntegrator.Rk4 => Integrator.Rk4,
        HnnIntegrator.Euler => Integrator.Euler,
        HnnIntegrator.Dop853 => Integrator.Dop853,
        _ => throw new ArgumentOutOfRangeException(nameof(integrator), integrator, "unknown integrator"),
    };
}
