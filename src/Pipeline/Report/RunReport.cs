using System.Globalization;
using System.Text.Json;
using Hnn.Datasets;
using Hnn.Pipeline.Cli;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Planning;
using Hnn.Pipeline.Store;
using Hnn.Stages.Model;
using Hnn.Stages.Rollout;
using Serilog;

namespace Hnn.Pipeline.Report;

/// <summary>
/// Builds a run's report (<c>runs/&lt;id&gt;/report/report.html</c>, <c>report.md</c>, <c>figures/*.png</c>) from what the run
/// left in the store: the manifest (config, results, artifact keys) and the artifacts it names (networks, trajectories,
/// loss histories). Nothing is recomputed except cheap evaluations of the stored networks on a plotting grid.
/// </summary>
public static partial class RunReport
{
    public const string FolderName = "report";

    private const int Grid = 121;

    /// <summary>Writes the report of the run in <paramref name="runDir"/> and returns its files.</summary>
    /// <param name="system">The run's system when the caller has it (the spec's, built once by the loader); null builds
    /// it from the manifest's config, as for a stored run.</param>
    public static async Task<ReportFiles> BuildAsync(ArtifactStore store, string runDir, ILogger log, CancellationToken ct, HamiltonianSystem? system = null)
    {
        var manifestPath = Path.Combine(runDir, "manifest.json");
        var manifestText = await File.ReadAllTextAsync(manifestPath, ct).ConfigureAwait(false);
        var (record, error) = RunManifest.Parse(manifestText);
        if (record is null || record.Config.ValueKind != JsonValueKind.Object)
        {
            throw new InputException($"{manifestPath}: {error ?? "has no config object"}");
        }

        var results = record.Results;
        var ctx = Context.From(record.Config, store, Path.Combine(runDir, FolderName), log, system);
        Directory.CreateDirectory(ctx.Figures);
        foreach (var old in Directory.GetFiles(ctx.Figures, "*.png").Concat(Directory.GetFiles(ctx.Figures, "*.svg")))
        {
            File.Delete(old);
        }

        var figures = new List<ReportFigure>();
        var notes = new List<string>();
        var representatives = Representatives(results);
        var networks = new Dictionary<ExperimentResult, Network>();
        foreach (var r in representatives)
        {
            if (await ctx.NetworkAsync(r, ct).ConfigureAwait(false) is { } n)
            {
                networks[r] = n;
            }
            else
            {
                notes.Add($"{r.Method} width {r.Width}: the network artifact is no longer in the store (removed by 'hnn clean'?); its figures are left out.");
            }
        }

        var best = representatives.Where(networks.ContainsKey).OrderBy(r => RankingError(r) ?? double.MaxValue).FirstOrDefault();

        // The live status line of the report stage (on a terminal; see Cli/LiveProgress.cs): the H maps take about as
        // long as the rollout figures, the rest is quick.
        var live = StageProgress.Current;
        figures.AddRange(EnergyLandscapes(ctx, networks));
        live?.Report(0.45);
        figures.AddRange(await RolloutFiguresAsync(ctx, representatives, best, best is null ? null : networks[best], notes, ct).ConfigureAwait(false));
        live?.Report(0.9);
        figures.AddRange(WidthSweep(ctx, results));
        figures.AddRange(await LossFiguresAsync(ctx, representatives, ct).ConfigureAwait(false));
        figures.AddRange(await TrajectoryFiguresAsync(ctx, representatives, ct).ConfigureAwait(false)); // data.trajectories: RunReport.Trajectory.cs
        live?.Report(0.95);

        var tables = ResultsTable.Tables(results)
            .Select(t => new ReportTable(t.Caption.Length == 0 ? "Results: relative L2 errors on the train and test sets" : t.Caption.TrimEnd(':'), t.Header, t.Rows))
            .ToList();
        var description =
            $"Run {record.RunId} of pipeline '{record.Pipeline}' ({record.Status}, {record.WallSeconds.ToString("F1", CultureInfo.InvariantCulture)} s, " +
            $"backend {record.Backend}). {ctx.Description}";
        notes.InsertRange(0, FigureNotes(figures.Count, best, results));

        var model = new ReportModel($"hnn run {record.RunId}", description, ConfigText(record), tables, figures, manifestText, notes,
            Summary(results), Failures(results, record.Status));
        return ReportWriter.Write(model, ctx.Folder);
    }

