using Hnn.Datasets;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Rollout;
using Hnn.Stages.Sampling;

namespace Hnn.Stages.Training;

/// <summary>
/// The settings of one run of the regularisation study (docs/RESULTS.md, "Noise, regularisation and error bars"): exact
/// derivative data of <paramref name="System"/> on <paramref name="Domain"/> with Gaussian noise of standard deviation
/// <paramref name="NoiseRelative"/> x RMS(x') added to every x' entry of the training and validation points.
/// </summary>
/// <param name="Method">elm, u-swim or a-swim (A-SWIM's first stage solves with rcond 1e-13, as in production).</param>
public sealed record RegularisationStudySettings(
    HamiltonianSystem System,
    Domain Domain,
    Anchor Anchor,
    int Train,
    int Validation,
    int Test,
    int Width,
    string Method,
    double NoiseRelative,
    ulong DataSeed,
    ulong ModelSeed)
{
    /// <summary>Fixed rcond values compared in hindsight: 1e-16, 1e-15, ..., 1e-2.</summary>
    public IReadOnlyList<double> RcondGrid { get; init; } = [.. Enumerable.Range(0, 15).Select(i => Math.Pow(10, -16 + i))];

    /// <summary>Fixed lambda values compared in hindsight: 1e-16, 10^-15.5, ..., 1e-1.</summary>
    public IReadOnlyList<double> LambdaGrid { get; init; } = [.. Enumerable.Range(0, 31).Select(i => Math.Pow(10, -16 + (i / 2.0)))];

    /// <summary>
    /// Null: derivative rows (as above). Otherwise learning from generated trajectories with the <c>midpoint</c> target:
    /// <see cref="Train"/> and <see cref="Validation"/> are numbers of trajectories (initial states uniform in the domain,
    /// each observed every <see cref="TrajectoryRows.Dt"/> for <see cref="TrajectoryRows.Steps"/> steps by DOP853,
    /// relative noise <see cref="NoiseRelative"/> added after integration; training from the data seed, validation from
    /// Derive(data seed, "regularisation-study/validation")), so the split is by trajectory; H is the midpoint-corrected
    /// learned function; the test points are exact and uniform in the domain.
    /// </summary>
    public TrajectoryRows? Trajectories { get; init; }

    /// <summary>Receives one line per fixed point (its test errors and every criterion's score) when set; for the study's --curve option.</summary>
    public Action<string>? Trace { get; init; }
}

/// <summary>
/// Observation step and steps per trajectory of the study's trajectory mode; <paramref name="Whitened"/>: the output layer
/// is fitted (and validated) on the whitened integral rows of <see cref="IntegralRows"/> instead of the midpoint rows
/// (the hidden layer is sampled on the midpoint rows either way).
/// </summary>
public sealed record TrajectoryRows(double Dt, int Steps, bool Whitened = false);

/// <summary>Test error of one regularisation (relative L2 errors of H and grad H on the exact test points).</summary>
public readonly record struct StudyPoint(Regularisation Regularisation, double TestH, double TestGrad, double EffectiveDof);

/// <summary>An automatic choice and the test error of its solution.</summary>
public sealed record StudyAuto(string Name, AutoChoice Choice, StudyPoint Result);

