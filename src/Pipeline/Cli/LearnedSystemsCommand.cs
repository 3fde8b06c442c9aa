using System.CommandLine;
using System.Globalization;
using Hnn.Pipeline.Config;
using Hnn.Stages.Numerics;
using Hnn.Stages.Rollout;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// <c>hnn learned-systems</c>: issue 13's done-means 4 (docs/RESULTS.md, "Kepler and FPUT learned from trajectories"):
/// Kepler 2-D (eccentricities up to 0.5) and FPUT (n = 8, alpha = 0.25, beta = 0 and 1, periodic) learned from generated
/// trajectories with the midpoint target and A-SWIM (<see cref="LearnedSystemStudy"/>); prints the test H errors, the drift
/// of L and |A| along learned and true rollouts (Kepler) and the mode-1 recurrence (FPUT), one markdown row per run, and
/// draws the figures of the first run into <c>--plot-dir</c>. Not cached.
/// </summary>
public static class LearnedSystemsCommand
{
    /// <summary>The subcommand; <paramref name="setExit"/> receives its exit code.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr, Action<int> setExit)
    {
        var systems = new Option<string>("--systems") { Description = "Comma-separated: kepler, fput", DefaultValueFactory = _ => "kepler,fput" };
        var seeds = new Option<int>("--seeds") { Description = "Number of runs: run i uses data seed (data-seed + i) and model seed (model-seed + i)", DefaultValueFactory = _ => 3 };
        var dataSeed = new Option<ulong>("--data-seed") { Description = "First data seed", DefaultValueFactory = _ => 3943 };
        var modelSeed = new Option<ulong>("--model-seed") { Description = "First model seed", DefaultValueFactory = _ => 992472 };
        var keplerWidth = new Option<int>("--kepler-width") { Description = "Hidden-layer width for Kepler", DefaultValueFactory = _ => 1000 };
        var fputWidth = new Option<int>("--fput-width") { Description = "Hidden-layer width for FPUT", DefaultValueFactory = _ => 600 };
        var keplerTrajectories = new Option<int>("--kepler-trajectories") { Description = "Training orbits for Kepler (each 20 steps of 0.05)", DefaultValueFactory = _ => 800 };
        var fputTrajectories = new Option<int>("--fput-trajectories") { Description = "Training trajectories for FPUT (each 20 steps of 0.1)", DefaultValueFactory = _ => 300 };
        var keplerScale = new Option<double>("--kepler-weight-scale") { Description = "Samplers' weight scale for Kepler (docs/ALGORITHM.md §2.1a; 1 = published)", DefaultValueFactory = _ => 1 };
        var keplerSeparable = new Option<bool>("--kepler-separable") { Description = "Kepler: a separable hidden layer, H-hat = V(q) + T(p) (docs/ALGORITHM.md §2.1b)" };
        var keplerScaleQ = new Option<double>("--kepler-weight-scale-q") { Description = "Kepler, separable: the q-neurons' weight scale (0: --kepler-weight-scale)", DefaultValueFactory = _ => 0 };
        var keplerScaleP = new Option<double>("--kepler-weight-scale-p") { Description = "Kepler, separable: the p-neurons' weight scale (0: --kepler-weight-scale)", DefaultValueFactory = _ => 0 };
        var keplerRcond = new Option<double>("--kepler-rcond") { Description = "Kepler: the solve's truncation rcond (KeplerStudySettings; default 1e-13)", DefaultValueFactory = _ => 1e-13 };
        var fputScale = new Option<double>("--fput-weight-scale") { Description = "Samplers' weight scale for FPUT (docs/ALGORITHM.md §2.1a; 1 = published)", DefaultValueFactory = _ => 1 };
        var fputSeparable = new Option<bool>("--fput-separable") { Description = "FPUT: a separable hidden layer, H-hat = V(q) + T(p) (docs/ALGORITHM.md §2.1b), both halves at --fput-weight-scale" };
        var fputQuarticWidth = new Option<int>("--fput-width-beta1") { Description = "Hidden-layer width for FPUT with beta = 1 (0: --fput-width)", DefaultValueFactory = _ => 0 };
        var fputAmplitude = new Option<double>("--fput-amplitude") { Description = "FPUT training states: modal coefficients uniform in [-A, A] (rollouts start at the lowest mode, A = 0.3)", DefaultValueFactory = _ => 0.3 };
        var fputRegularisation = new Option<string>("--fput-regularisation")
        {
            Description = "FPUT output-layer solve: rcond (published, rcond 1e-13), rcond=V, ridge=V (lambda relative to s_max), auto-ridge or auto-rcond (by the error on 10 validation trajectories); "
                + "other than rcond, the test H of rcond 1e-13 and ridge 1e-14..1e-4 on the same layer is printed too",
            DefaultValueFactory = _ => "rcond",
        };
        var fputPairs = new Option<string>("--fput-swim-pairs") { Description = "FPUT SWIM candidate pairs: any (published) or across-trajectories (no pair within one trajectory)", DefaultValueFactory = _ => "any" };
        var fputMethod = new Option<string>("--fput-method") { Description = "FPUT sampler: a-swim (published study) or u-swim", DefaultValueFactory = _ => "a-swim" };
        var fputBetas = new Option<string>("--fput-betas") { Description = "Comma-separated FPUT betas to run, of 0 and 1", DefaultValueFactory = _ => "0,1" };
        var sweep = new Option<string?>("--scale-sweep")
        {
            Description = "Instead of the studies: test H on exact derivatives vs the weight scale, 'SYSTEM;METHODS;WIDTHS;SCALES;POINTS[;both]' "
                + "(SYSTEM kepler or fput:ALPHA:BETA; METHODS of u-swim, a-swim, elm; a scale Q/P: the separable layer with q scale Q and p scale P; "
                + "'both': scale the biases too, the ablation), e.g. 'fput:0:0;u-swim;200,400;0.01,1,0.5/0.1;3000'",
        };
        var stall = new Option<double>("--stall-tolerance") { Description = "Implicit midpoint's fixed-point stall tolerance (FixedPointSettings; default 1e-10)", DefaultValueFactory = _ => 1e-10 };
        var backend = new Option<string>("--backend") { Description = "auto, lapack or managed", DefaultValueFactory = _ => "auto" };
        var plotDir = new Option<string?>("--plot-dir") { Description = "Draw the first run's figures (PNG and SVG) into this folder" };
        var command = new Command("learned-systems", "Kepler and FPUT learned from generated trajectories: test H error, invariant drift and mode-energy recurrence of learned vs true rollouts")
        {
            systems, seeds, dataSeed, modelSeed, keplerWidth, fputWidth, keplerTrajectories, fputTrajectories, keplerScale, keplerSeparable, keplerScaleQ, keplerScaleP, keplerRcond, fputScale, fputQuarticWidth, fputAmplitude,
            fputSeparable, fputRegularisation, fputPairs, fputBetas, fputMethod, sweep, stall, backend, plotDir,
        };
        command.SetAction(pr =>
        {
            try
            {
                var names = pr.GetValue(systems)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(n => n is "kepler" or "fput" ? n : throw new ArgumentException($"--systems: '{n}' is not one of kepler, fput"))
                    .ToList();
                if (names.Count == 0)
                {
                    throw new ArgumentException("--systems: empty; allowed: kepler, fput (comma-separated)");
                }

                Repeats.CheckOption("--systems", pr.GetValue(systems)!, names, n => n, "system");

                var n = pr.GetValue(seeds);
                foreach (var (option, value) in new[] { ("--seeds", n), ("--kepler-width", pr.GetValue(keplerWidth)), ("--fput-width", pr.GetValue(fputWidth)), ("--kepler-trajectories", pr.GetValue(keplerTrajectories)), ("--fput-trajectories", pr.GetValue(fputTrajectories)) })
                {
                    if (value < 1)
                    {
                        throw new ArgumentException(Inv($"{option} {value}: must be an integer >= 1"));
                    }
                }

                foreach (var (option, v) in new[] { ("--kepler-weight-scale", pr.GetValue(keplerScale)), ("--fput-weight-scale", pr.GetValue(fputScale)) })
                {
                    if (!Hnn.Stages.Sampling.WeightScale.IsValid(v))
                    {
                        throw new ArgumentException(Inv($"{option}: {v} is not allowed: must be in (0, {Hnn.Stages.Sampling.WeightScale.Max}]"));
                    }
                }

                foreach (var (option, v) in new[] { ("--kepler-weight-scale-q", pr.GetValue(keplerScaleQ)), ("--kepler-weight-scale-p", pr.GetValue(keplerScaleP)) })
                {
                    if (v != 0 && !Hnn.Stages.Sampling.WeightScale.IsValid(v))
                    {
                        throw new ArgumentException(Inv($"{option}: {v} is not allowed: must be 0 (= --kepler-weight-scale) or in (0, {Hnn.Stages.Sampling.WeightScale.Max}]"));
                    }

                    if (v != 0 && !pr.GetValue(keplerSeparable))
                    {
                        throw new ArgumentException(Inv($"{option}: {v} is allowed only with --kepler-separable"));
                    }
                }

                if (!(pr.GetValue(keplerRcond) >= 0 && pr.GetValue(keplerRcond) < 1))
                {
                    throw new ArgumentException(Inv($"--kepler-rcond: {pr.GetValue(keplerRcond)} is not allowed: must be in [0, 1)"));
                }

                if (!(pr.GetValue(stall) >= 1e-14 && pr.GetValue(stall) < 1))
                {
                    throw new ArgumentException(Inv($"--stall-tolerance: {pr.GetValue(stall)} is not allowed: must be in [1e-14, 1)"));
                }

                if (!(pr.GetValue(fputAmplitude) > 0 && pr.GetValue(fputAmplitude) <= 10))
                {
                    throw new ArgumentException(Inv($"--fput-amplitude: {pr.GetValue(fputAmplitude)} is not allowed: must be in (0, 10]"));
                }

                if (!LearnedSystemStudy.IsFputRegularisation(pr.GetValue(fputRegularisation)!))
                {
                    throw new ArgumentException($"--fput-regularisation: '{pr.GetValue(fputRegularisation)}' is not allowed: rcond, rcond=V (0 <= V < 1), ridge=V (V >= 0), auto-ridge or auto-rcond");
                }

                var betas = pr.GetValue(fputBetas)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(b => b switch { "0" => 0.0, "1" => 1.0, _ => throw new ArgumentException($"--fput-betas: '{b}' is not allowed: 0 or 1 (comma-separated)") })
                    .Distinct().ToArray();
                if (betas.Length == 0)
                {
                    throw new ArgumentException("--fput-betas: empty; allowed: 0, 1 (comma-separated)");
                }

                if (pr.GetValue(fputMethod) is not ("a-swim" or "u-swim"))
                {
                    throw new ArgumentException($"--fput-method: '{pr.GetValue(fputMethod)}' is not allowed: a-swim or u-swim");
                }

                if (pr.GetValue(fputPairs) is not ("any" or "across-trajectories"))
                {
                    throw new ArgumentException($"--fput-swim-pairs: '{pr.GetValue(fputPairs)}' is not allowed: any or across-trajectories");
                }

                if (pr.GetValue(fputQuarticWidth) < 0)
                {
                    throw new ArgumentException(Inv($"--fput-width-beta1 {pr.GetValue(fputQuarticWidth)}: must be an integer >= 0 (0: --fput-width)"));
                }

                // Checked before any work (a bad --backend or --plot-dir used to fail after the fits, or with a .NET message).
                CliChecks.OneOf("--backend", pr.GetValue(backend)!, ["auto", "lapack", "managed"], ignoreCase: true);
                if (pr.GetValue(plotDir) is { } dir)
                {
                    CliChecks.OutputFolder("--plot-dir", dir);
                }

                if (pr.GetValue(sweep) is { } checkedGrid)
                {
                    ParseGrid(checkedGrid);
                }

                var la = LinearAlgebraBackends.Resolve(pr.GetValue(backend)!, out var note);
                stderr.WriteLine(note);
                if (pr.GetValue(sweep) is { } grid)
                {
                    Sweep(la, grid, pr.GetValue(dataSeed), pr.GetValue(modelSeed), stdout);
                    setExit(0);
                    return;
                }

                var quartic = pr.GetValue(fputQuarticWidth) is > 0 and var q ? q : pr.GetValue(fputWidth);
                var ks = pr.GetValue(keplerScale);
                var keplerLayer = pr.GetValue(keplerSeparable)
                    ? new Hnn.Stages.Sampling.SeparableLayer(pr.GetValue(keplerScaleQ) is > 0 and var sq ? sq : ks, pr.GetValue(keplerScaleP) is > 0 and var sp ? sp : ks)
                    : null;
                Run(la, names, n, pr.GetValue(dataSeed), pr.GetValue(modelSeed), new(pr.GetValue(keplerWidth), pr.GetValue(keplerTrajectories), ks, 0, pr.GetValue(stall), 0) { Separable = keplerLayer, Rcond = pr.GetValue(keplerRcond) },
                    new(pr.GetValue(fputWidth), pr.GetValue(fputTrajectories), pr.GetValue(fputScale), quartic, pr.GetValue(stall), pr.GetValue(fputAmplitude))
                    {
                        Regularisation = pr.GetValue(fputRegularisation)!,
                        AcrossTrajectories = pr.GetValue(fputPairs) == "across-trajectories",
                        Betas = betas,
                        Method = pr.GetValue(fputMethod) == "u-swim" ? Hnn.Stages.Sampling.SamplingMethod.USwim : Hnn.Stages.Sampling.SamplingMethod.ASwim,
                        Separable = pr.GetValue(fputSeparable) ? new Hnn.Stages.Sampling.SeparableLayer(pr.GetValue(fputScale), pr.GetValue(fputScale)) : null,
                    }, pr.GetValue(plotDir), stdout);
                setExit(0);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException or InputException)
            {
                stderr.WriteLine($"error: {ex.Message}");
                setExit(Commands.BadInput);
            }
        });
        return command;
    }

