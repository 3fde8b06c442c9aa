using System.Globalization;
using System.Text.Json;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Data;
using Hnn.Pipeline.Planning;
using Hnn.Pipeline.Store;
using Hnn.Stages.Evaluation;
using Hnn.Stages.Model;
using Hnn.Stages.Rollout;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Execution;

/// <summary>
/// The trajectory path (data.trajectories; Planning/TrajectoryPlan.cs): every node through <see cref="CachedAsync"/>.
/// Per data seed: trajectories, split, rows, uniform test points; per experiment: sample (A-SWIM: first fit, resample),
/// regularised fit, error bars, evaluation, held-out rollouts.
/// </summary>
public sealed partial class PipelineRunner
{
    private sealed record PreparedTrajectories(TrajectoryDataNode Node, TrajectorySet All, TrajectorySplit Split, FormulationRows Rows, DataSet? TestPoints);

    private async Task<IReadOnlyList<ExperimentResult>> RunTrajectoriesAsync(RunPlan plan, CancellationToken ct)
    {
        var spec = plan.Spec;
        var t = plan.Trajectory!;
        var system = spec.System?.Build();
        var results = new List<ExperimentResult>();
        foreach (var d in t.Data)
        {
            var data = await PrepareTrajectoriesAsync(spec, system, d, ct).ConfigureAwait(false);
            using var gate = new SemaphoreSlim(spec.Run.Parallelism);
            var tasks = t.Experiments.Where(e => e.Data == d).Select(async e =>
            {
                await gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    return await RunTrajectoryExperimentAsync(plan, system, data, e, ct).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            }).ToList();
            results.AddRange(await Task.WhenAll(tasks).ConfigureAwait(false));
        }

        ct.ThrowIfCancellationRequested();
        return results;
    }

    private async Task<PreparedTrajectories> PrepareTrajectoriesAsync(PipelineSpec spec, HamiltonianSystem? system, TrajectoryDataNode node, CancellationToken ct)
    {
        var t = spec.Trajectories!;
        var dof = spec.Dof;
        var set = await CachedAsync(node.Source, node.Source.Label,
            () => Task.FromResult(t.Generated is { } g
                ? TrajectoryGenerator.Generate(system!, spec.Domain!, g with { Seed = node.Seed }, ct)
                : DataFile.ReadTrajectories(t.File!, t.Columns, dof)),
            FromTrajectorySet, tab => ToTrajectorySet(tab, dof), ct).ConfigureAwait(false);
        if (set.Count != t.Count)
        {
            throw new InputException($"{t.File}: has {set.Count} trajectories now, {t.Count} when the pipeline was validated; was it changed during the run?");
        }

        var parts = await CachedAsync(node.Split, node.Split.Label,
            () => Task.FromResult(SplitParts(set, t.Validation, t.Test, node.Seed)),
            p => new Table([new TableColumn("part", p)]), tab => tab.Int32Column("part"), ct).ConfigureAwait(false);
        var split = FromParts(set, parts);
        var rows = await CachedAsync(node.Rows, node.Rows.Label,
            () => Task.FromResult(Formulations.Rows(split.Train, t.Target)),
            FromRows, ToRows, ct).ConfigureAwait(false);
        DataSet? testPoints = null;
        if (node.TestPoints is { } tp)
        {
            testPoints = await CachedAsync(tp, tp.Label,
                () => Task.FromResult(DataGenerator.Sample(system!, spec.Domain!, node.TestPointCount, Rng.Derive(node.Seed, "generate"))),
                Codecs.FromDataSet, tab => Codecs.ToDataSet(tab, dof), ct).ConfigureAwait(false);
        }

        _log.ForContext("Stage", "trajectories").Information(
            "data seed {Seed}: {Count} trajectories ({Train} train, {Validation} validation, {Test} test), {Rows} {Target} rows, mean step {Step:0.####}",
            node.Seed, set.Count, split.Train.Count, split.Validation?.Count ?? 0, split.Test?.Count ?? 0, rows.Count, t.Target.ToName(), rows.MeanStep);
        return new PreparedTrajectories(node, set, split, rows, testPoints);
    }

