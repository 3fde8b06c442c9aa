using Hnn.Datasets;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Rollout;
using Hnn.Stages.Sampling;

namespace Hnn.Stages.Training;

/// <summary>
/// Settings of learning Kepler 2-D from generated trajectories (docs/RESULTS.md, "Kepler and FPUT learned from
/// trajectories"): <paramref name="Trajectories"/> bound orbits (k = 1, semi-major axis uniform in [0.8, 1.2],
/// eccentricity uniform in [0, <paramref name="MaxEccentricity"/>], orientation and mean anomaly uniform, prograde or
/// retrograde with equal odds; closed form by Kepler's equation, so no state comes near q = 0: |q| &gt;= 0.8 (1 - e_max)),
/// each observed every <paramref name="Dt"/> for <paramref name="Steps"/> steps by DOP853 (tolerance 1e-13), midpoint
/// rows, <paramref name="Method"/> of width <paramref name="Width"/> (a separable layer with <paramref name="Separable"/>,
/// docs/ALGORITHM.md §2.1b; then <paramref name="WeightScale"/> is not used), anchor H(1, 0, 0, 1) = -1/2 (a state of the circular orbit a = 1, inside the data). Test: the observations of
/// <paramref name="TestTrajectories"/> more orbits (seed Derive(data seed, "kepler/test")). Rollouts: the learned (uncorrected)
/// H and the true H from <paramref name="Rollouts"/> held-out states (seed Derive(data seed, "kepler/rollouts")) with
/// <paramref name="Integrator"/>, step <paramref name="RolloutDt"/>, to <paramref name="RolloutTime"/>.
/// </summary>
public sealed record KeplerStudySettings(
    int Trajectories = 200,
    int Steps = 20,
    double Dt = 0.05,
    double MaxEccentricity = 0.5,
    int Width = 400,
    SamplingMethod Method = SamplingMethod.ASwim,
    double Rcond = 1e-13,
    ulong DataSeed = 3943,
    ulong ModelSeed = 992472,
    int TestTrajectories = 50,
    int Rollouts = 4,
    Integrator Integrator = Integrator.ImplicitMidpoint,
    double RolloutDt = 0.01,
    double RolloutTime = 30,
    int SaveEvery = 10,
    double WeightScale = 1,
    double StallTolerance = 1e-10,
    SeparableLayer? Separable = null);

/// <summary>What the Kepler study measured: test H errors and the drift of L and |A| along learned and true rollouts.</summary>
public sealed record KeplerStudyResult(
    KeplerStudySettings Settings,
    double TestH,
    double TestHCorrected,
    int Rank,
    KeplerDriftSeries? Learned,
    KeplerDriftSeries True,
    double[] EnergyDriftLearned,
    double[] StateError)
{
    /// <summary>Why the learned rollout stopped (then <see cref="Learned"/> is null), or null.</summary>
    public string? LearnedRolloutFailure { get; init; }
}

/// <summary>
/// Settings of learning the periodic FPUT chain (n, alpha, beta) from generated trajectories. Initial states in the span of
/// the lowest <paramref name="Modes"/> normal modes, where the recurrence lives (a uniform box in 2n = 16 dimensions is far too
/// sparse for a few thousand observations): q_j = sum_(k=1..Modes) a_k cos(2 pi k j / n) + b_k sin(2 pi k j / n),
/// p_j = sum_k omega_k (c_k cos(2 pi k j / n) + d_k sin(2 pi k j / n)), a..d uniform in [-<paramref name="Amplitude"/>, Amplitude]
/// (seed = data seed), observed every <paramref name="Dt"/> for <paramref name="Steps"/> steps by DOP853 (tolerance 1e-13);
/// midpoint rows, anchor H(0) = 0. Test: the observations of <paramref name="TestTrajectories"/> more trajectories (seed
/// Derive(data seed, "fput/test")). Rollouts of the learned (uncorrected) and the true H from the lowest-mode state of
/// amplitude <paramref name="RolloutAmplitude"/> at rest to <paramref name="RolloutTime"/>, and the mode energies.
/// <paramref name="Regularisation"/>: "rcond" (the published solve at <paramref name="Rcond"/>), "rcond=V", "ridge=V",
/// "auto-ridge" or "auto-rcond" (by the error on the midpoint rows of <paramref name="ValidationTrajectories"/> more
/// trajectories, seed Derive(data seed, "fput/validation")); <paramref name="PairsAcrossTrajectories"/>: SWIM candidate pairs
/// only between different trajectories (<see cref="CandidatePairs.DrawAcross"/>); <paramref name="Separable"/>: the separable
/// layer (docs/ALGORITHM.md §2.1b). The defaults are the published study bit for bit.
/// </summary>
public sealed record FputStudySettings(
    double Beta,
    int N = 8,
    double Alpha = 0.25,
    int Trajectories = 300,
    int Steps = 20,
    double Dt = 0.1,
    int Modes = 3,
    double Amplitude = 0.3,
    int Width = 600,
    SamplingMethod Method = SamplingMethod.ASwim,
    double Rcond = 1e-13,
    ulong DataSeed = 3943,
    ulong ModelSeed = 992472,
    int TestTrajectories = 50,
    double RolloutAmplitude = 0.3,
    Integrator Integrator = Integrator.ImplicitMidpoint,
    double RolloutDt = 0.05,
    double RolloutTime = 120,
    int SaveEvery = 5,
    double WeightScale = 1,
    double StallTolerance = 1e-10,
    string Regularisation = "rcond",
    bool PairsAcrossTrajectories = false,
    int ValidationTrajectories = 10,
    SeparableLayer? Separable = null);