    /// <summary>
    /// The test error experiments are ranked by: the error of H where it was measured, else that of x' (data without H), else null.
    /// </summary>
    public static double? RankingError(ExperimentResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return double.IsFinite(r.Test.H) ? r.Test.H : double.IsFinite(r.Test.Dx) ? r.Test.Dx : null;
    }

    /// <summary>
    /// The notes on the figures: which experiments they show, and why there are none when a run has none (no figure is
    /// promised that is not drawn, and no NaN is quoted).
    /// </summary>
    public static IReadOnlyList<string> FigureNotes(int figureCount, ExperimentResult? best, IReadOnlyList<ExperimentResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (figureCount == 0)
        {
            return ["No figures: nothing in this run can be drawn beyond the tables (the H maps and rollouts need a known system, " +
                "the error-vs-width plot two or more widths with a measured test error, the error bars a trajectory section)."];
        }

        var notes = new List<string>();
        if (best is not null)
        {
            var which = double.IsFinite(best.Test.H)
                ? $"{best.Method}, test rel. L2 error of H {E(best.Test.H)}"
                : double.IsFinite(best.Test.Dx)
                    ? $"{best.Method}, test rel. L2 error of x' {E(best.Test.Dx)}; the data carry no H"
                    : $"{best.Method}; no test error was measured, so the first method is shown";
            notes.Add($"Figures of one model per method: the widest, first data and model seed. Where one model is shown alone it is the most accurate of these on the test set ({which}).");
        }

        if (results.Any(r => r.Trajectory is not null) && results.All(r => !double.IsFinite(r.Train.H) && !double.IsFinite(r.Train.Dx)))
        {
            notes.Add("Table 1 shows '-' for the train errors of a run on trajectories (its training rows are trajectory steps, with no " +
                "derivatives to compare against), and for the test errors when no system is known (no true H or x' at the test points); " +
                "Table 2 has the trajectory results.");
        }

        return notes;
    }

    private static string E(double v) => v.ToString("0.00e+00", CultureInfo.InvariantCulture);

    /// <summary>
    /// The card at the top: the most accurate experiment on the test set (its errors, time), and its first completed
    /// rollout's headline numbers. A trajectory run without a known system (no test error of H or x' exists) gets
    /// <see cref="TrajectorySummary"/> instead. Null when nothing was evaluated. An error that was not measured (H for
    /// data without H) is named as such, not printed as NaN.
    /// </summary>
    public static string? Summary(IReadOnlyList<ExperimentResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var best = results.Where(r => double.IsFinite(r.Test.H)).MinBy(r => r.Test.H)
            ?? results.Where(r => double.IsFinite(r.Test.Dx)).MinBy(r => r.Test.Dx);
        if (best is null)
        {
            return TrajectorySummary(results);
        }

        var h = double.IsFinite(best.Test.H) ? $"test rel. L2 error of H {E(best.Test.H)}, of grad H {E(best.Test.GradH)}, of x' {E(best.Test.Dx)}"
            : $"test rel. L2 error of x' {E(best.Test.Dx)}, of grad H {E(best.Test.GradH)} (H itself is not measured: the data carry no H)";
        var text = $"Best: {best.Method} (width {best.Width}, model seed {best.ModelSeed}) — {h}; trained in {best.TrainSeconds.ToString("F2", CultureInfo.InvariantCulture)} s.";
        if (best.Rollouts?.FirstOrDefault(o => o.Failure is null) is { } roll)
        {
            text += $" Rolled out with {roll.Integrator}: within {E(roll.MaxDeviationFromExact)} of the true H integrated the same way, " +
                $"largest state error vs the DOP853 truth {E(roll.MaxStateError)}, largest energy drift {E(roll.MaxEnergyDrift)}.";
        }

        return text;
    }