/// <summary>The Bayesian output layer's summary: lambda, the noise it estimated and the true one, band coverage, error of its mean.</summary>
public sealed record StudyBayes(
    double Lambda,
    double NoiseSd,
    double TrueNoiseSd,
    double CoverageH,
    double CoverageGrad,
    double MeanTestH,
    double MedianSdH)
{
    /// <summary>The noise level estimated on the validation rows (<see cref="NoiseSource.Validation"/>).</summary>
    public double ValidationNoiseSd { get; init; }

    /// <summary>Coverage of the 95 % band of H when its scale comes from the validation rows.</summary>
    public double ValidationCoverageH { get; init; }

    /// <summary>Coverage of the 95 % bands of the grad H components, validation scale.</summary>
    public double ValidationCoverageGrad { get; init; }

    /// <summary>Trajectory mode: kappa of <see cref="BayesianOutputLayer.WithTrajectoryScale"/> (NaN for derivative rows).</summary>
    public double TrajectoryScale { get; init; } = double.NaN;

    /// <summary>Trajectory mode: coverage of the 95 % band of H scaled by <see cref="TrajectoryScale"/> (NaN for derivative rows).</summary>
    public double TrajectoryCoverageH { get; init; } = double.NaN;

    /// <summary>
    /// Bands centred on automatic choices' own solutions (<see cref="BayesianOutputLayer.AtRegularisation"/>), one per
    /// automatic choice: trajectory mode only (empty for derivative rows).
    /// </summary>
    public IReadOnlyList<StudyChosenBand> ChosenBands { get; init; } = [];
}

/// <summary>The band of one automatic choice's solution: its coverage with the training scale and with the trajectory scale kappa.</summary>
public sealed record StudyChosenBand(string Name, double CoverageH, double Kappa, double TrajectoryCoverageH, double MedianSdH)
{
    /// <summary>kappa constrained to &gt;= 1 when the observations are noisy (the pipeline's model.error_bars: trajectories); = <see cref="Kappa"/> without noise.</summary>
    public double WidenedKappa { get; init; } = double.NaN;

    /// <summary>Coverage of the band scaled by <see cref="WidenedKappa"/>.</summary>
    public double WidenedCoverageH { get; init; } = double.NaN;

    /// <summary>The sandwich posterior under the rows' correlated noise (<see cref="BayesianOutputLayer.CorrelatedAtRegularisation"/>): its estimated relative observation noise s (NaN: not built).</summary>
    public double SandwichNoise { get; init; } = double.NaN;

    /// <summary>Coverage of the sandwich band, scale 1.</summary>
    public double SandwichCoverageH { get; init; } = double.NaN;

    /// <summary>kappa fitted to the sandwich band on the validation trajectories (unconstrained).</summary>
    public double SandwichKappa { get; init; } = double.NaN;

    /// <summary>Coverage of the sandwich band scaled by <see cref="SandwichKappa"/>.</summary>
    public double SandwichKappaCoverageH { get; init; } = double.NaN;

    /// <summary>kappa of the sandwich band, &gt;= 1 when the observations are noisy.</summary>
    public double SandwichWidenedKappa { get; init; } = double.NaN;

    /// <summary>Coverage of the sandwich band scaled by <see cref="SandwichWidenedKappa"/>.</summary>
    public double SandwichWidenedCoverageH { get; init; } = double.NaN;

    /// <summary>Coverage of the sandwich band with the ridge's shrinkage over the prior (<c>withPrior</c>), scale 1.</summary>
    public double SandwichPriorCoverageH { get; init; } = double.NaN;

    /// <summary>Median sd of the sandwich band on the test points (scale 1).</summary>
    public double SandwichMedianSdH { get; init; } = double.NaN;

    /// <summary>Coverage of the sandwich band plus the regularisation's bias under the empirical-Bayes prior (<c>withBias</c>), scale 1.</summary>
    public double SandwichBiasCoverageH { get; init; } = double.NaN;

    /// <summary>That prior's tau (<see cref="BayesianOutputLayer.BiasPriorSd"/>).</summary>
    public double SandwichBiasTau { get; init; } = double.NaN;

    /// <summary>Median sd of the sandwich + bias band.</summary>
    public double SandwichBiasMedianSdH { get; init; } = double.NaN;

    /// <summary>That prior's power-law exponent a (<see cref="BayesianOutputLayer.BiasPriorExponent"/>; 0: isotropic).</summary>
    public double SandwichBiasExponent { get; init; } = double.NaN;

    /// <summary>Coverage of the sandwich band plus the bias under the isotropic prior (a = 0; the earlier diagnostic).</summary>
    public double SandwichIsotropicBiasCoverageH { get; init; } = double.NaN;