/// <summary>The mode-1 recurrence of one rollout: the dip (minimum share, its time), the first return and the peak after it.</summary>
/// <param name="DipMinimum">Minimum of mode 1's share E_1 / sum E within the first beat (t &lt; 0.8 T).</param>
/// <param name="DipTime">Time of that minimum.</param>
/// <param name="ReturnTime">First time the share is back at or above 0.999 after falling below 0.995 (NaN: never).</param>
/// <param name="PeakTime">Time of the largest share in [0.75 T, 1.25 T] (T = the linear beat period).</param>
public sealed record Recurrence(double DipMinimum, double DipTime, double ReturnTime, double PeakTime);

/// <summary>Test H error of one regularisation of the FPUT study's final hidden layer (<see cref="FputStudyResult.Sweep"/>).</summary>
public sealed record RegularisationTestError(string Regularisation, double TestH, double TestHCorrected);

/// <summary>What the FPUT study measured (<see cref="Learned"/> and <see cref="LearnedRecurrence"/> null when the learned rollout failed).</summary>
public sealed record FputStudyResult(
    FputStudySettings Settings,
    double TestH,
    double TestHCorrected,
    int Rank,
    double BeatPeriod,
    ModeEnergySeries? Learned,
    ModeEnergySeries True,
    Recurrence? LearnedRecurrence,
    Recurrence TrueRecurrence)
{
    /// <summary>Why the learned rollout stopped (then <see cref="Learned"/> is null), or null.</summary>
    public string? LearnedRolloutFailure { get; init; }

    /// <summary>The regularisation of the reported network (<c>rcond=1e-13</c> today; the chosen one for auto).</summary>
    public string Solve { get; init; } = "rcond=1e-13";

    /// <summary>
    /// Empty for the published solve (<see cref="FputStudySettings.Regularisation"/> "rcond"); otherwise the test H errors
    /// of rcond 1e-13 and of ridge lambda = 10^-14 .. 10^-4 on the same hidden layer and rows (one SVD; diagnostics).
    /// </summary>
    public IReadOnlyList<RegularisationTestError> Sweep { get; init; } = [];
}