    private async Task<ExperimentResult> RunTrajectoryExperimentAsync(RunPlan plan, HamiltonianSystem? system, PreparedTrajectories data, TrajectoryExperimentPlan e, CancellationToken ct)
    {
        var spec = plan.Spec;
        var t = spec.Trajectories!;
        var anchor = plan.Anchor;
        var label = e.Label;
        var dim = 2 * spec.Dof;
        var mine = new List<StageRecord>();
        var rows = data.Rows;
        var rowData = new DataSet(spec.Dof, rows.X, rows.Dx, new double[rows.Count]);
        var la = _la.WithThreads(Budget(spec).SolveBlasThreads);

        var hidden = await CachedAsync(e.Sample, label, () => Task.FromResult(e.Method.Draw(rowData, e.Width, e.ModelSeed, e.ElmBias, spec.Model.WeightScale, spec.Model.Separable)),
            h => Codecs.FromHiddenLayer(h), tab => Codecs.ToHiddenLayer(tab, dim), ct, mine).ConfigureAwait(false);
        if (e.FirstFit is { } firstFit)
        {
            var first = hidden;
            var firstNetwork = await CachedAsync(firstFit, label,
                () => Task.FromResult(RegularisedFit(la, first, rows, null, anchor, RegularisationSpecOf(spec.Model.Rcond))),
                f => f.Encode(), TrajectoryFitOutput.Decode(dim), ct, mine).ConfigureAwait(false);
            hidden = await CachedAsync(e.Resample!, label,
                () => Task.FromResult(e.Method.Redraw(rowData, ParallelChunks.Energy(firstNetwork.Network, rows.X, Share(spec), ct), e.Width, e.ModelSeed, spec.Model.WeightScale, spec.Model.Separable)),
                h => Codecs.FromHiddenLayer(h), tab => Codecs.ToHiddenLayer(tab, dim), ct, mine).ConfigureAwait(false);
        }

        var finalHidden = hidden;

        // The reduced problem (one TSQR pass over the rows) is loaded or computed only when the fit or the error bars are
        // computed, and then shared by both.
        Task<ReducedProblem> Reduced() => CachedAsync(e.Reduce, label,
            () => Task.FromResult(ReducedProblem.FromRows(la, finalHidden, rows.X, rows.Dx, anchor, TrajectoryRowSteps.Of(data.Split.Train))),
            EncodeReduced, DecodeReduced, ct, mine);
        var fit = await CachedAsync(e.Fit, label,
            async () => RegularisedFit(la, await Reduced().ConfigureAwait(false), finalHidden, rows, data.Split.Validation, anchor, t.Regularisation, spec.Domain),
            f => f.Encode(), TrajectoryFitOutput.Decode(dim), ct, mine).ConfigureAwait(false);
        var network = fit.Network;
        var bars = await CachedAsync(e.ErrorBars, label,
            async () => ErrorBars(la, await Reduced().ConfigureAwait(false), finalHidden, rows, data.Split, data.TestPoints, anchor, spec.Domain,
                t.ErrorBars == TrajectoriesSection.TrajectoryBars, t.Generated is { NoiseSigma: 0 },
                t.ErrorBars == TrajectoriesSection.TrajectoryBars ? fit.Chosen : null, t.Generated is { Noise: NoiseKind.Absolute }, e.ModelSeed),
            b => b, b => b, ct, mine).ConfigureAwait(false);

        var (trainH, testH, testUncorrected) = (double.NaN, double.NaN, double.NaN);
        var test = new ErrorMetrics(double.NaN, double.NaN, double.NaN, 0);
        if (e.Evaluate is { } evaluate)
        {
            var m = await CachedAsync(evaluate, label,
                () => Task.FromResult(EvaluateTrajectoryModel(network, rows, data.TestPoints!, anchor, Share(spec), ct)),
                m => m, m => m, ct, mine).ConfigureAwait(false);
            testUncorrected = m.Column("test_H_uncorrected")[0];
            testH = m.Column("test_H")[0];
            test = new ErrorMetrics(testH, m.Column("test_gradH")[0], m.Column("test_dx")[0], (long)m.Column("test_count")[0]);
        }

        var rollout = await CachedAsync(e.Rollout, label,
            () => Task.FromResult(RolloutTrajectories(network, system, data.Split.Test!, t.RolloutRule, ct)),
            r => r, r => r, ct, mine).ConfigureAwait(false);
        var meta = rollout.Metadata;
        var bm = bars.Metadata;
        var keys = new Dictionary<string, string>
        {
            [ExperimentKeys.Trajectories] = data.Node.Source.Key,
            [ExperimentKeys.TrajectorySplit] = data.Node.Split.Key,
            [ExperimentKeys.TargetRows] = data.Node.Rows.Key,
            [ExperimentKeys.Sample] = e.Sample.Key,
            [ExperimentKeys.TrajectoryFit] = e.Fit.Key,
            [ExperimentKeys.ErrorBars] = e.ErrorBars.Key,
            [ExperimentKeys.TrajectoryRollout] = e.Rollout.Key,
        };
        if (e.FirstFit is not null)
        {
            keys[ExperimentKeys.FirstFit] = e.FirstFit.Key;
            keys[ExperimentKeys.Resample] = e.Resample!.Key;
        }

        if (e.Evaluate is not null)
        {
            keys[ExperimentKeys.TrajectoryEvaluate] = e.Evaluate.Key;
        }

        var result = new TrajectoryResult(
            t.Target.ToName(),
            fit.Kind,
            fit.Value,
            fit.Criterion,
            fit.Score,
            fit.EffectiveDof,
            testUncorrected,
            testH,
            Num(meta, "relative_error"),
            Num(meta, "max_error"),
            Num(meta, "exact_relative_error"),
            data.Split.Test!.Count,
            meta.TryGetValue("failure", out var failure) && failure.Length > 0 ? failure : null,
            Num(bm, "lambda"),
            Num(bm, "noise_sd"),
            Num(bm, "median_sd"),
            Num(bm, "coverage95"),
            Num(meta, "invariant_drift"),
            Num(meta, "invariant_drift2"),
            Num(meta, "exact_invariant_drift"));
        var trainSeconds = mine.Where(r => e.TrainingNodes.Any(n => n.Stage.Name == r.Stage && n.Key == r.Key)).Sum(r => r.ComputeSeconds);
        _log.ForContext("Stage", "trajectory-evaluate").Information(
            "{Label}: test rel. L2 error of H {Corrected:0.00e+00} corrected ({Uncorrected:0.00e+00} uncorrected), {Regularisation} {Value:0.00e+00}, held-out rollout error {Rollout:0.00e+00}, 95% band coverage {Coverage:P1}",
            label, testH, testUncorrected, fit.Kind, fit.Value, result.RolloutError, result.Coverage95);
        _ = trainH;
        return new ExperimentResult(e.Method.Name, e.Width, data.Node.Seed, e.ModelSeed, trainSeconds, fit.Rank,
            new ErrorMetrics(double.NaN, double.NaN, double.NaN, rows.Count), test, mine.All(r => r.Cached), keys)
        { Trajectory = result };
    }