    /// <summary>
    /// The sandwich + bias band (the pipeline's band since error-bars version 3) under its own model: 400 draws of noise and
    /// bias prior seeded by the model seed, and where the observed coverage lies (<see cref="ModelCoverageRange"/>).
    /// </summary>
    public ModelCoverageRange? SandwichBiasModelCoverage { get; init; }

    /// <summary>
    /// The scale-1 sandwich band's coverage under its own model (<see cref="BayesianOutputLayer.ModelCoverageDraws"/>, 400
    /// draws seeded by the model seed): the 5 %, 50 % and 95 % quantiles and the fraction of draws in [0.90, 0.99].
    /// </summary>
    public (double Q05, double Q50, double Q95, double InWindow) SandwichModelCoverage { get; init; } = (double.NaN, double.NaN, double.NaN, double.NaN);

    /// <summary>
    /// The largest fraction of the own model's draws in [0.90, 0.99] over band scales kappa in {0.7, 0.8, ..., 1.5} (the draws'
    /// errors from the unscaled model, the band z kappa sd), and that kappa: what any rescaling of a correct band could reach.
    /// </summary>
    public (double Kappa, double InWindow) SandwichBestScaleInWindow { get; init; } = (double.NaN, double.NaN);
}

/// <summary>Everything one study run measured.</summary>
public sealed record RegularisationStudyResult(
    RegularisationStudySettings Settings,
    IReadOnlyList<StudyPoint> Fixed,
    IReadOnlyList<StudyAuto> Auto,
    StudyBayes Bayes)
{
    /// <summary>The best fixed point of one kind (lowest test H error).</summary>
    public StudyPoint BestFixed(RegularisationKind kind) => Fixed.Where(p => p.Regularisation.Kind == kind).MinBy(p => p.TestH);

    /// <summary>The best fixed point of either kind.</summary>
    public StudyPoint BestFixedOverall => Fixed.MinBy(p => p.TestH);
}

/// <summary>
/// The harness of the done-means 3: fixed rcond / lambda grids against the automatic choices (validation rows
/// and GCV, for truncation and ridge) and the Bayesian band's coverage of the true H and grad H on test points. Pure:
/// every random draw comes from the settings' seeds. Used by the tests (small sizes) and scripts/regularisation-study.sh.
/// </summary>
public static class RegularisationStudy
{
    /// <summary>Runs the study.</summary>
    public static RegularisationStudyResult Run(ILinearAlgebra la, RegularisationStudySettings settings)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(settings);
        var system = settings.System;
        var (trainX, trainDx, validationX, validationDx, test, noiseSd, meanSquareStep, sets) = settings.Trajectories is null
            ? DerivativeRows(settings)
            : TrajectoryRowsOf(settings, settings.Trajectories);
        var formulation = settings.Trajectories is null ? TargetFormulation.Derivatives : TargetFormulation.Midpoint;

        var hidden = Hidden(la, settings, trainX, trainDx);
        SpectralSolve solve;
        ValidationRows rows;
        ReducedProblem? reduced = null;
        if (settings.Trajectories is { Whitened: true })
        {
            var rms = IntegralRows.CoordinateRms(sets!.Value.Train);
            solve = SpectralSolve.Create(la, ReducedProblem.FromSystem(la, IntegralRows.System(hidden, sets.Value.Train, rms, settings.Anchor)));
            rows = new ValidationRows(solve, IntegralRows.System(hidden, sets.Value.Validation, rms, settings.Anchor));
            noiseSd = settings.NoiseRelative; // every whitened row has noise sd sigma (relative noise, rows divided by s_i)
        }
        else
        {
            // Trajectory rows: with the triangle of the differenced rows (the same pass; R, Q^T y and the residual unchanged).
            reduced = sets is { } ts ? ReducedProblem.FromRows(la, hidden, trainX, trainDx, settings.Anchor, TrajectoryRowSteps.Of(ts.Train))
                : ReducedProblem.FromRows(la, hidden, trainX, trainDx, settings.Anchor);
            solve = SpectralSolve.Create(la, reduced);
            rows = new ValidationRows(solve, GradientSystem.Full(hidden, validationX, validationDx, settings.Anchor));
        }