/// <summary>
/// Issue 13's done-means 4 as a pure harness: Kepler 2-D and FPUT learned from generated trajectories (midpoint target),
/// with rollouts of the learned H against the true H under the same integrator and the invariant diagnostics of
/// <see cref="InvariantDiagnostics"/>. Every random draw from the settings' seeds. The settings' WeightScale is the samplers'
/// weight scale (docs/ALGORITHM.md §2.1a; 1 = the published samplers); StallTolerance is the implicit rules' stall
/// tolerance (<see cref="FixedPointSettings"/>; a small weight scale leaves ~1e-10 of rounding noise in the learned grad H).
/// </summary>
public static class LearnedSystemStudy
{
    /// <summary>Runs the Kepler study.</summary>
    public static KeplerStudyResult Kepler(ILinearAlgebra la, KeplerStudySettings settings, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(settings);
        var system = new Kepler(1.0, 2);
        var train = KeplerTrajectories(system, settings.Trajectories, settings.Steps, settings.Dt, settings.MaxEccentricity, settings.DataSeed, ct);
        var rows = Formulations.Rows(train, TargetFormulation.Midpoint);
        double[] x0 = [1, 0, 0, 1]; // on the circular orbit a = 1 (inside the data; the default anchor (1, 0, 0, 0) is not)
        var fit = TrajectoryFit.Fit(la, rows, settings.Method, settings.Width, settings.ModelSeed, new Anchor(x0, system.Energy(x0)), settings.Rcond,
            settings.Method == SamplingMethod.Swim ? Energies(system, rows.X) : null, settings.WeightScale, settings.Separable);
        var test = KeplerTrajectories(system, settings.TestTrajectories, settings.Steps, settings.Dt, settings.MaxEccentricity, Rng.Derive(settings.DataSeed, "kepler/test"), ct);
        var testX = Observations(test);
        var truth = Energies(system, testX);

        var starts = KeplerStates(settings.Rollouts, settings.MaxEccentricity, new Rng(Rng.Derive(settings.DataSeed, "kepler/rollouts")));
        var steps = checked((int)Math.Round(settings.RolloutTime / settings.RolloutDt));
        var fixedPoint = new FixedPointSettings(StallTolerance: settings.StallTolerance);
        var exact = Rollouts.Integrate(HamiltonianField.Exact(system), starts, settings.RolloutDt, steps, settings.Integrator, settings.SaveEvery, fixedPoint, ct: ct);
        Trajectory learned;
        try
        {
            learned = Rollouts.Integrate(HamiltonianField.Learned(fit.Network), starts, settings.RolloutDt, steps, settings.Integrator, settings.SaveEvery, fixedPoint, ct: ct);
        }
        catch (Exception ex) when (ex is FixedPointNotConvergedException or InvalidOperationException)
        {
            return new KeplerStudyResult(settings, TrajectoryFit.RelativeError(fit.Energy(testX), truth), TrajectoryFit.RelativeError(fit.CorrectedEnergy(testX), truth),
                fit.Rank, null, InvariantDiagnostics.KeplerDrift(system, exact), [], [])
            { LearnedRolloutFailure = ex.Message };
        }

        var energyDrift = new double[learned.Length];
        var stateError = new double[learned.Length];
        for (var k = 0; k < learned.Length; k++)
        {
            for (var m = 0; m < learned.Count; m++)
            {
                var xl = learned.State(k, m);
                var xt = exact.State(k, m);
                var e0 = system.Energy(learned.State(0, m));
                energyDrift[k] = Math.Max(energyDrift[k], Math.Abs(system.Energy(xl) - e0) / Math.Abs(e0));
                double d2 = 0;
                for (var i = 0; i < xl.Length; i++)
                {
                    d2 += (xl[i] - xt[i]) * (xl[i] - xt[i]);
                }

                stateError[k] = Math.Max(stateError[k], Math.Sqrt(d2));
            }
        }

        return new KeplerStudyResult(settings,
            TrajectoryFit.RelativeError(fit.Energy(testX), truth),
            TrajectoryFit.RelativeError(fit.CorrectedEnergy(testX), truth),
            fit.Rank,
            InvariantDiagnostics.KeplerDrift(system, learned),
            InvariantDiagnostics.KeplerDrift(system, exact),
            energyDrift,
            stateError);
    }