    private static double Num(IReadOnlyDictionary<string, string> meta, string key) =>
        meta.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : double.NaN;

    private static string Text(double v) => CacheKey.Canon(v);

    private static RegularisationSpec RegularisationSpecOf(double rcond) => new(RegularisationSpec.RcondMode, rcond, RegularisationKind.Rcond, AutoCriterion.Validation);

    /// <summary>A regularised fit's network, rank and choice.</summary>
    internal sealed record TrajectoryFitOutput(Network Network, int Rank, string Kind, double Value, string? Criterion, double Score, double EffectiveDof)
    {
        /// <summary>The regularisation the fit used (fixed or chosen).</summary>
        public Regularisation Chosen => Kind == RegularisationSpec.RidgeMode ? Regularisation.Ridge(Value) : Regularisation.Rcond(Value);

        public Table Encode() => Codecs.FromNetwork(Network, Rank, new Dictionary<string, string>
        {
            ["regularisation"] = Kind,
            ["value"] = Text(Value),
            ["criterion"] = Criterion ?? string.Empty,
            ["score"] = Text(Score),
            ["effective_dof"] = Text(EffectiveDof),
        });

        public static Func<Table, TrajectoryFitOutput> Decode(int dim) => t =>
        {
            var (n, rank) = Codecs.ToNetwork(t, dim);
            var m = t.Metadata;
            return new TrajectoryFitOutput(n, rank, m["regularisation"], Num(m, "value"), m["criterion"].Length == 0 ? null : m["criterion"], Num(m, "score"), Num(m, "effective_dof"));
        };
    }

    /// <summary>
    /// The output layer on trajectory rows: the reduced problem of the gradient system (one TSQR pass), its SVD, and the
    /// solve of the configured regularisation — fixed rcond or lambda, or chosen automatically by the error on the
    /// validation trajectories' rows or by generalised cross-validation (docs/ALGORITHM.md §2.4).
    /// </summary>
    internal static TrajectoryFitOutput RegularisedFit(Hnn.Stages.Numerics.ILinearAlgebra la, HiddenLayer hidden, FormulationRows rows, TrajectorySet? validation, Anchor anchor, RegularisationSpec spec) =>
        RegularisedFit(la, ReducedProblem.FromRows(la, hidden, rows.X, rows.Dx, anchor), hidden, rows, validation, anchor, spec, null);

    /// <summary>
    /// <see cref="RegularisedFit(Hnn.Stages.Numerics.ILinearAlgebra, HiddenLayer, FormulationRows, TrajectorySet?, Anchor, RegularisationSpec)"/>
    /// on a reduced problem already computed (the shared reduced-problem stage). The validation-domain criterion uses the
    /// parts of the validation trajectories inside <paramref name="domain"/> (data.domain), or, without one, inside the box
    /// spanned by the training rows' feature points.
    /// </summary>
    internal static TrajectoryFitOutput RegularisedFit(Hnn.Stages.Numerics.ILinearAlgebra la, ReducedProblem problem, HiddenLayer hidden, FormulationRows rows, TrajectorySet? validation,
        Anchor anchor, RegularisationSpec spec, Domain? domain)
    {
        var (solve, chosen, criterion, score) = Choose(la, problem, hidden, rows, validation, anchor, spec, domain);

        var filter = solve.Filter(chosen);
        var network = RegularisationStudy.ToNetwork(hidden, solve.SolveFiltered(filter));
        var dof = SpectralSolve.EffectiveDof(filter);
        var rank = chosen.Kind == RegularisationKind.Rcond ? solve.Rank(chosen.Value) : (int)Math.Round(dof);
        return new TrajectoryFitOutput(network, rank, RegularisationSpec.KindName(chosen.Kind), chosen.Value, criterion, score, dof);
    }