        StudyPoint Evaluate(Regularisation reg)
        {
            var filter = solve.Filter(reg);
            var (h, g) = TestErrors(ToNetwork(hidden, solve.SolveFiltered(filter)), test, formulation, meanSquareStep);
            return new StudyPoint(reg, h, g, SpectralSolve.EffectiveDof(filter));
        }

        var fixedPoints = settings.RcondGrid.Select(r => Evaluate(Regularisation.Rcond(r)))
            .Concat(settings.LambdaGrid.Select(l => Evaluate(Regularisation.Ridge(l)))).ToArray();
        // Midpoint rows of trajectories: the validation trajectories' whitened level rows (IntegralRows) as a third criterion.
        ValidationRows? levels = settings.Trajectories is { Whitened: false }
            ? new ValidationRows(solve, IntegralRows.System(hidden, TrajectoryBandCalibration.InDomain(sets!.Value.Validation, settings.Domain), IntegralRows.CoordinateRms(sets.Value.Train), settings.Anchor))
            : null;
        ValidationRows? inBox = null;
        if (settings.Trajectories is { Whitened: false })
        {
            var vr = Formulations.Rows(TrajectoryBandCalibration.InDomain(sets!.Value.Validation, settings.Domain), TargetFormulation.Midpoint);
            inBox = new ValidationRows(solve, GradientSystem.Full(hidden, vr.X, vr.Dx, settings.Anchor));
        }
        if (settings.Trace is { } trace)
        {
            foreach (var p in fixedPoints)
            {
                var f = solve.Filter(p.Regularisation);
                trace($"{p.Regularisation} testH {p.TestH:0.000e+00} grad {p.TestGrad:0.000e+00} val {rows.Error(f):0.00000e+00} levels {levels?.Error(f):0.00000e+00} inbox {inBox?.Error(f):0.00000e+00} gcv {solve.Gcv(f):0.0000e+00} dof {p.EffectiveDof:0.0}");
            }
        }

        var auto = new List<StudyAuto>();
        foreach (var kind in new[] { RegularisationKind.Rcond, RegularisationKind.Ridge })
        {
            foreach (var criterion in new[] { AutoCriterion.Validation, AutoCriterion.Gcv })
            {
                var choice = RegularisationChoice.Choose(solve, kind, criterion, rows);
                var name = (kind == RegularisationKind.Rcond ? "rcond" : "ridge") + "/" + (criterion == AutoCriterion.Validation ? "validation" : "gcv");
                auto.Add(new StudyAuto(name, choice, Evaluate(choice.Chosen)));
            }

            if (levels is not null)
            {
                var box = RegularisationChoice.Choose(solve, kind, AutoCriterion.Validation, inBox);
                auto.Add(new StudyAuto((kind == RegularisationKind.Rcond ? "rcond" : "ridge") + "/domain", box, Evaluate(box.Chosen)));
                var choice = RegularisationChoice.Choose(solve, kind, AutoCriterion.Validation, levels);
                auto.Add(new StudyAuto((kind == RegularisationKind.Rcond ? "rcond" : "ridge") + "/levels", choice, Evaluate(choice.Chosen)));
            }
        }

        var bayes = BayesianOutputLayer.Fit(solve);
        var calibrated = bayes.WithValidationNoise(rows);
        var mean = bayes.MeanNetwork(hidden);
        var (sdH, sdGrad) = bayes.PredictiveSd(hidden, test.X, settings.Anchor.X0);
        var gradHat = new double[test.X.Length][];
        for (var i = 0; i < gradHat.Length; i++)
        {
            gradHat[i] = new double[test.Count];
        }