    /// <summary>Runs the FPUT study.</summary>
    public static FputStudyResult Fput(ILinearAlgebra la, FputStudySettings settings, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(settings);
        var system = new Fput(settings.N, settings.Alpha, settings.Beta, periodic: true);
        var train = Observe(system, FputStates(system, settings.Trajectories, settings.Modes, settings.Amplitude, new Rng(settings.DataSeed)), settings.Steps, settings.Dt, ct);
        var rows = Formulations.Rows(train, TargetFormulation.Midpoint);
        var x0 = new double[2 * settings.N];
        var anchor = new Anchor(x0, system.Energy(x0));
        var test = Observe(system, FputStates(system, settings.TestTrajectories, settings.Modes, settings.Amplitude, new Rng(Rng.Derive(settings.DataSeed, "fput/test"))), settings.Steps, settings.Dt, ct);
        var testX = Observations(test);
        var truth = Energies(system, testX);
        TrajectoryFitResult fit;
        var solveName = Hnn.Stages.Training.Regularisation.Rcond(settings.Rcond).ToString();
        IReadOnlyList<RegularisationTestError> sweep = [];
        if (settings.Regularisation == "rcond" && !settings.PairsAcrossTrajectories)
        {
            fit = TrajectoryFit.Fit(la, rows, settings.Method, settings.Width, settings.ModelSeed, anchor, settings.Rcond,
                settings.Method == SamplingMethod.Swim ? Energies(system, rows.X) : null, settings.WeightScale, settings.Separable);
        }
        else
        {
            (fit, solveName, sweep) = FputRegularisedFit(la, system, settings, train, rows, anchor, testX, truth, ct);
        }

        var start = system.LowestModeState(settings.RolloutAmplitude);
        var starts = new double[start.Length][];
        for (var i = 0; i < start.Length; i++)
        {
            starts[i] = [start[i]];
        }

        var steps = checked((int)Math.Round(settings.RolloutTime / settings.RolloutDt));
        var fixedPoint = new FixedPointSettings(StallTolerance: settings.StallTolerance);
        var exact = Rollouts.Integrate(HamiltonianField.Exact(system), starts, settings.RolloutDt, steps, settings.Integrator, settings.SaveEvery, fixedPoint, ct: ct);
        var period = BeatPeriod(system);
        var trueModes = InvariantDiagnostics.ModeEnergies(system, exact);
        Trajectory learned;
        try
        {
            learned = Rollouts.Integrate(HamiltonianField.Learned(fit.Network), starts, settings.RolloutDt, steps, settings.Integrator, settings.SaveEvery, fixedPoint, ct: ct);
        }
        catch (Exception ex) when (ex is FixedPointNotConvergedException or InvalidOperationException)
        {
            return new FputStudyResult(settings, TrajectoryFit.RelativeError(fit.Energy(testX), truth), TrajectoryFit.RelativeError(fit.CorrectedEnergy(testX), truth),
                fit.Rank, period, null, trueModes, null, RecurrenceOf(trueModes, period))
            { LearnedRolloutFailure = ex.Message, Solve = solveName, Sweep = sweep };
        }

        var learnedModes = InvariantDiagnostics.ModeEnergies(system, learned);
        return new FputStudyResult(settings,
            TrajectoryFit.RelativeError(fit.Energy(testX), truth),
            TrajectoryFit.RelativeError(fit.CorrectedEnergy(testX), truth),
            fit.Rank,
            period,
            learnedModes,
            trueModes,
            RecurrenceOf(learnedModes, period),
            RecurrenceOf(trueModes, period))
        { Solve = solveName, Sweep = sweep };
    }

    /// <summary>The FPUT study's regularisation spellings: rcond (published), rcond=V, ridge=V, auto-ridge, auto-rcond.</summary>
    public static bool IsFputRegularisation(string spec) => spec is "rcond" or "auto-ridge" or "auto-rcond" || TryFixed(spec, out _);

    private static bool TryFixed(string spec, out Regularisation regularisation)
    {
        regularisation = default;
        var parts = spec.Split('=');
        if (parts.Length != 2 || parts[0] is not ("rcond" or "ridge")
            || !double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v))
        {
            return false;
        }

        var kind = parts[0] == "rcond" ? RegularisationKind.Rcond : RegularisationKind.Ridge;
        if (!(v >= 0 && double.IsFinite(v) && (kind == RegularisationKind.Ridge || v < 1)))
        {
            return false;
        }

