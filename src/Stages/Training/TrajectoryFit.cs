using Hnn.Datasets;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Rollout;
using Hnn.Stages.Sampling;

namespace Hnn.Stages.Training;

/// <summary>A network fitted to trajectory rows, with the rows (their mean steps feed the correction).</summary>
public sealed record TrajectoryFitResult(Network Network, int Rank, FormulationRows Rows)
{
    /// <summary>The learned function corrected for the formulation's backward error (docs/ALGORITHM.md §6).</summary>
    public double[] CorrectedEnergy(double[][] x) => Formulations.CorrectedEnergy(Network, x, Rows);

    /// <summary>The learned function itself (uncorrected).</summary>
    public double[] Energy(double[][] x) => Network.Energy(x);
}

/// <summary>
/// Fits a sampled HNN to the rows of a trajectory formulation with the existing samplers and output-layer solve
/// (<see cref="SwimStages"/>, <see cref="OutputLayer.Fit"/>): the rows are derivative-shaped data, so U-SWIM draws its
/// pairs among the rows' feature points, A-SWIM fits U-SWIM there and re-samples with SWIM probabilities from that fit's
/// H-hat at those points (no true H needed), and SWIM uses the given true H at the feature points.
/// </summary>
public static class TrajectoryFit
{
    /// <summary>Fits the SWIM-family <paramref name="method"/> (U-SWIM, A-SWIM, SWIM) to <paramref name="rows"/>.</summary>
    /// <param name="la">Linear algebra backend.</param>
    /// <param name="rows">Rows from <see cref="Formulations.Rows"/>.</param>
    /// <param name="method">U-SWIM, A-SWIM or SWIM (ELM needs a bias range: sample it and call <see cref="OutputLayer.Fit"/>).</param>
    /// <param name="width">Hidden-layer width N.</param>
    /// <param name="modelSeed">The model seed (the samplers' seed, as in the pipeline).</param>
    /// <param name="anchor">H(x0) = H0.</param>
    /// <param name="rcond">Truncation of the solve.</param>
    /// <param name="trueEnergyAtRows">SWIM only: the true H at the rows' feature points.</param>
    /// <param name="weightScale">The samplers' weight scale (docs/ALGORITHM.md §2.1a; 1 = the published samplers).</param>
    /// <param name="separable">A separable layer (docs/ALGORITHM.md §2.1b; its own q and p scales, <paramref name="weightScale"/> unused), or null.</param>
    public static TrajectoryFitResult Fit(ILinearAlgebra la, FormulationRows rows, SamplingMethod method, int width, ulong modelSeed, Anchor anchor,
        double rcond, double[]? trueEnergyAtRows = null, double weightScale = 1, SeparableLayer? separable = null)
    {
        HiddenLayer Sample(double[]? y) => separable is null
            ? SwimStages.Sample(rows.X, y, width, modelSeed, weightScale)
            : SwimStages.SampleSeparable(rows.X, y, width, modelSeed, separable);

        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(rows);
        FitResult fit;
        switch (method)
        {
            case SamplingMethod.USwim:
                fit = OutputLayer.Fit(la, Sample(null), rows.X, rows.Dx, anchor, rcond, SolveMode.Structured);
                break;
            case SamplingMethod.ASwim:
                var first = OutputLayer.Fit(la, Sample(null), rows.X, rows.Dx, anchor, rcond, SolveMode.Structured);
                // A-SWIM's second stage: SWIM probabilities from the first fit's H-hat at the rows' points, same candidates (seed).
                fit = OutputLayer.Fit(la, Sample(first.Network.Energy(rows.X)), rows.X, rows.Dx, anchor, rcond, SolveMode.Structured);
                break;
            case SamplingMethod.Swim:
                var y = trueEnergyAtRows ?? throw new ArgumentException("SWIM needs the true H at the rows' points", nameof(trueEnergyAtRows));
                fit = OutputLayer.Fit(la, Sample(y), rows.X, rows.Dx, anchor, rcond, SolveMode.Structured);
                break;
            default:
                throw new ArgumentException($"method '{method.ToName()}' is not supported here; use u-swim, a-swim or swim", nameof(method));
        }

        return new TrajectoryFitResult(fit.Network, fit.Rank, rows);
    }

    /// <summary>Relative L2 error sqrt(sum (a - b)^2) / sqrt(sum b^2) of <paramref name="predicted"/> against <paramref name="truth"/>.</summary>
    public static double RelativeError(ReadOnlySpan<double> predicted, ReadOnlySpan<double> truth)
    {
        if (predicted.Length != truth.Length)
        {
            throw new ArgumentException($"{predicted.Length} predictions for {truth.Length} true values");
        }

        double num = 0, den = 0;
        for (var k = 0; k < truth.Length; k++)
        {
            var e = predicted[k] - truth[k];
            num += e * e;
            den += truth[k] * truth[k];
        }

        return Math.Sqrt(num / den);
    }
}

/// <summary>One run of the limited-data experiment: test rel. L2 errors of H, uncorrected and corrected, and the rank.</summary>
public sealed record LimitedDataResult(TargetFormulation Formulation, double Step, ulong DataSeed, ulong ModelSeed, double Uncorrected, double Corrected, int Rank);

/// <summary>
/// The paper's limited-data experiment (docs/ALGORITHM.md §6.4): <c>train</c> flow-map pairs (x uniform in the domain,
/// x after one step h by DOP853; <see cref="TrajectoryGenerator"/> with steps = 1, seed = data seed), the formulation's
/// rows, A-SWIM of width N (model seed), anchor x0 = 0 with H0 = H(0), and the test rel. L2 error of H on
/// <c>test</c> points uniform in the domain (<see cref="DataGenerator.Sample"/> with seed Derive(data seed, "limited-data/test")).
/// </summary>
public static class LimitedDataExperiment
{
    public static LimitedDataResult Run(ILinearAlgebra la, HamiltonianSystem system, Domain domain, TargetFormulation formulation, double step,
        int train, int test, int width, double rcond, ulong dataSeed, ulong modelSeed)
    {
        ArgumentNullException.ThrowIfNull(system);
        var pairs = TrajectoryGenerator.Generate(system, domain, new TrajectorySettings(train, step, 1, Seed: dataSeed));
        var rows = Formulations.Rows(pairs, formulation);
        var x0 = new double[2 * system.Dof];
        var anchor = new Anchor(x0, system.Energy(x0));
        var fit = TrajectoryFit.Fit(la, rows, SamplingMethod.ASwim, width, modelSeed, anchor, rcond);
        var testSet = DataGenerator.Sample(system, domain, test, Rng.Derive(dataSeed, "limited-data/test"));
        return new LimitedDataResult(formulation, step, dataSeed, modelSeed,
            TrajectoryFit.RelativeError(fit.Energy(testSet.X), testSet.H),
            TrajectoryFit.RelativeError(fit.CorrectedEnergy(testSet.X), testSet.H),
            fit.Rank);
    }
}
