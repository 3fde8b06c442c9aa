using Hnn.Datasets;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Store;

namespace Hnn.Pipeline.Report;

/// <summary>The trajectory path's figures (data.trajectories): the error bars along a held-out test trajectory, and the invariants along its rollout.</summary>
public static partial class RunReport
{
    private static async Task<List<ReportFigure>> TrajectoryFiguresAsync(Context ctx, IReadOnlyList<ExperimentResult> representatives, CancellationToken ct)
    {
        var figures = new List<ReportFigure>();
        foreach (var r in representatives.Where(r => r.Trajectory is not null))
        {
            if (r.Keys.TryGetValue(ExperimentKeys.ErrorBars, out var barsKey) && await ctx.Store.TryReadAsync("error-bars", barsKey, ct).ConfigureAwait(false) is { } bars)
            {
                figures.Add(ErrorBarFigure(ctx, r, bars));
            }

            if (r.Keys.TryGetValue(ExperimentKeys.TrajectoryRollout, out var rolloutKey) && await ctx.Store.TryReadAsync("trajectory-rollout", rolloutKey, ct).ConfigureAwait(false) is { } rollout)
            {
                figures.AddRange(InvariantFigures(ctx, r, rollout));
            }
        }

        return figures;
    }

    /// <summary>
    /// H along the first held-out test trajectory with the Bayesian band: with a known system the error of the corrected
    /// H against the true H and ±2 sd around zero (the band should contain the error), else H itself ± 2 sd.
    /// </summary>
    private static ReportFigure ErrorBarFigure(Context ctx, ExperimentResult r, Table bars)
    {
        var kind = bars.Int32Column("kind");
        var idx = Enumerable.Range(0, kind.Length).Where(k => kind[k] == 1).ToArray();
        var t = idx.Select(k => bars.Column("t")[k]).ToArray();
        var h = idx.Select(k => bars.Column("H_mean")[k]).ToArray();
        var sd = idx.Select(k => bars.Column("sd")[k]).ToArray();
        var names = Codecs.CoordinateNames(ctx.Dof);
        var path = ctx.Figure($"error-bars-{r.Method}.png");
        var trajectory = bars.Metadata.GetValueOrDefault("trajectory", "?");
        if (ctx.Hamiltonian is { } system)
        {
            var x = new double[2 * ctx.Dof];
            var err = new double[idx.Length];
            for (var n = 0; n < idx.Length; n++)
            {
                for (var i = 0; i < x.Length; i++)
                {
                    x[i] = bars.Column(names[i])[idx[n]];
                }

                err[n] = h[n] - system.Energy(x);
            }

            ctx.Log(Plots.Lines(path, $"{r.Method}: corrected H - true H along test trajectory {trajectory}, with ±2 sd", "t", "H - H_true",
            [
                new Series("H - H_true", t, err, Style: r.Method),
                new Series("+2 sd", t, [.. sd.Select(s => 2 * s)], Dashed: true, Style: "band"),
                new Series("-2 sd", t, [.. sd.Select(s => -2 * s)], Dashed: true, Style: "band"),
            ]));
            return new ReportFigure($"{r.Method}: the error of the learned (corrected) H at the observed states of a held-out test trajectory and the Bayesian band ±2 sd. {BandCoverageText(r.Trajectory!.Coverage95, bars.Metadata)}", path);
        }

        ctx.Log(Plots.Lines(path, $"{r.Method}: learned H along test trajectory {trajectory}, with ±2 sd", "t", "H",
        [
            new Series("H", t, h, Style: r.Method),
            new Series("H + 2 sd", t, [.. h.Zip(sd, (a, s) => a + (2 * s))], Dashed: true, Style: "band"),
            new Series("H - 2 sd", t, [.. h.Zip(sd, (a, s) => a - (2 * s))], Dashed: true, Style: "band"),
        ]));
        return new ReportFigure($"{r.Method}: the learned H at the observed states of a held-out test trajectory with the Bayesian band ±2 sd (no known H: its spread along the trajectory is its error, H being conserved)", path);
    }