        regularisation = new Regularisation(kind, v);
        return true;
    }

    /// <summary>
    /// A-SWIM (or U-SWIM) on the rows with the regularisation of the settings from the SVD of the reduced problem
    /// (<see cref="SpectralSolve"/>); the first A-SWIM stage keeps rcond (it only sets the pair probabilities). auto-*:
    /// the lambda or rcond minimising the relative error on the midpoint rows of <see cref="FputStudySettings.ValidationTrajectories"/>
    /// more trajectories (seed Derive(data seed, "fput/validation")). Optionally the pairs across trajectories.
    /// </summary>
    private static (TrajectoryFitResult Fit, string Solve, IReadOnlyList<RegularisationTestError> Sweep) FputRegularisedFit(ILinearAlgebra la, Fput system,
        FputStudySettings settings, TrajectorySet train, FormulationRows rows, Anchor anchor, double[][] testX, double[] truth, CancellationToken ct)
    {
        if (settings.Method is not (SamplingMethod.ASwim or SamplingMethod.USwim))
        {
            throw new ArgumentException($"the FPUT study's regularisations need u-swim or a-swim, not '{settings.Method.ToName()}'");
        }

        int[]? groups = null;
        if (settings.PairsAcrossTrajectories)
        {
            groups = new int[rows.Count];
            var k = 0;
            for (var m = 0; m < train.Trajectories.Count; m++)
            {
                for (var n = 0; n < train.Trajectories[m].Steps; n++)
                {
                    groups[k++] = m;
                }
            }
        }

        HiddenLayer Sample(double[]? y)
        {
            if (settings.Separable is not { } layer)
            {
                return SwimStages.Sample(rows.X, y, settings.Width, settings.ModelSeed, settings.WeightScale, groups);
            }

            // The separable selection and weights (SeparableSampler) on the study's candidates: across trajectories or the published ones.
            var candidates = groups is null
                ? CandidatePairs.Draw(rows.Count, settings.Width, Rng.Derive(settings.ModelSeed, "swim/candidates"))
                : CandidatePairs.DrawAcross(groups, settings.Width, Rng.Derive(settings.ModelSeed, "swim/candidates"));
            var (q, p) = SeparableSampler.Select(candidates, rows.X, y, settings.Width, settings.ModelSeed);
            return SeparableSampler.Weights(candidates, q, p, rows.X, layer);
        }

        var hidden = Sample(null);
        if (settings.Method == SamplingMethod.ASwim)
        {
            var first = OutputLayer.Fit(la, hidden, rows.X, rows.Dx, anchor, settings.Rcond, SolveMode.Structured);
            hidden = Sample(first.Network.Energy(rows.X));
        }

        var solve = SpectralSolve.Create(la, ReducedProblem.FromRows(la, hidden, rows.X, rows.Dx, anchor));
        Regularisation chosen;
        if (settings.Regularisation is "auto-ridge" or "auto-rcond")
        {
            var validation = Observe(system, FputStates(system, settings.ValidationTrajectories, settings.Modes, settings.Amplitude, new Rng(Rng.Derive(settings.DataSeed, "fput/validation"))),
                settings.Steps, settings.Dt, ct);
            var vr = Formulations.Rows(validation, TargetFormulation.Midpoint);
            var v = new ValidationRows(solve, GradientSystem.Full(hidden, vr.X, vr.Dx, anchor));
            chosen = RegularisationChoice.Choose(solve, settings.Regularisation == "auto-ridge" ? RegularisationKind.Ridge : RegularisationKind.Rcond, AutoCriterion.Validation, v).Chosen;
        }
        else if (settings.Regularisation == "rcond")
        {
            chosen = Hnn.Stages.Training.Regularisation.Rcond(settings.Rcond);
        }
        else if (!TryFixed(settings.Regularisation, out chosen))
        {
            throw new ArgumentException($"FPUT regularisation '{settings.Regularisation}' is not rcond, rcond=V, ridge=V, auto-ridge or auto-rcond");
        }

        TrajectoryFitResult Result(Regularisation r)
        {
            if (settings.Regularisation == "rcond" && r.Kind == RegularisationKind.Rcond && r.Value == settings.Rcond)
            {
                // The published solve (as TrajectoryFit), so that across-trajectory pairs are compared on the same solver.
                var published = OutputLayer.Fit(la, hidden, rows.X, rows.Dx, anchor, settings.Rcond, SolveMode.Structured);
                return new TrajectoryFitResult(published.Network, published.Rank, rows);
            }

            var filter = solve.Filter(r);
            var rank = r.Kind == RegularisationKind.Rcond ? solve.Rank(r.Value) : (int)Math.Round(SpectralSolve.EffectiveDof(filter));
            return new TrajectoryFitResult(RegularisationStudy.ToNetwork(hidden, solve.SolveFiltered(filter)), rank, rows);
        }

        var sweep = new List<RegularisationTestError>();
        foreach (var r in new[] { Hnn.Stages.Training.Regularisation.Rcond(1e-13) }.Concat(Enumerable.Range(0, 11).Select(i => Hnn.Stages.Training.Regularisation.Ridge(Math.Pow(10, -14 + i)))))
        {
            var f = Result(r);
            sweep.Add(new RegularisationTestError(r.ToString(), TrajectoryFit.RelativeError(f.Energy(testX), truth), TrajectoryFit.RelativeError(f.CorrectedEnergy(testX), truth)));
        }

        var reported = Result(chosen);
        return (reported, chosen.ToString(), sweep);
    }

    /// <summary>The linear beat period 2 pi / (2 omega_1 - omega_2) of the near-resonance 2 omega_1 ~ omega_2.</summary>
    public static double BeatPeriod(Fput system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return 2 * Math.PI / ((2 * system.ModeFrequency(1)) - system.ModeFrequency(2));
    }

    /// <summary>
    /// Mode 1's recurrence in trajectory <paramref name="trajectory"/> of a mode-energy series; see <see cref="Recurrence"/>.
    /// With <paramref name="relativeToStart"/> the return is the first time the share is back within 0.001 of its starting
    /// value s0 after falling below s0 - 0.005 (the study's 0.999 / 0.995 for a start all in mode 1, s0 = 1; for starts
    /// near, not on, the mode, as a pipeline's test trajectories).
    /// </summary>
    public static Recurrence RecurrenceOf(ModeEnergySeries modes, double period, int trajectory = 0, bool relativeToStart = false)
    {
        ArgumentNullException.ThrowIfNull(modes);
        var share = modes.Fraction(trajectory, 1);
        var times = modes.Times;
        double dip = double.PositiveInfinity, dipTime = double.NaN, peak = double.NegativeInfinity, peakTime = double.NaN;
        for (var k = 0; k < times.Length; k++)
        {
            if (times[k] < 0.8 * period && share[k] < dip)
            {
                (dip, dipTime) = (share[k], times[k]);
            }

            if (times[k] >= 0.75 * period && times[k] <= 1.25 * period && share[k] > peak)
            {
                (peak, peakTime) = (share[k], times[k]);
            }
        }

        var (low, high) = relativeToStart ? (share[0] - 0.005, share[0] - 0.001) : (0.995, 0.999);
        var (back, _) = InvariantDiagnostics.FirstRecurrence(times, share, low, high);
        return new Recurrence(dip, dipTime, back, peakTime);
    }

    /// <summary>
    /// Bound Kepler orbits (k of <paramref name="system"/>), one state each from <see cref="KeplerStates"/>, integrated by
    /// DOP853 (tolerance 1e-13) and observed at n dt, n = 0..steps.
    /// </summary>
    public static TrajectorySet KeplerTrajectories(Kepler system, int count, int steps, double dt, double maxEccentricity, ulong seed, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        return Observe(system, KeplerStates(count, maxEccentricity, new Rng(seed), system.K), steps, dt, ct);
    }

    /// <summary>States in the span of the lowest <paramref name="modes"/> modes of a periodic chain (see <see cref="FputStudySettings"/>).</summary>
    public static double[][] FputStates(Fput system, int count, int modes, double amplitude, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(rng);
        var n = system.N;
        var x = Batch.New(2 * n, count);
        for (var m = 0; m < count; m++)
        {
            for (var k = 1; k <= modes; k++)
            {
                var (a, b, c, d) = (rng.NextUniform(-amplitude, amplitude), rng.NextUniform(-amplitude, amplitude), rng.NextUniform(-amplitude, amplitude), rng.NextUniform(-amplitude, amplitude));
                var omega = system.ModeFrequency(k);
                for (var j = 1; j <= n; j++)
                {
                    var (cos, sin) = (Math.Cos(2 * Math.PI * k * j / n), Math.Sin(2 * Math.PI * k * j / n));
                    x[j - 1][m] += (a * cos) + (b * sin);
                    x[n + j - 1][m] += omega * ((c * cos) + (d * sin));
                }
            }
        }

        return x;
    }

    /// <summary>Trajectories from the columns of <paramref name="x0"/>, by DOP853 (tolerance 1e-13), observed at n dt, n = 0..steps.</summary>
    public static TrajectorySet Observe(HamiltonianSystem system, double[][] x0, int steps, double dt, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(x0);
        var count = x0[0].Length;
        var dim = x0.Length;
        var times = Enumerable.Range(0, steps + 1).Select(n => n * dt).ToArray();
        var solved = Rollouts.Reference(HamiltonianField.Exact(system), x0, times, TrajectorySettings.Tolerance, ct);
        var series = new TrajectorySeries[count];
        for (var m = 0; m < count; m++)
        {
            var states = new double[dim][];
            for (var i = 0; i < dim; i++)
            {
                states[i] = [.. Enumerable.Range(0, times.Length).Select(n => solved.States[n][i][m])];
            }

            series[m] = new TrajectorySeries(m.ToString(System.Globalization.CultureInfo.InvariantCulture), (double[])times.Clone(), states);
        }

        return new TrajectorySet(series);
    }

    /// <summary>
    /// States on random bound 2-D Kepler orbits (columns q1, q2, p1, p2): a uniform in [0.8, 1.2], e uniform in [0, e_max],
    /// periapsis angle and mean anomaly M uniform in [0, 2 pi), prograde or retrograde with equal odds; the eccentric
    /// anomaly solves E - e sin E = M (Newton), then q = a (cos E - e, sqrt(1 - e^2) sin E) and
    /// p = n a / (1 - e cos E) (-sin E, sqrt(1 - e^2) cos E) with n = sqrt(k / a^3), rotated by the periapsis angle.
    /// </summary>
    public static double[][] KeplerStates(int count, double maxEccentricity, Rng rng, double k = 1.0)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (!(maxEccentricity >= 0 && maxEccentricity < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(maxEccentricity), maxEccentricity, "the eccentricity must be in [0, 1) (bound orbits)");
        }

        var x = Batch.New(4, count);
        for (var m = 0; m < count; m++)
        {
            var a = rng.NextUniform(0.8, 1.2);
            var e = rng.NextUniform(0, maxEccentricity);
            var omega = rng.NextUniform(0, 2 * Math.PI);
            var mean = rng.NextUniform(0, 2 * Math.PI);
            var sign = rng.NextUniform(0, 1) < 0.5 ? 1.0 : -1.0;
            var ea = mean;
            for (var it = 0; it < 50; it++)
            {
                ea -= (ea - (e * Math.Sin(ea)) - mean) / (1 - (e * Math.Cos(ea)));
            }

            var root = Math.Sqrt(1 - (e * e));
            var n = Math.Sqrt(k / (a * a * a));
            var px = a * (Math.Cos(ea) - e);
            var py = sign * a * root * Math.Sin(ea);
            var speed = n * a / (1 - (e * Math.Cos(ea)));
            var vx = -speed * Math.Sin(ea);
            var vy = sign * speed * root * Math.Cos(ea);
            var (c, s) = (Math.Cos(omega), Math.Sin(omega));
            x[0][m] = (c * px) - (s * py);
            x[1][m] = (s * px) + (c * py);
            x[2][m] = (c * vx) - (s * vy);
            x[3][m] = (s * vx) + (c * vy);
        }

        return x;
    }

    private static double[][] Observations(TrajectorySet set)
    {
        var dim = 2 * set.Dof;
        var x = new double[dim][];
        for (var i = 0; i < dim; i++)
        {
            x[i] = [.. set.Trajectories.SelectMany(t => t.States[i])];
        }

        return x;
    }

    private static double[] Energies(HamiltonianSystem system, double[][] x)
    {
        var count = x[0].Length;
        var h = new double[count];
        var point = new double[x.Length];
        for (var k = 0; k < count; k++)
        {
            for (var i = 0; i < x.Length; i++)
            {
                point[i] = x[i][k];
            }

            h[k] = system.Energy(point);
        }

        return h;
    }
}