    /// <summary>
    /// The card of a trajectory run (data.trajectories) with no test error of H or x' (no known system): the experiment
    /// with the smallest rollout error along the held-out test trajectories (the one error that needs no known H), that
    /// error and the largest state error, the regularisation used (chosen by its criterion with auto) and the fit time
    /// (sampling and solves). When every learned rollout failed, the first failure. Null when the run has no trajectory experiment.
    /// </summary>
    public static string? TrajectorySummary(IReadOnlyList<ExperimentResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var runs = results.Where(r => r.Trajectory is not null).ToList();
        if (runs.Count == 0)
        {
            return null;
        }

        string Which(ExperimentResult r) => $"{r.Method} (width {r.Width}, model seed {r.ModelSeed})";
        var best = runs.Where(r => r.Trajectory!.RolloutFailure is null && double.IsFinite(r.Trajectory.RolloutError)).MinBy(r => r.Trajectory!.RolloutError);
        if (best is null)
        {
            var failed = runs[0];
            return $"No learned rollout along the held-out test trajectories completed: {Which(failed)} — {failed.Trajectory!.RolloutFailure ?? "its rollout error is not finite"}. No system is known, so no error of H is measured.";
        }

        var t = best.Trajectory!;
        var regularisation = t.Regularisation == "ridge" ? $"ridge, lambda {E(t.RegularisationValue)}" : $"{t.Regularisation} {E(t.RegularisationValue)}";
        var chosen = t.Criterion is null ? "as configured" : $"chosen by {t.Criterion}";
        var exact = double.IsFinite(t.ExactRolloutError) ? $"; the true H's {E(t.ExactRolloutError)}" : string.Empty;
        var trajectories = t.TestTrajectories == 1 ? "the held-out test trajectory" : $"the {t.TestTrajectories} held-out test trajectories";
        return $"Best by held-out rollout: {Which(best)} — rel. L2 state error of its DOP853 rollouts along {trajectories} " +
            $"{E(t.RolloutError)} (largest state error {E(t.RolloutMaxError)}{exact}); regularisation {regularisation} ({chosen}); " +
            $"fitted in {best.TrainSeconds.ToString("F2", CultureInfo.InvariantCulture)} s (sampling and solves). No system is known, so no error of H is measured.";
    }

    /// <summary>Every failed rollout (model or true H) with its reason, and a run that did not complete.</summary>
    public static IReadOnlyList<string> Failures(IReadOnlyList<ExperimentResult> results, string? status)
    {
        ArgumentNullException.ThrowIfNull(results);
        var failures = new List<string>();
        if (status is not null and not "completed")
        {
            failures.Add($"The run ended with status '{status}': the tables and figures show what finished before that.");
        }

        foreach (var r in results)
        {
            foreach (var o in (r.Rollouts ?? []).Where(o => o.Failure is not null))
            {
                failures.Add($"{r.Method} width {r.Width} model seed {r.ModelSeed}, {o.Integrator}: {o.Failure}");
            }
        }

        return failures;
    }

    /// <summary>
    /// What the energy figure's caption may say, from what it draws: forward Euler's drift only when forward Euler is
    /// drawn, the symplectic integrators' bound only when one of them is.
    /// </summary>
    public static string EnergyCaption(IReadOnlyCollection<string> integrators)
    {
        ArgumentNullException.ThrowIfNull(integrators);
        var parts = new List<string>();
        if (integrators.Contains("euler"))
        {
            parts.Add("forward Euler drifts");
        }

        var symplectic = integrators.Where(i => i is "symplectic-euler" or "verlet" or "implicit-midpoint").ToList();
        if (symplectic.Count > 0)
        {
            parts.Add($"{string.Join(" and ", symplectic)} {(symplectic.Count == 1 ? "oscillates" : "oscillate")} within a bound");
        }

        return parts.Count == 0 ? "" : ": " + string.Join(", ", parts);
    }

    /// <summary>
    /// The q1 range of the trajectory figure: the truth's range, widened by half of it (and to the domain's q1 interval
    /// when given), so that one diverging model does not rescale the figure; and for each learned curve that leaves it,
    /// "m leaves the plot at t = ...".
    /// </summary>
    public static ((double Min, double Max) Limits, List<string> Escapes) TrajectoryLimits(
        double[] truth, Interval? domain, IEnumerable<(string Name, double[] Times, double[] Q)> learned)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(learned);
        var finite = truth.Where(double.IsFinite).ToArray();
        var (lo, hi) = finite.Length == 0 ? (-1.0, 1.0) : (finite.Min(), finite.Max());
        var margin = Math.Max(0.5 * (hi - lo), 1e-9 + (1e-6 * Math.Max(Math.Abs(lo), Math.Abs(hi))));
        (lo, hi) = (lo - margin, hi + margin);
        if (domain is { } d)
        {
            (lo, hi) = (Math.Min(lo, d.Lower), Math.Max(hi, d.Upper));
        }

        var escapes = new List<string>();
        foreach (var (name, times, q) in learned)
        {
            var i = Array.FindIndex(q, v => !(v >= lo && v <= hi));
            if (i >= 0)
            {
                escapes.Add($"{name} leaves the plot at t = {times[i].ToString("G4", CultureInfo.InvariantCulture)}");
            }
        }