    /// <summary>The SVD of the reduced problem and the regularisation of <paramref name="spec"/> (fixed, or chosen automatically).</summary>
    private static (SpectralSolve Solve, Regularisation Chosen, string? Criterion, double Score) Choose(Hnn.Stages.Numerics.ILinearAlgebra la, ReducedProblem problem, HiddenLayer hidden,
        FormulationRows rows, TrajectorySet? validationSet, Anchor anchor, RegularisationSpec spec, Domain? domain)
    {
        var solve = SpectralSolve.Create(la, problem);
        if (!spec.IsAuto)
        {
            return (solve, spec.Mode == RegularisationSpec.RidgeMode ? Regularisation.Ridge(spec.Value) : Regularisation.Rcond(spec.Value), null, double.NaN);
        }

        ValidationRows? v = null;
        if (spec.Criterion != AutoCriterion.Gcv)
        {
            var validation = validationSet ?? throw new InvalidOperationException("auto by validation needs validation trajectories");
            if (spec.Criterion == AutoCriterion.ValidationInDomain)
            {
                validation = TrajectoryBandCalibration.InDomain(validation, domain ?? TrajectoryBandCalibration.BoundingBox(rows.X));
            }

            var vr = Formulations.Rows(validation, rows.Formulation);
            v = new ValidationRows(solve, GradientSystem.Full(hidden, vr.X, vr.Dx, anchor));
        }

        var choice = RegularisationChoice.Choose(solve, spec.AutoKind, spec.Criterion, v);
        return (solve, choice.Chosen, RegularisationSpec.CriterionName(spec.Criterion), choice.Score);
    }

    /// <summary>
    /// The reduced-problem artifact: one column of the n x n triangle (column-major) followed by Q^T y and (stage version 2)
    /// the (n - 1) x (n - 1) triangle of the differenced rows (<see cref="ReducedProblem.NoiseTriangle"/>); n, the residual
    /// norm, m and tr(B B^T) (noise_trace) in the metadata.
    /// </summary>
    internal static Table EncodeReduced(ReducedProblem p) =>
        new([new TableColumn("values", [.. p.R, .. p.Qty, .. p.NoiseTriangle ?? []])],
            Codecs.Meta(("n", p.N.ToString(CultureInfo.InvariantCulture)), ("residual", Text(p.Residual)), ("rows", p.Rows.ToString(CultureInfo.InvariantCulture)),
                ("noise_trace", Text(p.NoiseTrace))));

    internal static ReducedProblem DecodeReduced(Table t)
    {
        var n = int.Parse(t.Metadata["n"], CultureInfo.InvariantCulture);
        var values = t.Column("values");
        var end = (n * n) + n;
        var problem = new ReducedProblem(values[..(n * n)], n, values[(n * n)..end], Num(t.Metadata, "residual"), long.Parse(t.Metadata["rows"], CultureInfo.InvariantCulture));
        return values.Length > end ? problem with { NoiseTriangle = values[end..], NoiseTrace = Num(t.Metadata, "noise_trace") } : problem;
    }

    /// <summary>Draws of <see cref="BayesianOutputLayer.ModelCoverageDraws"/> for the sandwich band's diagnostics (400 since error-bars version 3).</summary>
    internal const int ModelCoverageDrawCount = 400;

    /// <summary>
    /// The Bayesian output layer (prior precision by evidence; docs/ALGORITHM.md §2.4) on the same rows: predictive sd of
    /// H - H(x0) at the uniform test points (kind 0) and at the observed states of the first test trajectory (kind 1),
    /// with the posterior mean corrected as the fit is, the true H where known, and the band's coverage (metadata).
    /// </summary>
    internal static Table ErrorBars(Hnn.Stages.Numerics.ILinearAlgebra la, HiddenLayer hidden, FormulationRows rows, TrajectorySplit split, DataSet? testPoints, Anchor anchor,
        Domain? domain = null, bool calibrateOnTrajectories = false, bool noiseFree = false) =>
        ErrorBars(la, ReducedProblem.FromRows(la, hidden, rows.X, rows.Dx, anchor), hidden, rows, split, testPoints, anchor, domain, calibrateOnTrajectories, noiseFree);