/// <summary>One point of <see cref="WeightScaleSweep"/>: test rel. L2 error of H fitted on exact derivatives.</summary>
public sealed record WeightScalePoint(string System, string Method, int Width, double Scale, bool ScaleBiasesToo, int Rank, double TestH, double TrainH)
{
    /// <summary>The separable layer measured (docs/ALGORITHM.md §2.1b; its scales, <see cref="Scale"/> unused), or null.</summary>
    public SeparableLayer? Separable { get; init; }
}

/// <summary>
/// The weight-scale measurement of docs/RESULTS.md ("The sampled weight scale") on the derivative path: the systems of
/// <see cref="LearnedSystemStudy"/> with exact derivatives at independent states (FPUT: <see cref="LearnedSystemStudy.FputStates"/>,
/// modes 1-3, amplitude 0.3; Kepler: <see cref="LearnedSystemStudy.KeplerStates"/>, e &lt;= 0.5), training states from the data
/// seed, 2000 test states from Derive(data seed, "scale-sweep/test"); rcond 1e-13, anchor as in the studies. Methods u-swim,
/// a-swim (as <see cref="TrajectoryFit"/>) and elm (biases in [min, max] of the training states). With
/// <c>scaleBiasesToo</c> the ablation: the published layer with weights and biases both multiplied by s (the window moves
/// to tanh's inflection point; not a sampler option). With a <see cref="SeparableLayer"/> the separable samplers
/// (<see cref="SeparableSampler"/>, <see cref="SwimStages.SampleSeparable"/>) at its q and p scales.
/// </summary>
public static class WeightScaleSweep
{
    public static WeightScalePoint Run(ILinearAlgebra la, string system, int points, string method, int width, double scale, bool scaleBiasesToo,
        ulong dataSeed = 3943, ulong modelSeed = 992472, SeparableLayer? separable = null)
    {
        if (separable is not null && scaleBiasesToo)
        {
            throw new ArgumentException("the bias-scaling ablation is not defined for a separable layer", nameof(scaleBiasesToo));
        }

        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(system);
        HamiltonianSystem sys;
        double[][] xTrain, xTest;
        double[] x0;
        var testSeed = Rng.Derive(dataSeed, "scale-sweep/test");
        if (system == "kepler")
        {
            sys = new Kepler(1.0, 2);
            xTrain = LearnedSystemStudy.KeplerStates(points, 0.5, new Rng(dataSeed));
            xTest = LearnedSystemStudy.KeplerStates(2000, 0.5, new Rng(testSeed));
            x0 = [1, 0, 0, 1];
        }
        else
        {
            // fput:alpha:beta
            var p = system.Split(':');
            if (p.Length != 3 || p[0] != "fput")
            {
                throw new ArgumentException($"system '{system}' is not kepler or fput:ALPHA:BETA", nameof(system));
            }

            var f = new Fput(8, double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), double.Parse(p[2], System.Globalization.CultureInfo.InvariantCulture), periodic: true);
            sys = f;
            xTrain = LearnedSystemStudy.FputStates(f, points, 3, 0.3, new Rng(dataSeed));
            xTest = LearnedSystemStudy.FputStates(f, 2000, 3, 0.3, new Rng(testSeed));
            x0 = new double[16];
        }