    /// <summary>Kepler: L and |A| along the learned and true rollouts of the first test trajectory; FPUT: the normal-mode energy fractions, learned and true.</summary>
    private static IEnumerable<ReportFigure> InvariantFigures(Context ctx, ExperimentResult r, Table rollout)
    {
        var names = Codecs.CoordinateNames(ctx.Dof);
        var t = rollout.Column("t");
        if (ctx.Hamiltonian is not (Kepler or Fput) || double.IsNaN(rollout.Column(names[0])[0]))
        {
            yield break;
        }

        double[] State(string prefix, int n) => [.. names.Select(c => rollout.Column(prefix + c)[n])];
        var trajectory = rollout.Metadata.GetValueOrDefault("trajectory", "?");
        if (ctx.Hamiltonian is Kepler kepler)
        {
            double L(string prefix, int n) => kepler.AngularMomentum(State(prefix, n))[^1];
            double A(string prefix, int n) => Math.Sqrt(kepler.RungeLenz(State(prefix, n)).Sum(v => v * v));
            // The drifts, not the values: L ~ 1 and |A| ~ 0.4 on one linear axis hid a 1e-3 drift (and the true H's
            // 1e-14). |L(t) - L(0)| / |L(0)| and ||A(t)| - |A(0)|| / k, as InvariantDiagnostics.KeplerDrift measures them.
            var after = t.Skip(1).ToArray();
            double[] Drift(Func<string, int, double> f, string prefix, double scale) =>
                [.. after.Select((_, i) => Math.Abs(f(prefix, i + 1) - f(prefix, 0)) / scale)];
            var path = ctx.Figure($"kepler-invariants-{r.Method}.png");
            ctx.Log(Plots.Lines(path, $"{r.Method}: drift of L and |A| along the rollout of test trajectory {trajectory}", "t", "relative drift",
            [
                new Series("L learned", after, Drift(L, "", Math.Max(Math.Abs(L("", 0)), 1e-300)), Style: r.Method),
                new Series("L true", after, Drift(L, "true_", Math.Max(Math.Abs(L("true_", 0)), 1e-300)), Dashed: true),
                new Series("|A| learned", after, Drift(A, "", kepler.K)),
                new Series("|A| true", after, Drift(A, "true_", kepler.K), Dashed: true),
            ], logY: true));
            yield return new ReportFigure($"{r.Method}: drift of the angular momentum L (relative to |L(0)|) and of the Laplace-Runge-Lenz |A| (relative to k) along the rollouts of the learned ({LearnedRollout(rollout.Metadata)}) and the true H (DOP853) from a held-out test trajectory's start (largest drift over the test trajectories: L {Sci(r.Trajectory!.InvariantDrift)}, |A|/k {Sci(r.Trajectory.InvariantDrift2)})", path);
        }
        else if (ctx.Hamiltonian is Fput fput)
        {
            double[][] Fractions(string prefix) => [.. t.Select((_, n) =>
            {
                var e = fput.ModeEnergies(State(prefix, n));
                var sum = Math.Max(e.Sum(), 1e-300);
                return e.Select(v => v / sum).ToArray();
            })];
            var learned = Fractions("");
            var exact = Fractions("true_");
            var modes = Enumerable.Range(0, exact[0].Length).OrderByDescending(w => exact.Max(f => f[w])).Take(3).Order().ToList();
            var series = new List<Series>();
            foreach (var w in modes)
            {
                series.Add(new Series($"mode {w} learned", t, [.. learned.Select(f => f[w])]));
                series.Add(new Series($"mode {w} true", t, [.. exact.Select(f => f[w])], Dashed: true));
            }

            var path = ctx.Figure($"fput-modes-{r.Method}.png");
            ctx.Log(Plots.Lines(path, $"{r.Method}: normal-mode energy fractions along test trajectory {trajectory}", "t", "E_k / sum E", series));
            yield return new ReportFigure($"{r.Method}: the three most excited normal modes' energy fractions over time, rollouts of the learned (solid; {LearnedRollout(rollout.Metadata)}) and true (dashed; DOP853) H from a held-out test trajectory's start (largest deviation over the test trajectories {Sci(r.Trajectory!.InvariantDrift)})", path);
            if (fput.Periodic && modes.Contains(1))
            {
                // Mode 1's share alone, on its own scale: on the 0-1 axis above, the recurrence (a dip of a few per cent) is
                // a flat line.
                var recurrence = ctx.Figure($"fput-mode1-{r.Method}.png");
                ctx.Log(Plots.Lines(recurrence, $"{r.Method}: mode 1's energy share along test trajectory {trajectory}", "t", "E_1 / sum E",
                [
                    new Series("mode 1 learned", t, [.. learned.Select(f => f[1])]),
                    new Series("mode 1 true", t, [.. exact.Select(f => f[1])], Dashed: true),
                ]));
                yield return new ReportFigure($"{r.Method}: mode 1's share of the harmonic energy over time, learned (solid) and true (dashed), the same rollouts{RecurrenceText(rollout.Metadata)}", recurrence);
            }
        }
    }