    /// <summary><see cref="ErrorBars(Hnn.Stages.Numerics.ILinearAlgebra, HiddenLayer, FormulationRows, TrajectorySplit, DataSet?, Anchor, Domain?, bool, bool)"/> on the shared reduced problem.</summary>
    internal static Table ErrorBars(Hnn.Stages.Numerics.ILinearAlgebra la, ReducedProblem problem, HiddenLayer hidden, FormulationRows rows, TrajectorySplit split, DataSet? testPoints, Anchor anchor,
        Domain? domain, bool calibrateOnTrajectories, bool noiseFree, Regularisation? centre = null, bool absoluteNoise = false, ulong diagnosticSeed = 0)
    {
        var solve = SpectralSolve.Create(la, problem);

        // model.error_bars: trajectories — the posterior of the fit's own solution (the H the run reports), not an
        // evidence-maximised other mean (docs/ALGORITHM.md §2.5); with noisy observations under the rows' correlated noise
        // (the sandwich covariance of §2.6; coordinate scales: RMS for relative noise, 1 for absolute); residual: lambda by
        // evidence, as before.
        double[] CoordinateScales() => absoluteNoise ? [.. Enumerable.Repeat(1.0, hidden.InputDim)] : IntegralRows.CoordinateRms(split.Train);
        // The sandwich band carries the regularisation's bias under the power-law empirical-Bayes prior (§2.6, error-bars
        // version 3); the band without it is kept as a diagnostic.
        var bayes = centre is { } c
            ? !noiseFree && problem.NoiseTriangle is not null
                ? BayesianOutputLayer.CorrelatedAtRegularisation(la, solve, c, hidden, problem, CoordinateScales(), withBias: true)
                : BayesianOutputLayer.AtRegularisation(solve, c)
            : BayesianOutputLayer.Fit(solve);
        var mean = bayes.MeanNetwork(hidden);

        // model.error_bars: trajectories — one scale of the band fitted on the validation trajectories (their parts inside
        // the domain, where the band is claimed, when there is one); residual: scale 1.
        // The sandwich band (noisy observations) is not rescaled: it carries the observation noise under its true
        // correlation, and the H-level kappa, dominated by that noise, only moved it out of the window (measured,
        // docs/RESULTS.md); its fitted value is recorded (trajectory_kappa) as a diagnostic.
        var scale = 1.0;
        var fittedKappa = double.NaN;
        if (calibrateOnTrajectories)
        {
            var validation = split.Validation ?? throw new InvalidOperationException("model.error_bars: trajectories needs validation trajectories (checked at validation)");
            var kappa = TrajectoryBandCalibration.Kappa(bayes, hidden, mean, split.Train, domain is null ? validation : TrajectoryBandCalibration.InDomain(validation, domain),
                rows.Formulation, rows.MeanSquareStep, rows.MeanStep, noiseFree: noiseFree, widenOnly: centre is not null && !noiseFree && !bayes.IsSandwich);
            fittedKappa = kappa;
            scale = bayes.IsSandwich ? 1.0 : kappa;
        }

        var dim = hidden.InputDim;
        var traj = split.Test!.Trajectories[0];
        var pointCount = testPoints?.Count ?? 0;
        var count = pointCount + traj.Length;
        var x = new double[dim][];
        for (var i = 0; i < dim; i++)
        {
            x[i] = new double[count];
            testPoints?.X[i].CopyTo(x[i], 0);
            traj.States[i].CopyTo(x[i], pointCount);
        }

        var kind = new int[count];
        var time = new double[count];
        var truth = new double[count];
        Array.Fill(time, double.NaN, 0, pointCount);
        Array.Fill(kind, 1, pointCount, traj.Length);
        for (var n = 0; n < traj.Length; n++)
        {
            time[pointCount + n] = traj.Times[n];
        }

        testPoints?.H.CopyTo(truth, 0);
        Array.Fill(truth, double.NaN, pointCount, traj.Length);
        var sd = new double[count];
        var phi = new double[hidden.Width + 1];
        var phi0 = new double[hidden.Width + 1];
        var point = new double[dim];
        Features(hidden, anchor.X0, phi0);
        for (var k = 0; k < count; k++)
        {
            for (var i = 0; i < dim; i++)
            {
                point[i] = x[i][k];
            }

            Features(hidden, point, phi);
            for (var j = 0; j < phi.Length; j++)
            {
                phi[j] -= phi0[j];
            }

            sd[k] = scale * bayes.StandardDeviation(phi);
        }

        var h = Corrected(mean, x, rows, anchor);
        var names = Codecs.CoordinateNames(dim / 2);
        var coverage = pointCount == 0 ? double.NaN : BayesianOutputLayer.Coverage(truth.AsSpan(0, pointCount), h.AsSpan(0, pointCount), sd.AsSpan(0, pointCount));

        // Diagnostics of the sandwich band (docs/ALGORITHM.md §2.6): the band without the bias term (noise only), and the
        // spread of one run's coverage under the reported band's own model (noise and bias prior), with where this run lies in it.
        List<(string, string)> diagnostics = [];
        if (bayes.IsSandwich && centre is { } reported && pointCount > 0)
        {
            var testX = x.Select(column => column[..pointCount]).ToArray();
            var noiseOnly = BayesianOutputLayer.CorrelatedAtRegularisation(la, solve, reported, hidden, problem, CoordinateScales());
            var noiseSd = noiseOnly.PredictiveSd(hidden, testX, anchor.X0).H;
            var draws = bayes.ModelCoverageDraws(hidden, testX, anchor.X0, sd.AsSpan(0, pointCount), ModelCoverageDrawCount, diagnosticSeed);
            var range = ModelCoverageRange.Of(draws, coverage);
            diagnostics.AddRange(
            [
                ("bias_tau", Text(bayes.BiasPriorSd)),
                ("bias_exponent", Text(bayes.BiasPriorExponent)),
                ("coverage95_noise_only", Text(BayesianOutputLayer.Coverage(truth.AsSpan(0, pointCount), h.AsSpan(0, pointCount), noiseSd))),
                ("median_sd_noise_only", Text(noiseSd.Order().ToArray()[pointCount / 2])),
                ("model_coverage95_q05", Text(range.Q05)),
                ("model_coverage95_q50", Text(range.Q50)),
                ("model_coverage95_q95", Text(range.Q95)),
                ("model_coverage95_in_window", Text(range.InWindow)),
                ("model_coverage95_at_or_below", Text(range.AtOrBelow)),
                ("model_coverage95_at_or_above", Text(range.AtOrAbove)),
                ("model_coverage95_consistent", range.Consistent ? "yes" : "no"),
            ]);
        }

        var sorted = (pointCount > 0 ? sd[..pointCount] : sd[pointCount..]).Order().ToArray();
        return new Table(
            [new TableColumn("kind", kind), new TableColumn("t", time), .. names.Select((n, i) => new TableColumn(n, x[i])),
                new TableColumn("H_true", truth), new TableColumn("H_mean", h), new TableColumn("sd", sd)],
            Codecs.Meta(
            [
                ("lambda", Text(bayes.Lambda)),
                ("noise_sd", Text(bayes.NoiseSd)),
                ("coverage95", Text(coverage)),
                ("median_sd", Text(sorted[sorted.Length / 2])),
                ("trajectory", traj.Id),

                // Only when calibrated, so the residual band's artifact is the same as before the option existed.
                .. calibrateOnTrajectories ? [("band_scale", Text(scale))] : Array.Empty<(string, string)>(),
                .. bayes.IsSandwich ? [("band", "sandwich+bias"), ("trajectory_kappa", Text(fittedKappa)), .. diagnostics] : Array.Empty<(string, string)>(),
                .. centre is { } cr ? [("centre", cr.ToString())] : Array.Empty<(string, string)>(),
            ]));
    }