        var hHat = new double[test.Count];
        mean.Predict(test.X, 0, test.Count, hHat, gradHat);
        if (formulation == TargetFormulation.Midpoint)
        {
            hHat = Formulations.CorrectedEnergy(mean, test.X, formulation, meanSquareStep);
        }

        var gradTruth = GradientOf(test.Dx);
        double GradCoverage(double scale)
        {
            var inside = 0.0;
            for (var i = 0; i < gradHat.Length; i++)
            {
                inside += BayesianOutputLayer.Coverage(gradTruth[i], gradHat[i], [.. sdGrad[i].Select(v => v * scale)]);
            }

            return inside / gradHat.Length;
        }

        var scale = calibrated.NoiseSd / bayes.NoiseSd;
        var kappa = double.NaN;
        if (sets is { } trajectorySets)
        {
            var t = settings.Trajectories!;
            kappa = TrajectoryBandCalibration.Kappa(bayes, hidden, mean, trajectorySets.Train, TrajectoryBandCalibration.InDomain(trajectorySets.Validation, settings.Domain),
                formulation, meanSquareStep, t.Dt, t.Whitened);
        }

        var chosenBands = new List<StudyChosenBand>();
        if (sets is { } bandSets)
        {
            var t = settings.Trajectories!;
            foreach (var a in auto)
            {
                var at = BayesianOutputLayer.AtRegularisation(solve, a.Choice.Chosen);
                var atMean = at.MeanNetwork(hidden);
                var (atSd, _) = at.PredictiveSd(hidden, test.X, settings.Anchor.X0);
                var atH = formulation == TargetFormulation.Midpoint ? Formulations.CorrectedEnergy(atMean, test.X, formulation, meanSquareStep) : atMean.Energy(test.X);
                var atKappa = TrajectoryBandCalibration.Kappa(at, hidden, atMean, bandSets.Train, TrajectoryBandCalibration.InDomain(bandSets.Validation, settings.Domain),
                    formulation, meanSquareStep, t.Dt, t.Whitened);
                var widened = TrajectoryBandCalibration.Kappa(at, hidden, atMean, bandSets.Train, TrajectoryBandCalibration.InDomain(bandSets.Validation, settings.Domain),
                    formulation, meanSquareStep, t.Dt, t.Whitened, widenOnly: settings.NoiseRelative > 0);
                var band = new StudyChosenBand(a.Name, BayesianOutputLayer.Coverage(test.H, atH, atSd), atKappa,
                    BayesianOutputLayer.Coverage(test.H, atH, [.. atSd.Select(v => v * atKappa)]), Median(atSd))
                {
                    WidenedKappa = widened,
                    WidenedCoverageH = BayesianOutputLayer.Coverage(test.H, atH, [.. atSd.Select(v => v * widened)]),
                };
                if (reduced?.NoiseTriangle is not null)
                {
                    // The sandwich posterior under the rows' correlated noise (docs/ALGORITHM.md §2.6), relative noise: scales = RMS.
                    var sw = BayesianOutputLayer.CorrelatedAtRegularisation(la, solve, a.Choice.Chosen, hidden, reduced, IntegralRows.CoordinateRms(bandSets.Train));
                    var (swSd, _) = sw.PredictiveSd(hidden, test.X, settings.Anchor.X0);
                    var inDomain = TrajectoryBandCalibration.InDomain(bandSets.Validation, settings.Domain);
                    var swKappa = TrajectoryBandCalibration.Kappa(sw, hidden, atMean, bandSets.Train, inDomain, formulation, meanSquareStep, t.Dt);
                    var swWidened = TrajectoryBandCalibration.Kappa(sw, hidden, atMean, bandSets.Train, inDomain, formulation, meanSquareStep, t.Dt, widenOnly: settings.NoiseRelative > 0);
                    band = band with
                    {
                        SandwichNoise = sw.NoiseSd,
                        SandwichCoverageH = BayesianOutputLayer.Coverage(test.H, atH, swSd),
                        SandwichKappa = swKappa,
                        SandwichKappaCoverageH = BayesianOutputLayer.Coverage(test.H, atH, [.. swSd.Select(v => v * swKappa)]),
                        SandwichWidenedKappa = swWidened,
                        SandwichWidenedCoverageH = BayesianOutputLayer.Coverage(test.H, atH, [.. swSd.Select(v => v * swWidened)]),
                        SandwichMedianSdH = Median(swSd),
                        SandwichPriorCoverageH = BayesianOutputLayer.Coverage(test.H, atH,
                            BayesianOutputLayer.CorrelatedAtRegularisation(la, solve, a.Choice.Chosen, hidden, reduced, IntegralRows.CoordinateRms(bandSets.Train), withPrior: true)
                                .PredictiveSd(hidden, test.X, settings.Anchor.X0).H),
                    };
                    var biased = BayesianOutputLayer.CorrelatedAtRegularisation(la, solve, a.Choice.Chosen, hidden, reduced, IntegralRows.CoordinateRms(bandSets.Train), withBias: true);
                    var biasSd = biased.PredictiveSd(hidden, test.X, settings.Anchor.X0).H;
                    var draws = sw.ModelCoverageDraws(hidden, test.X, settings.Anchor.X0, swSd, 400, (ulong)settings.ModelSeed).Order().ToArray();
                    band = band with
                    {
                        SandwichBiasCoverageH = BayesianOutputLayer.Coverage(test.H, atH, biasSd),
                        SandwichBiasTau = biased.BiasPriorSd,
                        SandwichBiasMedianSdH = Median(biasSd),
                        SandwichBiasExponent = biased.BiasPriorExponent,
                        SandwichIsotropicBiasCoverageH = BayesianOutputLayer.Coverage(test.H, atH,
                            BayesianOutputLayer.CorrelatedAtRegularisation(la, solve, a.Choice.Chosen, hidden, reduced, IntegralRows.CoordinateRms(bandSets.Train), withBias: true,
                                biasExponents: BayesianOutputLayer.IsotropicExponent).PredictiveSd(hidden, test.X, settings.Anchor.X0).H),
                        SandwichBiasModelCoverage = ModelCoverageRange.Of(biased.ModelCoverageDraws(hidden, test.X, settings.Anchor.X0, biasSd, 400, (ulong)settings.ModelSeed),
                            BayesianOutputLayer.Coverage(test.H, atH, biasSd)),
                        SandwichModelCoverage = (draws[(int)(0.05 * (draws.Length - 1))], draws[(draws.Length - 1) / 2], draws[(int)(0.95 * (draws.Length - 1))],
                            draws.Count(c => c >= 0.90 && c <= 0.99) / (double)draws.Length),
                        SandwichBestScaleInWindow = Enumerable.Range(7, 9).Select(i => i / 10.0)
                            .Select(k => (k, sw.ModelCoverageDraws(hidden, test.X, settings.Anchor.X0, swSd, 400, (ulong)settings.ModelSeed, BayesianOutputLayer.Z95 * k)
                                .Count(c => c >= 0.90 && c <= 0.99) / 400.0))
                            .MaxBy(p => p.Item2),
                    };
                }

                chosenBands.Add(band);
            }
        }