    /// <summary>
    /// The band's coverage in plain words for the figure's caption: with the sandwich band's diagnostics (error-bars metadata,
    /// docs/SCHEMA.md) also the range its own model predicts for one run (5-95 %), whether this run lies inside
    /// (<see cref="Hnn.Stages.Training.ModelCoverageRange.Consistent"/>: consistent with the band, a lucky or unlucky draw) or
    /// outside (below: too narrow; above: wider than its own model expects), and what the bias term adds.
    /// </summary>
    internal static string BandCoverageText(double coverage, IReadOnlyDictionary<string, string> meta)
    {
        var text = $"Coverage of the 95 % band (the fraction of the uniform test points whose true H lies in H ± 1.96 sd): {Percent(coverage)}.";
        double Num(string key) => meta.TryGetValue(key, out var v) && double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : double.NaN;
        var q05 = Num("model_coverage95_q05");
        var q95 = Num("model_coverage95_q95");
        if (double.IsNaN(q05) || double.IsNaN(q95) || !meta.TryGetValue("model_coverage95_consistent", out var consistent))
        {
            return text;
        }

        var verdict = consistent == "yes"
            ? "this run lies inside that range: the band is consistent with its error, and a coverage away from 95 % is the luck of one draw, not a miscalibration"
            : coverage < Num("model_coverage95_q50")
                ? "this run lies below that range: the band is too narrow for this run's error (miscalibrated, not an unlucky draw)"
                : "this run lies above that range: the band is wider than its own model expects (conservative)";
        text += $" If the band is right, one run's coverage is itself random (the test points' errors are one smooth random field): its own model predicts {Percent(q05)} to {Percent(q95)} for one run (5-95 %, {Percent(Num("model_coverage95_in_window"))} of its draws in 90-99 %); {verdict}.";
        var noiseOnly = Num("coverage95_noise_only");
        if (!double.IsNaN(noiseOnly))
        {
            text += $" The band includes the regularisation's bias (it widens the median sd from {Sci(Num("median_sd_noise_only"))} to {Sci(Num("median_sd"))}; without it the coverage is {Percent(noiseOnly)}).";
        }

        return text;
    }

    private static string Percent(double v) => double.IsNaN(v) ? "-" : v.ToString("P1", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The FPUT recurrence sentence of the mode-energy caption, from the trajectory-rollout metadata (periodic chains only;
    /// empty for artifacts without it): mode 1's dip and first return of this trajectory, learned and true, and the largest
    /// differences over the test trajectories.
    /// </summary>
    internal static string RecurrenceText(IReadOnlyDictionary<string, string> meta)
    {
        double Get(string key) => meta.TryGetValue(key, out var v) ? double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : double.NaN;
        if (!meta.ContainsKey("recurrence_dip_error"))
        {
            return string.Empty;
        }

        static string F(double v) => double.IsNaN(v) ? "none within the observed times" : v.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture);
        static string T(double v) => double.IsNaN(v) ? "none within the observed times" : v.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
        var returnError = Get("recurrence_return_error");
        return $". Recurrence of mode 1 (the minimum of its energy share before 0.8 T, T = {T(Get("recurrence_period"))} the linear beat period of modes 1 and 2, and the first time the share is back within 0.001 of its starting value after falling 0.005 below it): " +
            $"dip {F(Get("recurrence_dip"))} learned / {F(Get("exact_recurrence_dip"))} true, first return t = {T(Get("recurrence_return"))} learned / {T(Get("exact_recurrence_return"))} true; " +
            $"over the test trajectories the dips differ by at most {Sci(Get("recurrence_dip_error"))} and the returns by at most " +
            (double.IsNaN(returnError) ? "- (a rollout did not return within its times)" : returnError.ToString("0.0 %", System.Globalization.CultureInfo.InvariantCulture)) +
            (meta.ContainsKey("recurrence_peak_error")
                ? $"; the share's peak in [0.75 T, 1.25 T] at t = {T(Get("recurrence_peak"))} learned / {T(Get("exact_recurrence_peak"))} true, the peaks differ by at most " +
                  (double.IsNaN(Get("recurrence_peak_error")) ? "-" : Get("recurrence_peak_error").ToString("0.0 %", System.Globalization.CultureInfo.InvariantCulture))
                : string.Empty);
    }

    /// <summary>How the learned H was rolled out (trajectory-rollout metadata `integrator`; before version 3: DOP853).</summary>
    internal static string LearnedRollout(IReadOnlyDictionary<string, string> meta) =>
        meta.TryGetValue("integrator", out var integrator) && integrator != "dop853"
            ? $"the rows' own rule, {integrator}, one step per observation interval"
            : "DOP853";

    private static string Sci(double v) => double.IsNaN(v) ? "-" : v.ToString("0.00e+00", System.Globalization.CultureInfo.InvariantCulture);
}