    /// <summary>
    /// The corrected H (docs/ALGORITHM.md §6) re-anchored: the correction term is not zero at x0 in general (it is where
    /// grad H = 0, e.g. an equilibrium), and the learned function is only fixed up to a constant by H(x0) = H0, so the
    /// corrected H is shifted to meet the anchor again: H_corr(x) - (H_corr(x0) - H0).
    /// </summary>
    internal static double[] Corrected(Network network, double[][] x, FormulationRows rows, Anchor anchor)
    {
        var h = Formulations.CorrectedEnergy(network, x, rows);
        var at = Formulations.CorrectedEnergy(network, [.. anchor.X0.Select(v => new[] { v })], rows)[0];
        var shift = at - anchor.H0;
        for (var k = 0; k < h.Length; k++)
        {
            h[k] -= shift;
        }

        return h;
    }

    /// <summary>phi(x): tanh(w_j . x + b_j) for j &lt; N, and 1 for the output bias.</summary>
    private static void Features(HiddenLayer hidden, ReadOnlySpan<double> x, double[] phi)
    {
        for (var j = 0; j < hidden.Width; j++)
        {
            phi[j] = Math.Tanh(hidden.PreActivation(j, x));
        }

        phi[hidden.Width] = 1;
    }

    /// <summary>H errors on the uniform test points: uncorrected and corrected H, and grad H and x' of the learned function.</summary>
    private static Table EvaluateTrajectoryModel(Network network, FormulationRows rows, DataSet test, Anchor anchor, int degree, CancellationToken ct)
    {
        var m = ParallelChunks.Evaluate(network, test.X, test.Dx, test.H, degree, ct);
        var uncorrected = TrajectoryFit.RelativeError(network.Energy(test.X), test.H);
        var corrected = TrajectoryFit.RelativeError(Corrected(network, test.X, rows, anchor), test.H);
        return Table.FromDoubles(
        [
            ("test_H", [corrected]), ("test_H_uncorrected", [uncorrected]), ("test_gradH", [m.GradH]), ("test_dx", [m.Dx]), ("test_count", [test.Count]),
        ]);
    }