        var (meanH, _) = TestErrors(mean, test, formulation, meanSquareStep);
        var summary = new StudyBayes(
            bayes.Lambda,
            bayes.NoiseSd,
            noiseSd,
            BayesianOutputLayer.Coverage(test.H, hHat, sdH),
            GradCoverage(1),
            meanH,
            Median(sdH))
        {
            ValidationNoiseSd = calibrated.NoiseSd,
            ValidationCoverageH = BayesianOutputLayer.Coverage(test.H, hHat, [.. sdH.Select(v => v * scale)]),
            ValidationCoverageGrad = GradCoverage(scale),
            TrajectoryScale = kappa,
            TrajectoryCoverageH = double.IsNaN(kappa) ? double.NaN : BayesianOutputLayer.Coverage(test.H, hHat, [.. sdH.Select(v => v * kappa)]),
            ChosenBands = chosenBands,
        };
        return new RegularisationStudyResult(settings, fixedPoints, auto, summary);
    }

    /// <summary>Derivative rows: exact x' with noise of sd NoiseRelative x RMS(x') on the training and validation rows.</summary>
    private static (double[][] TrainX, double[][] TrainDx, double[][] ValidationX, double[][] ValidationDx, DataSet Test, double NoiseSd, double MeanSquareStep, (TrajectorySet Train, TrajectorySet Validation)? Sets)
        DerivativeRows(RegularisationStudySettings settings)
    {
        var all = DataGenerator.Sample(settings.System, settings.Domain, settings.Train + settings.Validation + settings.Test, settings.DataSeed);
        var train = Slice(all, 0, settings.Train);
        var validation = Slice(all, settings.Train, settings.Validation);
        var test = Slice(all, settings.Train + settings.Validation, settings.Test);

        // Noise: one scale for every x' entry (relative to the RMS of the exact training derivatives).
        double sum = 0;
        foreach (var column in train.Dx)
        {
            sum += column.Sum(v => v * v);
        }

        var noiseSd = settings.NoiseRelative * Math.Sqrt(sum / (train.Dx.Length * (double)train.Count));
        var rng = new Rng(settings.DataSeed, "regularisation-study/noise");
        var trainDx = AddNoise(train.Dx, noiseSd, rng);
        var validationDx = AddNoise(validation.Dx, noiseSd, rng);
        return (train.X, trainDx, validation.X, validationDx, test, noiseSd, 0, null);
    }

    /// <summary>
    /// Midpoint rows of generated noisy trajectories (see <see cref="RegularisationStudySettings.Trajectories"/>). The
    /// reported true noise is the RMS over coordinates of the rows' target noise, sqrt(2) sigma s_i / dt (s_i: the RMS of
    /// coordinate i over the noise-free training observations).
    /// </summary>
    private static (double[][] TrainX, double[][] TrainDx, double[][] ValidationX, double[][] ValidationDx, DataSet Test, double NoiseSd, double MeanSquareStep, (TrajectorySet Train, TrajectorySet Validation)? Sets)
        TrajectoryRowsOf(RegularisationStudySettings settings, TrajectoryRows trajectories)
    {
        var system = settings.System;
        TrajectorySet Generate(int count, ulong seed, double sigma) =>
            TrajectoryGenerator.Generate(system, settings.Domain, new TrajectorySettings(count, trajectories.Dt, trajectories.Steps, sigma, NoiseKind.Relative, seed));
        var validationSeed = Rng.Derive(settings.DataSeed, "regularisation-study/validation");
        var trainSet = Generate(settings.Train, settings.DataSeed, settings.NoiseRelative);
        var validationSet = Generate(settings.Validation, validationSeed, settings.NoiseRelative);
        var train = Formulations.Rows(trainSet, TargetFormulation.Midpoint);
        var validation = Formulations.Rows(validationSet, TargetFormulation.Midpoint);
        var clean = Generate(settings.Train, settings.DataSeed, 0);
        // (s2 / n) of each coordinate is the square of its RMS over the noise-free observations.
        var rms = IntegralRows.CoordinateRms(clean);
        var dim = rms.Length;
        double sum = 0;
        foreach (var s in rms)
        {
            sum += 2 * settings.NoiseRelative * settings.NoiseRelative * (s * s) / (trajectories.Dt * trajectories.Dt);
        }

        var test = DataGenerator.Sample(system, settings.Domain, settings.Test, Rng.Derive(settings.DataSeed, "regularisation-study/test"));
        return (train.X, train.Dx, validation.X, validation.Dx, test, Math.Sqrt(sum / dim), train.MeanSquareStep, (trainSet, validationSet));
    }

    /// <summary>The hidden layer of the settings' method (seeds derived from the model seed as in the pipeline's samplers).</summary>
    private static HiddenLayer Hidden(ILinearAlgebra la, RegularisationStudySettings settings, double[][] x, double[][] dx)
    {
        switch (settings.Method)
        {
            case "elm":
                return ElmSampler.Sample(x.Length, settings.Width, settings.Domain.MinLimit, settings.Domain.MaxLimit, settings.ModelSeed);
            case "u-swim":
                return SwimStages.Sample(x, null, settings.Width, settings.ModelSeed);
            case "a-swim":
                var first = SwimStages.Sample(x, null, settings.Width, settings.ModelSeed);
                var (r, rRows) = ReducedProblem.GradientR(la, first, x, dx);
                var (network, _) = GradientSystem.SolveReduced(la, first, r, rRows, settings.Anchor, 1e-13);
                return SwimStages.Sample(x, network.Energy(x), settings.Width, settings.ModelSeed); // A-SWIM: resampled on the first network's H-hat
            default:
                throw new ArgumentException($"method '{settings.Method}' is not one of elm, u-swim, a-swim", nameof(settings));
        }
    }

    /// <summary>The network of an output-weight vector (c_1..c_N, c_0 last).</summary>
    public static Network ToNetwork(HiddenLayer hidden, double[] c)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(c);
        return new Network(hidden, c.AsSpan(0, hidden.Width).ToArray(), c[hidden.Width]);
    }

    /// <summary>Relative L2 errors of H and grad H on the test set.</summary>
    private static (double H, double Grad) TestErrors(Network network, DataSet test, TargetFormulation formulation, double meanSquareStep)
    {
        var h = new double[test.Count];
        var grad = new double[test.X.Length][];
        for (var i = 0; i < grad.Length; i++)
        {
            grad[i] = new double[test.Count];
        }

        network.Predict(test.X, 0, test.Count, h, grad);
        if (formulation == TargetFormulation.Midpoint)
        {
            h = Formulations.CorrectedEnergy(network, test.X, formulation, meanSquareStep);
        }

        var truth = GradientOf(test.Dx);
        double eh = 0, nh = 0, eg = 0, ng = 0;
        for (var k = 0; k < test.Count; k++)
        {
            eh += SpectralSolve.Square(h[k] - test.H[k]);
            nh += SpectralSolve.Square(test.H[k]);
            for (var i = 0; i < grad.Length; i++)
            {
                eg += SpectralSolve.Square(grad[i][k] - truth[i][k]);
                ng += SpectralSolve.Square(truth[i][k]);
            }
        }

        return (Math.Sqrt(eh / nh), Math.Sqrt(eg / ng));
    }

    /// <summary>grad H from exact time derivatives (Hamilton's equations): dH/dq = -dp/dt, dH/dp = dq/dt.</summary>
    private static double[][] GradientOf(double[][] dx)
    {
        var d = dx.Length / 2;
        var g = new double[dx.Length][];
        for (var i = 0; i < d; i++)
        {
            g[i] = [.. dx[d + i].Select(v => -v)];
            g[d + i] = (double[])dx[i].Clone();
        }

        return g;
    }

    private static DataSet Slice(DataSet data, int start, int count) =>
        new(data.Dof, [.. data.X.Select(c => c.AsSpan(start, count).ToArray())], [.. data.Dx.Select(c => c.AsSpan(start, count).ToArray())], data.H.AsSpan(start, count).ToArray());

    private static double[][] AddNoise(double[][] dx, double sd, Rng rng)
    {
        var noisy = dx.Select(c => (double[])c.Clone()).ToArray();
        if (sd > 0)
        {
            for (var k = 0; k < noisy[0].Length; k++)
            {
                for (var i = 0; i < noisy.Length; i++)
                {
                    noisy[i][k] += sd * rng.NextNormal();
                }
            }
        }

        return noisy;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