        var train = DataGenerator.Evaluate(sys, xTrain);
        var test = DataGenerator.Evaluate(sys, xTest);
        var anchor = new Anchor(x0, sys.Energy(x0));
        var sampleScale = scaleBiasesToo ? 1 : scale;
        HiddenLayerTransform transform = scaleBiasesToo ? h => ScaleBoth(h, scale) : h => h;
        FitResult Solve(Hnn.Stages.Model.HiddenLayer h) => OutputLayer.Fit(la, transform(h), train.X, train.Dx, anchor, 1e-13, SolveMode.Structured);
        Hnn.Stages.Model.HiddenLayer Swim(double[]? y) => separable is null
            ? SwimStages.Sample(train.X, y, width, modelSeed, sampleScale)
            : SwimStages.SampleSeparable(train.X, y, width, modelSeed, separable);
        FitResult fit;
        switch (method)
        {
            case "elm":
                var (lo, hi) = (xTrain.Min(r => r.Min()), xTrain.Max(r => r.Max()));
                fit = Solve(separable is null
                    ? ElmSampler.Sample(xTrain.Length, width, lo, hi, Rng.Derive(modelSeed, "elm"), sampleScale)
                    : SeparableSampler.Elm(xTrain.Length, width, lo, hi, Rng.Derive(modelSeed, "elm"), separable));
                break;
            case "u-swim":
                fit = Solve(Swim(null));
                break;
            case "a-swim":
                var first = Solve(Swim(null));
                fit = Solve(Swim(first.Network.Energy(train.X)));
                break;
            default:
                throw new ArgumentException($"method '{method}' is not elm, u-swim or a-swim", nameof(method));
        }

        return new WeightScalePoint(system, method, width, scale, scaleBiasesToo, fit.Rank,
            TrajectoryFit.RelativeError(fit.Network.Energy(test.X), test.H), TrajectoryFit.RelativeError(fit.Network.Energy(train.X), train.H))
        { Separable = separable };
    }

    private delegate Hnn.Stages.Model.HiddenLayer HiddenLayerTransform(Hnn.Stages.Model.HiddenLayer h);

    private static Hnn.Stages.Model.HiddenLayer ScaleBoth(Hnn.Stages.Model.HiddenLayer h, double s) =>
        new([.. h.Weights.Select(r => r.Select(v => v * s).ToArray())], [.. h.Biases.Select(v => v * s)]);
}