    /// <summary>
    /// The learned H's rollouts along the held-out test trajectories (from each first observed state to its own times,
    /// each trajectory integrated once): the rollout error, the true H's (known system; DOP853 at 1e-10), the invariants'
    /// drift (Kepler, FPUT), and the learned and true rollout of the first test trajectory as rows (t, q.., p.., true_q..,
    /// true_p..). With <paramref name="rule"/> (model.rollout_integrator: scheme, the default) the learned H is stepped by
    /// the rows' own one-step rule at the observation steps (<see cref="TrajectoryRollout.SolveStepwise"/>; the fixed-point
    /// stall tolerance max(1e-10, 10 x the learned gradient's measured noise), at most 1e-4); without it by DOP853 at
    /// rtol = atol = max(1e-10, 10 x that noise) (<see cref="TrajectoryRollout.ToleranceFor"/>). The noise, the tolerance
    /// and the integrator are recorded.
    /// </summary>
    internal static Table RolloutTrajectories(Network network, HamiltonianSystem? system, TrajectorySet test, ObservationRule? rule, CancellationToken ct)
    {
        var meta = new Dictionary<string, string>();
        var learnedField = HamiltonianField.Learned(network);
        var noise = TrajectoryRollout.GradientNoise(learnedField, test);
        var tolerance = rule is null
            ? TrajectoryRollout.ToleranceFor(learnedField, test)
            : Math.Min(StallCeiling, double.IsFinite(noise) ? Math.Max(FixedPointSettings.Default.StallTolerance, TrajectoryRollout.NoiseFactor * noise) : StallCeiling);
        meta["gradient_noise"] = Text(noise);
        meta["tolerance"] = Text(tolerance);
        meta["integrator"] = rule is { } r ? TrajectoryRollout.RuleName(r) : TrajectoriesSection.Dop853Rollout;
        TrajectoryRollouts? learned = null;
        try
        {
            learned = rule is { } stepRule
                ? TrajectoryRollout.SolveStepwise(learnedField, test, stepRule, FixedPointSettings.Default with { StallTolerance = tolerance }, ct)
                : TrajectoryRollout.Solve(learnedField, test, tolerance, ct);
            meta["relative_error"] = Text(learned.Error.RelativeError);
            meta["max_error"] = Text(learned.Error.MaxError);
            meta["observations"] = learned.Error.Observations.ToString(CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException ex)
        {
            meta["relative_error"] = Text(double.NaN);
            meta["max_error"] = Text(double.NaN);
            meta["failure"] = SpecReader.FirstLine(ex.Message);
        }

        var exact = system is null ? null : TrajectoryRollout.Solve(HamiltonianField.Exact(system), test, TrajectoryRollout.DefaultTolerance, ct);
        if (exact is not null)
        {
            meta["exact_relative_error"] = Text(exact.Error.RelativeError);
        }

        Invariants(system, learned, exact, meta);
        var first = test.Trajectories[0];
        var dim = 2 * test.Dof;
        var times = first.Times.Select(v => v - first.Times[0]).ToArray();
        var names = Codecs.CoordinateNames(test.Dof);
        var columns = new List<TableColumn> { new("t", first.Times) };
        for (var i = 0; i < dim; i++)
        {
            columns.Add(new TableColumn(names[i], learned is null ? [.. times.Select(_ => double.NaN)] : FirstSeries(learned, i)));
        }

        for (var i = 0; i < dim; i++)
        {
            columns.Add(new TableColumn($"true_{names[i]}", exact is null ? [.. times.Select(_ => double.NaN)] : FirstSeries(exact, i)));
        }

        meta["trajectory"] = first.Id;
        return new Table(columns, meta);
    }

    /// <summary>The largest fixed-point stall tolerance of a stepwise rollout: a learned gradient noisier than 1e-5 is not worth iterating to.</summary>
    private const double StallCeiling = 1e-4;

    /// <summary>Coordinate <paramref name="coordinate"/> of the set's first trajectory along its rollout (member 0 of the first group).</summary>
    private static double[] FirstSeries(TrajectoryRollouts rollouts, int coordinate) => rollouts.Groups[0].Solved.Series(coordinate, 0);

    /// <summary>Kepler: drift of L and |A| along the learned (and true) rollouts of every test trajectory; FPUT: largest deviation of the mode-energy fractions from the true H's.</summary>
    private static void Invariants(HamiltonianSystem? system, TrajectoryRollouts? learned, TrajectoryRollouts? exact, Dictionary<string, string> meta)
    {
        if (learned is null || exact is null || system is not (Kepler or Fput))
        {
            return;
        }

        double drift = 0, drift2 = 0, exactDrift = 0, dipError = 0, returnError = 0, peakError = 0;
        var period = system is Fput { Periodic: true } chain ? LearnedSystemStudy.BeatPeriod(chain) : double.NaN;
        for (var gi = 0; gi < learned.Groups.Count; gi++)
        {
            var l = learned.Groups[gi].Solved;
            var e = exact.Groups[gi].Solved;
            if (system is Kepler kepler)
            {
                var dl = InvariantDiagnostics.KeplerDrift(kepler, l);
                var de = InvariantDiagnostics.KeplerDrift(kepler, e);
                drift = Math.Max(drift, dl.WorstAngularMomentum);
                drift2 = Math.Max(drift2, dl.WorstRungeLenz);
                exactDrift = Math.Max(exactDrift, de.WorstAngularMomentum);
            }
            else if (system is Fput fput)
            {
                var ml = InvariantDiagnostics.ModeEnergies(fput, l);
                var me = InvariantDiagnostics.ModeEnergies(fput, e);
                for (var m = 0; m < ml.Energies.Length; m++)
                {
                    for (var k = 0; k < l.Length; k++)
                    {
                        var sl = Math.Max(ml.Energies[m][k].Sum(), RolloutDiagnostics.Tiny);
                        var se = Math.Max(me.Energies[m][k].Sum(), RolloutDiagnostics.Tiny);
                        for (var w = 0; w < ml.Energies[m][k].Length; w++)
                        {
                            drift = Math.Max(drift, Math.Abs((ml.Energies[m][k][w] / sl) - (me.Energies[m][k][w] / se)));
                        }
                    }

                    if (fput.Periodic)
                    {
                        // Mode 1's recurrence (the study's measures, docs/RESULTS.md): its dip and first return, learned
                        // against true; NaN (propagated by Math.Max) when a rollout does not return within its times.
                        var rl = LearnedSystemStudy.RecurrenceOf(ml, period, m, relativeToStart: true);
                        var re = LearnedSystemStudy.RecurrenceOf(me, period, m, relativeToStart: true);
                        dipError = Math.Max(dipError, Math.Abs(rl.DipMinimum - re.DipMinimum));
                        returnError = Math.Max(returnError, Math.Abs(rl.ReturnTime - re.ReturnTime) / re.ReturnTime);
                        peakError = Math.Max(peakError, Math.Abs(rl.PeakTime - re.PeakTime) / re.PeakTime);
                        if (gi == 0 && m == 0)
                        {
                            meta["recurrence_dip"] = Text(rl.DipMinimum);
                            meta["recurrence_return"] = Text(rl.ReturnTime);
                            meta["exact_recurrence_dip"] = Text(re.DipMinimum);
                            meta["exact_recurrence_return"] = Text(re.ReturnTime);
                            meta["recurrence_peak"] = Text(rl.PeakTime);
                            meta["exact_recurrence_peak"] = Text(re.PeakTime);
                        }
                    }
                }
            }
        }

        meta["invariant_drift"] = Text(drift);
        meta["invariant_drift2"] = Text(system is Kepler ? drift2 : double.NaN);
        meta["exact_invariant_drift"] = Text(system is Kepler ? exactDrift : double.NaN);
        if (system is Fput { Periodic: true })
        {
            meta["recurrence_period"] = Text(period);
            meta["recurrence_dip_error"] = Text(dipError);
            meta["recurrence_return_error"] = Text(returnError);
            meta["recurrence_peak_error"] = Text(peakError);
        }
    }

    /// <summary>The part of each trajectory (0 train, 1 validation, 2 test) of <see cref="TrajectorySet.Split"/>.</summary>
    internal static int[] SplitParts(TrajectorySet set, int validation, int test, ulong seed)
    {
        var split = set.Split(validation, test, seed);
        var index = new Dictionary<TrajectorySeries, int>(ReferenceEqualityComparer.Instance);
        for (var m = 0; m < set.Count; m++)
        {
            index[set.Trajectories[m]] = m;
        }

        var parts = new int[set.Count];
        foreach (var s in split.Validation?.Trajectories ?? [])
        {
            parts[index[s]] = 1;
        }

        foreach (var s in split.Test?.Trajectories ?? [])
        {
            parts[index[s]] = 2;
        }

        return parts;
    }

    internal static TrajectorySplit FromParts(TrajectorySet set, int[] parts)
    {
        int[] Of(int part) => [.. Enumerable.Range(0, set.Count).Where(m => parts[m] == part)];
        var validation = Of(1);
        var test = Of(2);
        return new TrajectorySplit(set.Subset(Of(0)), validation.Length == 0 ? null : set.Subset(validation), test.Length == 0 ? null : set.Subset(test));
    }

    internal static Table FromTrajectorySet(TrajectorySet set)
    {
        var total = set.Trajectories.Sum(s => s.Length);
        var traj = new int[total];
        var time = new double[total];
        var dim = 2 * set.Dof;
        var coords = Enumerable.Range(0, dim).Select(_ => new double[total]).ToArray();
        var row = 0;
        for (var m = 0; m < set.Count; m++)
        {
            var s = set.Trajectories[m];
            for (var n = 0; n < s.Length; n++, row++)
            {
                traj[row] = m;
                time[row] = s.Times[n];
                for (var i = 0; i < dim; i++)
                {
                    coords[i][row] = s.States[i][n];
                }
            }
        }

        var names = Codecs.CoordinateNames(set.Dof);
        return new Table([new TableColumn("traj", traj), new TableColumn("t", time), .. names.Select((n, i) => new TableColumn(n, coords[i]))],
            Codecs.Meta(("ids", JsonSerializer.Serialize(set.Trajectories.Select(s => s.Id).ToArray())), ("dof", set.Dof.ToString(CultureInfo.InvariantCulture))));
    }

    internal static TrajectorySet ToTrajectorySet(Table t, int dof)
    {
        var ids = JsonSerializer.Deserialize<string[]>(t.Metadata["ids"])!;
        var traj = t.Int32Column("traj");
        var time = t.Column("t");
        var coords = Codecs.CoordinateNames(dof).Select(t.Column).ToArray();
        var series = new List<TrajectorySeries>();
        var start = 0;
        for (var m = 0; m < ids.Length; m++)
        {
            var end = start;
            while (end < traj.Length && traj[end] == m)
            {
                end++;
            }

            var (s, e) = (start, end);
            series.Add(new TrajectorySeries(ids[m], time[s..e], [.. coords.Select(c => c[s..e])]));
            start = end;
        }

        return new TrajectorySet(series);
    }

    internal static Table FromRows(FormulationRows rows)
    {
        var names = DataSet.ColumnNames(rows.Dof);
        var dim = 2 * rows.Dof;
        return new Table([.. Enumerable.Range(0, dim).Select(i => new TableColumn(names[i], rows.X[i])), .. Enumerable.Range(0, dim).Select(i => new TableColumn(names[dim + i], rows.Dx[i]))],
            Codecs.Meta(("target", rows.Formulation.ToName()), ("dof", rows.Dof.ToString(CultureInfo.InvariantCulture)), ("mean_step", Text(rows.MeanStep)), ("mean_square_step", Text(rows.MeanSquareStep))));
    }

    internal static FormulationRows ToRows(Table t)
    {
        var dof = int.Parse(t.Metadata["dof"], CultureInfo.InvariantCulture);
        _ = TargetFormulations.TryParse(t.Metadata["target"], out var target);
        var names = DataSet.ColumnNames(dof);
        var dim = 2 * dof;
        return new FormulationRows(target, dof, [.. Enumerable.Range(0, dim).Select(i => t.Column(names[i]))], [.. Enumerable.Range(0, dim).Select(i => t.Column(names[dim + i]))],
            Num(t.Metadata, "mean_step"), Num(t.Metadata, "mean_square_step"));
    }
}