    private sealed record Sizes(int Width, int Trajectories, double WeightScale, int QuarticWidth, double StallTolerance, double Amplitude)
    {
        public string Regularisation { get; init; } = "rcond";

        public bool AcrossTrajectories { get; init; }

        public double[] Betas { get; init; } = [0, 1];

        public Hnn.Stages.Sampling.SamplingMethod Method { get; init; } = Hnn.Stages.Sampling.SamplingMethod.ASwim;

        /// <summary>The separable layer (Kepler's --kepler-separable), or null.</summary>
        public Hnn.Stages.Sampling.SeparableLayer? Separable { get; init; }

        /// <summary>The solve's rcond (Kepler's --kepler-rcond).</summary>
        public double Rcond { get; init; } = 1e-13;

        public string Layer => (Separable is { } s ? Inv($"separable layer, weight scales q {s.QScale}, p {s.PScale}") : Inv($"weight scale {WeightScale}"))
            + (Rcond == 1e-13 ? string.Empty : Inv($", rcond {Rcond}"));
    }

    private static void Run(ILinearAlgebra la, IReadOnlyList<string> systems, int seeds, ulong dataSeed, ulong modelSeed, Sizes kepler, Sizes fput, string? plotDir, TextWriter stdout)
    {
        var keplerWidth = kepler.Width;
        var fputWidth = fput.Width;
        if (systems.Contains("kepler"))
        {
            stdout.WriteLine(Inv($"Kepler 2-D, k = 1, e <= 0.5, {kepler.Trajectories} orbits x 20 steps of 0.05: midpoint rows, A-SWIM width {keplerWidth}, {kepler.Layer}; rollouts: implicit midpoint, dt 0.01, t <= 30, 4 held-out states"));
            stdout.WriteLine();
            stdout.WriteLine("| data seed | model seed | rank | test H uncorrected | test H corrected | L drift learned at t = 10 / max | max L drift true | abs(A) drift learned at t = 10 / max | max abs(A) drift true | max H drift learned | max state error at t = 30 |");
            stdout.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
            for (var i = 0; i < seeds; i++)
            {
                var r = LearnedSystemStudy.Kepler(la, new KeplerStudySettings(Trajectories: kepler.Trajectories, Width: keplerWidth, DataSeed: dataSeed + (ulong)i, ModelSeed: modelSeed + (ulong)i, WeightScale: kepler.WeightScale, StallTolerance: kepler.StallTolerance, Separable: kepler.Separable, Rcond: kepler.Rcond));
                if (r.Learned is null)
                {
                    stdout.WriteLine(Inv($"| {r.Settings.DataSeed} | {r.Settings.ModelSeed} | {r.Rank} | {E(r.TestH)} | {E(r.TestHCorrected)} | learned rollout failed: {r.LearnedRolloutFailure} | {E(r.True.WorstAngularMomentum)} | - | {E(r.True.WorstRungeLenz)} | - | - |"));
                    continue;
                }

                stdout.WriteLine(Inv($"| {r.Settings.DataSeed} | {r.Settings.ModelSeed} | {r.Rank} | {E(r.TestH)} | {E(r.TestHCorrected)} | {E(At(r.Learned.Times, r.Learned.MaxAngularMomentum, 10))} / {E(r.Learned.WorstAngularMomentum)} | {E(r.True.WorstAngularMomentum)} | {E(At(r.Learned.Times, r.Learned.MaxRungeLenz, 10))} / {E(r.Learned.WorstRungeLenz)} | {E(r.True.WorstRungeLenz)} | {E(r.EnergyDriftLearned.Max())} | {E(r.StateError[^1])} |"));
                if (i == 0 && plotDir is not null)
                {
                    var t = r.Learned.Times;
                    var series = new List<Report.Series>
                    {
                        new("L drift, learned H", t, Floor(r.Learned.MaxAngularMomentum)),
                        new("L drift, true H", t, Floor(r.True.MaxAngularMomentum), Dashed: true),
                        new("|A| drift, learned H", t, Floor(r.Learned.MaxRungeLenz)),
                        new("|A| drift, true H", t, Floor(r.True.MaxRungeLenz), Dashed: true),
                    };
                    var written = Report.Plots.Lines(Path.Combine(plotDir, "kepler-learned-invariant-drift.png"),
                        Inv($"Kepler learned from trajectories (width {keplerWidth}{(kepler.Separable is { } sl ? Inv($", separable q {sl.QScale} / p {sl.PScale}") : string.Empty)}): drift of L and |A|, implicit midpoint dt 0.01 (max over 4 orbits)"), "t", "drift (relative)", series, logY: true);
                    stdout.WriteLine($"plot: {written.Path}");
                }
            }

            stdout.WriteLine();
        }

        if (systems.Contains("fput"))
        {
            var notes = new List<string>();
            stdout.WriteLine(Inv($"FPUT n = 8, alpha = 0.25, periodic, {fput.Trajectories} trajectories x 20 steps of 0.1 from states in the span of modes 1-3 (modal coefficients in [-{fput.Amplitude}, {fput.Amplitude}]): midpoint rows, {Hnn.Stages.Sampling.SamplingMethods.ToName(fput.Method)} width {fputWidth} (beta = 1: {fput.QuarticWidth}), {fput.Layer}; rollouts from the lowest mode at rest, A = 0.3: implicit midpoint, dt 0.05, t <= 120")
                + (fput.Regularisation == "rcond" ? "" : $"; regularisation {fput.Regularisation}") + (fput.AcrossTrajectories ? "; SWIM pairs across trajectories" : ""));
            stdout.WriteLine();
            stdout.WriteLine("| beta | data seed | model seed | rank | test H uncorrected | test H corrected | mode-1 dip learned (t) | true (t) | return learned | return true | peak learned | peak true | beat period 2 pi / (2 w1 - w2) |");
            stdout.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var beta in fput.Betas)
            {
                for (var i = 0; i < seeds; i++)
                {
                    var r = LearnedSystemStudy.Fput(la, new FputStudySettings(beta, Trajectories: fput.Trajectories, Width: beta == 0 ? fputWidth : fput.QuarticWidth, DataSeed: dataSeed + (ulong)i, ModelSeed: modelSeed + (ulong)i, WeightScale: fput.WeightScale, StallTolerance: fput.StallTolerance, Amplitude: fput.Amplitude,
                        Regularisation: fput.Regularisation, PairsAcrossTrajectories: fput.AcrossTrajectories, Method: fput.Method, Separable: fput.Separable));
                    if (r.Sweep.Count > 0)
                    {
                        notes.Add(Inv($"beta {beta}, data seed {r.Settings.DataSeed}: reported solve {r.Solve}; test H (uncorrected / corrected) on the same layer: ")
                            + string.Join("; ", r.Sweep.Select(x => Inv($"{x.Regularisation} {E(x.TestH)} / {E(x.TestHCorrected)}"))));
                    }

                    if (r.Learned is null || r.LearnedRecurrence is null)
                    {
                        var tf = r.TrueRecurrence;
                        stdout.WriteLine(Inv($"| {beta} | {r.Settings.DataSeed} | {r.Settings.ModelSeed} | {r.Rank} | {E(r.TestH)} | {E(r.TestHCorrected)} | learned rollout failed: {r.LearnedRolloutFailure} | {tf.DipMinimum:F4} ({tf.DipTime:F2}) | - | {tf.ReturnTime:F2} | - | {tf.PeakTime:F2} | {r.BeatPeriod:F2} |"));
                        continue;
                    }

                    var (l, tr) = (r.LearnedRecurrence, r.TrueRecurrence);
                    stdout.WriteLine(Inv($"| {beta} | {r.Settings.DataSeed} | {r.Settings.ModelSeed} | {r.Rank} | {E(r.TestH)} | {E(r.TestHCorrected)} | {l.DipMinimum:F4} ({l.DipTime:F2}) | {tr.DipMinimum:F4} ({tr.DipTime:F2}) | {l.ReturnTime:F2} | {tr.ReturnTime:F2} | {l.PeakTime:F2} | {tr.PeakTime:F2} | {r.BeatPeriod:F2} |"));
                    if (i == 0 && plotDir is not null)
                    {
                        var t = r.Learned.Times;
                        var series = new List<Report.Series>();
                        foreach (var mode in new[] { 1, 2 })
                        {
                            series.Add(new Report.Series(Inv($"mode {mode}, learned H"), t, r.Learned.Fraction(0, mode)));
                            series.Add(new Report.Series(Inv($"mode {mode}, true H"), t, r.True.Fraction(0, mode), Dashed: true));
                        }

                        var written = Report.Plots.Lines(Path.Combine(plotDir, Inv($"fput-learned-mode-energies-beta{beta}.png")),
                            Inv($"FPUT n = 8, alpha 0.25, beta {beta} learned from trajectories: mode energy shares from the lowest mode, A = 0.3"), "t", "E_k / sum E", series);
                        stdout.WriteLine($"plot: {written.Path}");
                    }
                }
            }

            if (notes.Count > 0)
            {
                stdout.WriteLine();
                foreach (var note in notes)
                {
                    stdout.WriteLine($"- {note}");
                }
            }
        }
    }

    /// <summary>The parts of a --scale-sweep grid, each checked (one line naming the part, its value and what is allowed).</summary>
    private static (string[] Parts, string[] Methods, List<int> Widths, List<(double Scale, double[]? Layer)> Scales, int Points) ParseGrid(string grid)
    {
        var parts = grid.Split(';', StringSplitOptions.TrimEntries);
        string Bad(string part, string value, string allowed) => $"--scale-sweep '{Shown.Cut(grid)}': {part} '{Shown.Cut(value)}' is not allowed; allowed: {allowed}";
        if (parts.Length is < 5 or > 6 || (parts.Length == 6 && parts[5] != "both"))
        {
            throw new ArgumentException($"--scale-sweep '{Shown.Cut(grid)}': is not 'SYSTEM;METHODS;WIDTHS;SCALES;POINTS[;both]', e.g. 'kepler;a-swim;400;0.1,1;2000'");
        }

        var sys = parts[0].Split(':');
        if (!(parts[0] == "kepler" || (sys.Length == 3 && sys[0] == "fput" && sys.Skip(1).All(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x)))))
        {
            throw new ArgumentException(Bad("SYSTEM", parts[0], "kepler or fput:ALPHA:BETA (numbers), e.g. fput:0.25:0"));
        }

        static string[] List(string v) => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string[] methods = ["elm", "u-swim", "a-swim"];
        var chosen = List(parts[1]);
        if (chosen.Length == 0 || chosen.FirstOrDefault(m => !methods.Contains(m)) is { } badMethod)
        {
            throw new ArgumentException(Bad("METHODS", chosen.Length == 0 ? parts[1] : chosen.First(m => !methods.Contains(m)), "comma-separated elm, u-swim, a-swim"));
        }

        var widths = new List<int>();
        foreach (var w in List(parts[2]))
        {
            widths.Add(int.TryParse(w, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= 1 ? v : throw new ArgumentException(Bad("WIDTHS", w, "comma-separated integers >= 1")));
        }

        // A scale 'Q/P' is the separable layer with q scale Q and p scale P.
        var scales = new List<(double Scale, double[]? Layer)>();
        string allowedScales = Inv($"comma-separated numbers in (0, {Hnn.Stages.Sampling.WeightScale.Max}], or Q/P (the separable layer's q and p scales)");
        static bool Scale(string t, out double v) => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && Hnn.Stages.Sampling.WeightScale.IsValid(v);
        foreach (var t in List(parts[3]))
        {
            scales.Add(t.Split('/') is [var q, var pp]
                ? Scale(q, out var sq) && Scale(pp, out var sp) ? (1.0, [sq, sp]) : throw new ArgumentException(Bad("SCALES", t, allowedScales))
                : Scale(t, out var v) ? (v, null) : throw new ArgumentException(Bad("SCALES", t, allowedScales)));
        }

        if (widths.Count == 0 || scales.Count == 0)
        {
            throw new ArgumentException(Bad(widths.Count == 0 ? "WIDTHS" : "SCALES", widths.Count == 0 ? parts[2] : parts[3], "at least one value"));
        }

        var points = int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p >= 2 ? p : throw new ArgumentException(Bad("POINTS", parts[4], "an integer >= 2"));
        Repeats.CheckOption("--scale-sweep", grid, chosen, m => m, "method");
        Repeats.CheckOption("--scale-sweep", grid, widths, w => w.ToString(CultureInfo.InvariantCulture), "width");
        // A Q/P pair holds an array, so compare the scales by their shown form (each number in its round-trip form).
        Repeats.CheckOption("--scale-sweep", grid, [.. scales.Select(v => v.Layer is { } l ? Inv($"{l[0]:R}/{l[1]:R}") : v.Scale.ToString("R", CultureInfo.InvariantCulture))], v => v, "scale");
        return (parts, chosen, widths, scales, points);
    }

    private static void Sweep(ILinearAlgebra la, string grid, ulong dataSeed, ulong modelSeed, TextWriter stdout)
    {
        var (parts, chosen, widths, scales, points) = ParseGrid(grid);
        var both = parts.Length == 6;
        if (both && scales.Any(v => v.Layer is not null))
        {
            throw new ArgumentException("--scale-sweep: 'both' (the bias ablation) cannot be combined with a separable scale Q/P");
        }

        stdout.WriteLine(Inv($"Exact derivatives at {points} states of {parts[0]} (data seed {dataSeed}, model seed {modelSeed}), rcond 1e-13, 2000 test states; biases {(both ? "scaled with the weights (ablation)" : "as the sampler sets them")}"));
        stdout.WriteLine();
        stdout.WriteLine("| system | method | width | weight scale (Q/P: separable) | rank | test H | train H |");
        stdout.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var method in chosen)
        {
            foreach (var w in widths)
            {
                foreach (var (scale, layer) in scales)
                {
                    var separable = layer is { } l ? new Hnn.Stages.Sampling.SeparableLayer(l[0], l[1]) : null;
                    var r = WeightScaleSweep.Run(la, parts[0], points, method, w, scale, both, dataSeed, modelSeed, separable);
                    var shown = separable is { } s ? Inv($"{s.QScale}/{s.PScale}") : Inv($"{r.Scale}");
                    stdout.WriteLine(Inv($"| {r.System} | {r.Method} | {r.Width} | {shown} | {r.Rank} | {E(r.TestH)} | {E(r.TrainH)} |"));
                }
            }
        }
    }

    /// <summary>The largest value of <paramref name="v"/> over the saved times up to <paramref name="t"/>.</summary>
    private static double At(double[] times, double[] v, double t) => v.Where((_, k) => times[k] <= t + 1e-9).Max();

    private static double[] Floor(double[] v) => [.. v.Select(x => Math.Max(x, 1e-17))];

    private static string E(double v) => v.ToString("0.00e+00", CultureInfo.InvariantCulture);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