        return ((lo, hi), escapes);
    }

    /// <summary>For each learned curve that leaves the box <paramref name="x"/> x <paramref name="y"/>: "name leaves the plot at t = ...".</summary>
    public static List<string> PlaneEscapes((double Min, double Max) x, (double Min, double Max) y, IEnumerable<Series> learned, double[] times)
    {
        ArgumentNullException.ThrowIfNull(learned);
        ArgumentNullException.ThrowIfNull(times);
        var escapes = new List<string>();
        foreach (var s in learned)
        {
            var i = Enumerable.Range(0, s.X.Length).FirstOrDefault(k => !(s.X[k] >= x.Min && s.X[k] <= x.Max && s.Y[k] >= y.Min && s.Y[k] <= y.Max), -1);
            if (i >= 0)
            {
                escapes.Add($"{s.Name} leaves the plot at t = {times[i].ToString("G4", CultureInfo.InvariantCulture)}");
            }
        }

        return escapes;
    }

    /// <summary>One experiment per method: the widest, first data seed, first model seed (in results order).</summary>
    public static IReadOnlyList<ExperimentResult> Representatives(IReadOnlyList<ExperimentResult> results)
    {
        if (results.Count == 0)
        {
            return [];
        }

        var width = results.Max(r => r.Width);
        var dataSeed = results[0].DataSeed;
        var modelSeed = results[0].ModelSeed;
        return [.. results.Where(r => r.Width == width && r.DataSeed == dataSeed && r.ModelSeed == modelSeed).DistinctBy(r => r.Method)];
    }

    private static string ConfigText(RunManifest manifest)
    {
        var source = manifest.Source;
        var overrides = manifest.Overrides;
        var text = source is not null && File.Exists(source)
            ? $"# {source}\n{File.ReadAllText(source)}"
            : $"# {source} (no longer on disk; the resolved configuration is in the manifest below)\n";
        if (overrides.Count > 0)
        {
            text += "\n# overrides: " + string.Join(" ", overrides.Select(o => $"--set {o}")) + "\n";
        }

        return text;
    }

    /// <summary>
    /// The planes of phase space the H maps are drawn on, as (coordinate index, name) pairs, the other coordinates held
    /// at the anchor x0: (q, p) for one degree of freedom; (q1, p1) and (q1, q2) for more.
    /// </summary>
    public static IReadOnlyList<((int Index, string Name) X, (int Index, string Name) Y)> EnergyPlanes(int dof) =>
        dof == 1 ? [((0, "q"), (1, "p"))]
        : dof >= 2 ? [((0, "q1"), (dof, "p1")), ((0, "q1"), (1, "q2"))]
        : [];

    private static IEnumerable<ReportFigure> EnergyLandscapes(Context ctx, Dictionary<ExperimentResult, Network> networks)
    {
        if (ctx.Hamiltonian is null || ctx.Domain is null)
        {
            yield break;
        }

        var dim = 2 * ctx.Dof;
        var intervals = ctx.Domain.Q.Concat(ctx.Domain.P).ToArray();
        foreach (var (xAxis, yAxis) in EnergyPlanes(ctx.Dof))
        {
            var xs = Linspace(intervals[xAxis.Index].Lower, intervals[xAxis.Index].Upper, Grid);
            var ys = Linspace(intervals[yAxis.Index].Lower, intervals[yAxis.Index].Upper, Grid);
            var points = Enumerable.Range(0, dim).Select(c => Enumerable.Repeat(ctx.X0[c], Grid * Grid).ToArray()).ToArray();
            var trueH = new double[Grid, Grid];
            var x = new double[dim];
            for (var i = 0; i < Grid; i++)
            {
                for (var j = 0; j < Grid; j++)
                {
                    points[xAxis.Index][(i * Grid) + j] = xs[i];
                    points[yAxis.Index][(i * Grid) + j] = ys[j];
                    for (var c = 0; c < dim; c++)
                    {
                        x[c] = points[c][(i * Grid) + j];
                    }

                    trueH[i, j] = ctx.Hamiltonian.Energy(x);
                }
            }

            var through = ctx.Dof == 1 ? "" : " through the anchor (" + string.Join(", ", Enumerable.Range(0, dim)
                .Where(c => c != xAxis.Index && c != yAxis.Index).Select(c => $"{CoordinateName(c, ctx.Dof)} = {Num(ctx.X0[c])}")) + ")";
            foreach (var (r, network) in networks)
            {
                var h = network.Energy(points);
                var learned = new double[Grid, Grid];
                for (var i = 0; i < Grid; i++)
                {
                    for (var j = 0; j < Grid; j++)
                    {
                        learned[i, j] = h[(i * Grid) + j] - ctx.EnergyOffset;
                    }
                }

                var path = ctx.Figure(ctx.Dof == 1 ? $"energy-{r.Method}.png" : $"energy-{r.Method}-{xAxis.Name}-{yAxis.Name}.png");
                ctx.Log(Plots.TrueLearnedError(path, xs, ys, trueH, learned, xAxis.Name, yAxis.Name));
                yield return new ReportFigure(
                    $"{r.Method} (width {r.Width}): true H, learned H and |H - H-hat| on the ({xAxis.Name}, {yAxis.Name}) plane{through} (log colour scale for the error)", path);
            }
        }
    }

    private static string CoordinateName(int c, int dof) => c < dof ? $"q{c + 1}" : $"p{c - dof + 1}";

    private static async Task<List<ReportFigure>> RolloutFiguresAsync(
        Context ctx, IReadOnlyList<ExperimentResult> representatives, ExperimentResult? best, Network? bestNetwork, List<string> notes, CancellationToken ct)
    {
        var figures = new List<ReportFigure>();
        if (ctx.Hamiltonian is null || best is null || best.ReferenceKey is not { } referenceKey)
        {
            return figures;
        }

        var dim = 2 * ctx.Dof;
        var reference = await ctx.TrajectoryAsync("reference", referenceKey, ct).ConfigureAwait(false);
        if (reference is null)
        {
            notes.Add("The reference rollout is no longer in the store; rollout figures are left out.");
            return figures;
        }

        var truth = HamiltonianField.Exact(ctx.Hamiltonian);
        var integrators = best.Rollouts?.Select(o => o.Integrator).ToList() ?? [];
        var main = integrators.FirstOrDefault();
        if (main is null)
        {
            return figures;
        }

        // Per method with the first integrator: trajectories, error over time, phase portraits.
        var learnedByMethod = new List<(ExperimentResult R, Trajectory T)>();
        foreach (var r in representatives)
        {
            if (r.RolloutKey(main) is { } key && await ctx.TrajectoryAsync("rollout", key, ct).ConfigureAwait(false) is { } t)
            {
                learnedByMethod.Add((r, t));
            }
        }

        if (learnedByMethod.Count > 0)
        {
            var path = ctx.Figure("trajectories.png");
            var truthQ = reference.Series(0, 0);
            var series = new List<Series> { new("true H (DOP853)", reference.Times, truthQ, Style: "true H") };
            series.AddRange(learnedByMethod.Select(x => new Series($"{x.R.Method}", x.T.Times, x.T.Series(0, 0), Style: x.R.Method)));
            var (limits, escapes) = TrajectoryLimits(truthQ, ctx.Domain?.Q[0], learnedByMethod.Select(x => (x.R.Method, x.T.Times, x.T.Series(0, 0))));
            ctx.Log(Plots.Lines(path, $"q1(t) from the first initial state, {main}, dt {Num(ctx.Dt)}", "t", "q1", series, yLimits: limits));
            figures.Add(new ReportFigure(
                $"Trajectories of {string.Join(", ", learnedByMethod.Select(x => x.R.Method))} (integrated with {main}) against the true H"
                + (escapes.Count > 0 ? $"; clipped to the truth's range: {string.Join("; ", escapes)}" : ""), path));
            notes.AddRange(escapes.Select(e => $"Trajectory figure: {e}."));

            path = ctx.Figure("trajectory-error.png");
            series = [.. learnedByMethod.Select(x => new Series(x.R.Method, x.T.Times, RolloutDiagnostics.StateError(x.T, reference).Max, Style: x.R.Method)).Select(FromFirstStep)];
            var exactKey = best.ExactKey(main);
            if (exactKey is not null && await ctx.TrajectoryAsync("rollout", exactKey, ct).ConfigureAwait(false) is { } exact)
            {
                series.Add(FromFirstStep(new Series($"true H, {main}", exact.Times, RolloutDiagnostics.StateError(exact, reference).Max, Dashed: true, Style: "true H")));
            }

            ctx.Log(Plots.Lines(path, $"State error vs the DOP853 rollout of the true H ({main}, max over initial states)", "t", "||x - x_true||", series, logY: true));
            figures.Add(new ReportFigure(exactKey is null
                ? "Trajectory error over time (log scale)"
                : "Trajectory error over time (log scale); black dashed: the true H with the same integrator, i.e. the integrator's own error", path));

            if (exactKey is not null && await ctx.TrajectoryAsync("rollout", exactKey, ct).ConfigureAwait(false) is { } sameIntegrator)
            {
                path = ctx.Figure("model-deviation.png");
                series = [.. learnedByMethod.Select(x => new Series(x.R.Method, x.T.Times, RolloutDiagnostics.StateError(x.T, sameIntegrator).Max, Style: x.R.Method)).Select(FromFirstStep)];
                ctx.Log(Plots.Lines(path, $"Deviation from the true H integrated the same way ({main}, dt {Num(ctx.Dt)})", "t", "||x - x_exact||", series, logY: true));
                figures.Add(new ReportFigure("The model's share of the trajectory error: learned vs true H, both with the same integrator and step (log scale)", path));
            }

            foreach (var (r, t) in learnedByMethod)
            {
                path = ctx.Figure($"phase-{r.Method}.png");
                var count = t.Count;
                var truthSeries = Enumerable.Range(0, count).Select(m => new Series(count == 1 ? "true H" : $"true H #{m + 1}", reference.Series(0, m), reference.Series(ctx.Dof, m), Style: count == 1 ? "true H" : null)).ToList();
                var learnedSeries = Enumerable.Range(0, count).Select(m => new Series(count == 1 ? r.Method : $"{r.Method} #{m + 1}", t.Series(0, m), t.Series(ctx.Dof, m), Dashed: true, Style: count == 1 ? r.Method : null)).ToList();
                var (qLimits, _) = TrajectoryLimits([.. truthSeries.SelectMany(s => s.X)], null, []);
                var (pLimits, _) = TrajectoryLimits([.. truthSeries.SelectMany(s => s.Y)], null, []);
                var phaseEscapes = PlaneEscapes(qLimits, pLimits, learnedSeries, t.Times);
                ctx.Log(Plots.PhasePortrait(path, $"Phase portrait (q1, p1): true H vs {r.Method} ({main})", "q1", "p1", truthSeries, learnedSeries, xLimits: qLimits, yLimits: pLimits));
                figures.Add(new ReportFigure(
                    $"{r.Method}: phase portrait (q1, p1) of the true (solid) and learned (dashed) trajectories, equal aspect"
                    + (phaseEscapes.Count > 0 ? $"; clipped to the truth's range: {string.Join("; ", phaseEscapes)}" : ""), path));
            }
        }

        // The best model with every integrator: energy of the true H along the trajectory.
        var energySeries = new List<Series>();
        var errorSeries = new List<Series>();
        Trajectory? bestMain = null;
        foreach (var name in integrators)
        {
            if (best.RolloutKey(name) is { } key && await ctx.TrajectoryAsync("rollout", key, ct).ConfigureAwait(false) is { } t)
            {
                bestMain ??= t;
                energySeries.Add(new Series(name, t.Times, SignedDrift(truth, t), Style: name));
                errorSeries.Add(FromFirstStep(new Series(name, t.Times, RolloutDiagnostics.StateError(t, reference).Max, Style: name)));
            }
        }

        if (energySeries.Count > 0)
        {
            var drawnIntegrators = energySeries.Select(e => e.Name).ToList();
            energySeries.Add(new Series("true H, DOP853", reference.Times, SignedDrift(truth, reference), Dashed: true, Style: "true H"));
            var path = ctx.Figure("energy-drift.png");
            // The drifts span decades (forward Euler's ~0.1 against RK4's ~1e-9): a linear axis shows only the largest, so
            // their size is drawn on a log axis (t = 0, where every drift is 0, left out).
            ctx.Log(Plots.Lines(path, $"Energy drift of the true H along the {best.Method} trajectory, first initial state", "t", "|H(x(t)) - H(x(0))| / |H(x(0))|",
                [.. energySeries.Select(e => FromFirstStep(e with { Y = [.. e.Y.Select(Math.Abs)] }))], logY: true));
            figures.Add(new ReportFigure($"Energy drift over time for {string.Join(", ", drawnIntegrators)} ({best.Method}, log scale){EnergyCaption(drawnIntegrators)}", path));
            path = ctx.Figure("integrator-error.png");
            ctx.Log(Plots.Lines(path, $"State error vs the true H for each integrator ({best.Method})", "t", "||x - x_true||", errorSeries, logY: true));
            figures.Add(new ReportFigure($"Trajectory error for each integrator ({best.Method}, log scale)", path));
        }

        if (ctx.Dof == 2 && bestMain is not null)
        {
            var learned = HamiltonianField.Learned(bestNetwork!);
            var refSection = RolloutDiagnostics.Poincare(reference, truth);
            var section = RolloutDiagnostics.Poincare(bestMain, learned);
            var path = ctx.Figure("poincare.png");
            ctx.Log(Plots.Scatter(path, "Poincare section q1 = 0, p1 > 0", "q2", "p2",
            [
                PlaneSeries("true H (DOP853)", refSection) with { Style = "true H" },
                PlaneSeries($"{best.Method} ({main})", section) with { Style = best.Method },
            ]));
            figures.Add(new ReportFigure($"Poincare section (q1 = 0, p1 > 0) of the true and the {best.Method} trajectories; longer rollouts (rollout.steps) give more points", path));
        }

        return figures;
    }

    /// <summary>Errors over time without t = 0 (zero there by construction, and not drawable on a log scale).</summary>
    private static Series FromFirstStep(Series s) => s.X.Length < 2 ? s : s with { X = s.X[1..], Y = s.Y[1..] };

    private static Series PlaneSeries(string name, PoincareSection section)
    {
        var q2 = new List<double>();
        var p2 = new List<double>();
        for (var m = 0; m < section.Count; m++)
        {
            var (a, b) = section.Plane(m, 1, 3);
            q2.AddRange(a);
            p2.AddRange(b);
        }

        return new Series(name, [.. q2], [.. p2]);
    }

    private static double[] SignedDrift(HamiltonianField truth, Trajectory t)
    {
        var h = new double[t.Length];
        for (var k = 0; k < t.Length; k++)
        {
            h[k] = truth.Energy(t.States[k])[0];
        }

        var scale = Math.Max(Math.Abs(h[0]), 1e-300);
        return [.. h.Select(v => (v - h[0]) / scale)];
    }

    private static IEnumerable<ReportFigure> WidthSweep(Context ctx, IReadOnlyList<ExperimentResult> results)
    {
        if (results.Select(r => r.Width).Distinct().Count() < 2)
        {
            yield break;
        }

        // H's error where the data carry H, else x' (a data file without H): a plot of NaNs would be an empty frame.
        var (name, metric) = WidthSweepMetric(results);
        if (metric is null)
        {
            yield break;
        }

        var series = results.GroupBy(r => r.Method).Select(g =>
        {
            var byWidth = g.GroupBy(r => r.Width).OrderBy(w => w.Key).ToList();
            return new Series(g.Key, [.. byWidth.Select(w => (double)w.Key)], [.. byWidth.Select(w => w.Average(metric))], Style: g.Key);
        }).ToList();
        var path = ctx.Figure("error-vs-width.png");
        ctx.Log(Plots.Lines(path, $"Test relative L2 error of {name} vs width (mean over seeds)", "width N", $"rel. L2 error of {name}", series, logY: true, logX: true));
        yield return new ReportFigure($"Test rel. L2 error of {name} vs width, mean over seeds (log-log){(name == "H" ? "" : "; the data carry no H")}", path);
    }

    /// <summary>
    /// What the error-vs-width figure draws: the test error of H when every experiment has it, else of x' when every
    /// experiment has that, else nothing (null).
    /// </summary>
    public static (string Name, Func<ExperimentResult, double>? Metric) WidthSweepMetric(IReadOnlyList<ExperimentResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        return results.All(r => double.IsFinite(r.Test.H)) ? ("H", r => r.Test.H)
            : results.All(r => double.IsFinite(r.Test.Dx)) ? ("x'", r => r.Test.Dx)
            : ("", null);
    }

    private static async Task<List<ReportFigure>> LossFiguresAsync(Context ctx, IReadOnlyList<ExperimentResult> representatives, CancellationToken ct)
    {
        var figures = new List<ReportFigure>();
        foreach (var r in representatives)
        {
            if (r.Loss is not var (stage, key))
            {
                continue;
            }

            var table = await ctx.Store.TryReadAsync(stage, key, ct).ConfigureAwait(false);
            if (table is null)
            {
                continue;
            }

            var (steps, loss) = Codecs.ToLoss(table);
            var path = ctx.Figure($"loss-{r.Method}.png");
            ctx.Log(Plots.Lines(path, $"{r.Method} training loss (width {r.Width})", "step", "mean squared error of x'", [new Series("loss", [.. steps.Select(s => (double)s)], loss, Style: r.Method)], logY: true));
            figures.Add(new ReportFigure($"{r.Method}: loss history", path));
        }

        return figures;
    }

    private static double[] Linspace(double a, double b, int n) => [.. Enumerable.Range(0, n).Select(i => a + ((b - a) * i / (n - 1)))];

    private static string Num(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>What the report needs from the manifest's resolved configuration, and where it writes.</summary>
    private sealed record Context(
        ArtifactStore Store,
        string Folder,
        HamiltonianSystem? Hamiltonian,
        Domain? Domain,
        int Dof,
        double[] X0,
        double EnergyOffset,
        double Dt,
        string Description,
        ILogger Logger)
    {
        public string Figures => Path.Combine(Folder, "figures");

        public string Figure(string name) => Path.Combine(Figures, name);

        public void Log(PlotResult result)
        {
            foreach (var note in result.Notes)
            {
                Logger.Debug("report: {Plot}: {Note}", Path.GetFileName(result.Path), note);
            }
        }

        public async Task<Network?> NetworkAsync(ExperimentResult r, CancellationToken ct)
        {
            if (r.Model is not var (stage, key))
            {
                return null;
            }

            var table = await Store.TryReadAsync(stage, key, ct).ConfigureAwait(false);
            return table is null ? null : Codecs.ToNetwork(table, 2 * Dof).Network;
        }

        /// <summary>A stored trajectory, read once per report however many figures use it.</summary>
        public async Task<Trajectory?> TrajectoryAsync(string stage, string key, CancellationToken ct)
        {
            if (!Trajectories.TryGetValue((stage, key), out var trajectory))
            {
                var table = await Store.TryReadAsync(stage, key, ct).ConfigureAwait(false);
                trajectory = table is null ? null : Codecs.ToTrajectory(table, 2 * Dof);
                Trajectories[(stage, key)] = trajectory;
            }

            return trajectory;
        }

        private Dictionary<(string Stage, string Key), Trajectory?> Trajectories { get; } = [];

        public static Context From(JsonElement config, ArtifactStore store, string folder, ILogger log, HamiltonianSystem? given)
        {
            var dof = config.GetProperty("dof").GetInt32();
            HamiltonianSystem? system = null;
            if (config.TryGetProperty("system", out var s) && s.ValueKind == JsonValueKind.Object && given is not null && given.Name == s.GetProperty("name").GetString())
            {
                system = given;
            }
            else if (config.TryGetProperty("system", out s) && s.ValueKind == JsonValueKind.Object)
            {
                var parameters = s.GetProperty("params").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
                system = SystemRegistry.Create(s.GetProperty("name").GetString()!, parameters);
            }

            Domain? domain = null;
            if (config.TryGetProperty("domain", out var d) && d.ValueKind == JsonValueKind.Object)
            {
                static List<Interval> Read(JsonElement e) => [.. e.EnumerateArray().Select(i => new Interval(i[0].GetDouble(), i[1].GetDouble()))];
                domain = new Domain(Read(d.GetProperty("q")), Read(d.GetProperty("p")));
            }

            var anchor = config.GetProperty("anchor");
            var x0 = anchor.GetProperty("x0").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var h0 = anchor.GetProperty("h0").ValueKind == JsonValueKind.Number ? anchor.GetProperty("h0").GetDouble() : (double?)null;
            var offset = system is not null && h0 is not null ? h0.Value - system.Energy(x0) : 0;
            var dt = config.TryGetProperty("rollout", out var ro) && ro.ValueKind == JsonValueKind.Object ? ro.GetProperty("dt").GetDouble() : double.NaN;
            var what = system is null
                ? $"Learned from a data file ({dof} degree(s) of freedom)."
                : $"System {system}{(domain is null ? string.Empty : $" on q {string.Join(" x ", domain.Q.Select(i => $"[{Num(i.Lower)}, {Num(i.Upper)}]"))}, p {string.Join(" x ", domain.P.Select(i => $"[{Num(i.Lower)}, {Num(i.Upper)}]"))}")}.";
            return new Context(store, folder, system, domain, dof, x0, offset, dt, what, log);
        }
    }
}
