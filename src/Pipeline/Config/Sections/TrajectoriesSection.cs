using System.Globalization;
using Hnn.Datasets;
using Hnn.Pipeline.Data;
using Hnn.Stages.Rollout;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Config;

/// <summary>
/// Learning from trajectories (issue 13; docs/ALGORITHM.md §6): <c>data.trajectories</c> (generated, or the split and
/// column mapping of a trajectory <c>data.file</c>), <c>model.target</c> and <c>model.regularisation</c>. Present only
/// when the pipeline has a <c>data.trajectories</c> section; then the run takes the trajectory path (planning:
/// <c>TrajectoryPlan</c>).
/// </summary>
/// <param name="Generated">count, dt, steps and noise of generated trajectories (their seed is the data seed); null for a file.</param>
/// <param name="File">The trajectory file (data.file), or null when generated.</param>
/// <param name="Columns">Canonical name (traj, t, q1.., p1..) -> the file's column (data.trajectories.columns).</param>
/// <param name="Validation">Trajectories held out for the automatic regularisation's validation error.</param>
/// <param name="Test">Trajectories held out for the rollout error (and the error bars along them).</param>
/// <param name="Target">finite-difference or midpoint.</param>
/// <param name="Regularisation">The output layer's regularisation.</param>
/// <param name="TestPoints">Uniform test points of the H error (data.test), when the system is known.</param>
/// <param name="FileTrajectories">Trajectories in the file (read when the pipeline was validated).</param>
public sealed record TrajectorySpec(
    TrajectorySettings? Generated,
    string? File,
    IReadOnlyDictionary<string, string> Columns,
    int Validation,
    int Test,
    TargetFormulation Target,
    RegularisationSpec Regularisation,
    int TestPoints,
    int FileTrajectories)
{
    /// <summary>Trajectories in all (generated count, or the file's).</summary>
    public int Count => Generated?.Count ?? FileTrajectories;

    /// <summary>
    /// model.error_bars: how the Bayesian band's scale is set — <c>residual</c> (the training residual's noise estimate;
    /// the default) or <c>trajectories</c> (one scale fitted on the validation trajectories, along which the true H is
    /// constant: <see cref="Hnn.Stages.Training.TrajectoryBandCalibration"/>).
    /// </summary>
    public string ErrorBars { get; init; } = TrajectoriesSection.ResidualBars;

    /// <summary>
    /// model.rollout_integrator: how the held-out test trajectories are rolled out on the learned H — <c>scheme</c> (the
    /// default: the target's own one-step rule at the observation steps, <see cref="ObservationRule"/>) or <c>dop853</c>
    /// (adaptive DOP853 on the learned function, the behaviour before trajectory-rollout v3).
    /// </summary>
    public string RolloutIntegrator { get; init; } = TrajectoriesSection.SchemeRollout;

    /// <summary>The one-step rule of the rows (model.target), or null when the rollout is DOP853.</summary>
    public ObservationRule? RolloutRule => RolloutIntegrator != TrajectoriesSection.SchemeRollout ? null
        : Target == TargetFormulation.FiniteDifference ? ObservationRule.SymplecticEulerQ : ObservationRule.ImplicitMidpoint;
}

/// <summary>
/// <c>model.regularisation</c>: a fixed truncation (<c>rcond</c>, model.rcond's value; the default), a fixed ridge
/// lambda (relative to the largest singular value, like rcond), or <c>auto</c>: the value of <see cref="AutoKind"/>
/// chosen by <see cref="Criterion"/> (the error on validation trajectories, or generalised cross-validation).
/// </summary>
public sealed record RegularisationSpec(string Mode, double Value, RegularisationKind AutoKind, AutoCriterion Criterion)
{
    public const string RcondMode = "rcond";
    public const string RidgeMode = "ridge";
    public const string AutoMode = "auto";

    public static IReadOnlyList<string> Modes { get; } = [RcondMode, RidgeMode, AutoMode];

    public static IReadOnlyList<string> Criteria { get; } = ["validation", "gcv", "validation-domain"];

    public bool IsAuto => Mode == AutoMode;

    /// <summary>The key parameters of the regularised fit (what its output depends on).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters => Mode switch
    {
        AutoMode => [new("regularisation", AutoMode), new("auto.kind", KindName(AutoKind)), new("auto.criterion", CriterionName(Criterion))],
        _ => [new("regularisation", Mode), new("value", Value.ToString("R", CultureInfo.InvariantCulture))],
    };

    public static string KindName(RegularisationKind kind) => kind == RegularisationKind.Rcond ? RcondMode : RidgeMode;

    public static string CriterionName(AutoCriterion criterion) => criterion switch
    {
        AutoCriterion.Validation => "validation",
        AutoCriterion.ValidationInDomain => "validation-domain",
        _ => "gcv",
    };

    public override string ToString() => IsAuto ? $"auto ({KindName(AutoKind)}, {CriterionName(Criterion)})" : $"{Mode} {Value.ToString("R", CultureInfo.InvariantCulture)}";
}

/// <summary>The binder of <see cref="TrajectorySpec"/> (data.trajectories, model.target, model.regularisation).</summary>
internal static class TrajectoriesSection
{
    public const string ResidualBars = "residual";

    public const string TrajectoryBars = "trajectories";

    public static readonly string[] ErrorBarModes = [ResidualBars, TrajectoryBars];

    public const string SchemeRollout = "scheme";

    public const string Dop853Rollout = "dop853";

    public static readonly string[] RolloutIntegrators = [SchemeRollout, Dop853Rollout];

    public static readonly string[] Keys = ["count", "dt", "steps", "t_end", "noise", "seed", "validation", "test", "columns"];

    public static readonly string[] NoiseKeys = ["sigma", "kind"];

    public static readonly string[] NoiseKinds = ["absolute", "relative"];

    /// <summary>Uniform test points of the H error when data.test is not given.</summary>
    public const int DefaultTestPoints = 1000;

    /// <summary>Most generated trajectories x steps (rows of the fit).</summary>
    public const long MaxRows = 50_000_000;

    public static bool Present(MapNode root) => (root["data"] as MapNode)?["trajectories"] is not null;

    /// <summary>
    /// The trajectory file (data.file with data.trajectories): read whole, so that a bad file is a validation error
    /// naming file, line and column; returns its trajectory count and d (0, 0 when it cannot be read).
    /// </summary>
    public static (int Count, int Dof) ReadFile(SpecReader r, string path, IReadOnlyDictionary<string, string> columns, int? systemDof)
    {
        try
        {
            var set = DataFile.ReadTrajectories(path, columns, systemDof);
            return (set.Count, set.Dof);
        }
        catch (InputException e)
        {
            r.Problem("data.file", e.Message);
            return (0, 0);
        }
    }

    /// <summary>data.trajectories.columns (canonical name -> file column), read before the file.</summary>
    public static Dictionary<string, string> Columns(SpecReader r, MapNode root)
    {
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        var map = r.Map(Section(root), "columns", "data.trajectories.columns", required: false);
        foreach (var (key, value) in map?.Entries ?? [])
        {
            if (value is ScalarNode { Value: { Length: > 0 } v })
            {
                columns[key] = v;
            }
            else
            {
                r.Problem(value, $"data.trajectories.columns.{Shown.Cut(key)}", "must be a column name of the file");
            }
        }

        return columns;
    }

    /// <summary>The section itself; <paramref name="file"/>: data.file (then the generation keys are not allowed).</summary>
    public static TrajectorySpec? Read(SpecReader r, MapNode root, string? file, IReadOnlyDictionary<string, string> columns, int fileTrajectories, bool systemKnown)
    {
        if (!Present(root))
        {
            return null;
        }

        var map = r.Map(root["data"] as MapNode, "trajectories", "data.trajectories", required: false);
        r.CheckKeys(map, "data.trajectories", Keys);
        TrajectorySettings? generated = null;
        int count;
        if (file is not null)
        {
            foreach (var k in new[] { "count", "dt", "steps", "t_end", "noise" })
            {
                if (map?[k] is not null)
                {
                    r.Problem($"data.trajectories.{k}", "is not allowed with data.file: the trajectories come from the file; remove it or data.file");
                }
            }

            count = fileTrajectories;
        }
        else
        {
            if (map?["columns"] is not null)
            {
                r.Problem("data.trajectories.columns", "is only allowed with data.file (it maps the file's column names)");
            }

            generated = Generated(r, map);
            count = generated?.Count ?? 0;
        }

        var regularisation = Regularisation(r, root);
        var test = (int)(r.Integer(map?["test"], "data.trajectories.test", 1, int.MaxValue) ?? Math.Max(1, (int)Math.Round(0.2 * count)));
        var needsValidation = regularisation.IsAuto && regularisation.Criterion != AutoCriterion.Gcv;
        var validation = (int)(r.Integer(map?["validation"], "data.trajectories.validation", 0, int.MaxValue) ?? (needsValidation ? Math.Max(1, (int)Math.Round(0.2 * count)) : 0));
        if (needsValidation && validation == 0)
        {
            r.Problem("data.trajectories.validation", $"0 is not allowed with model.regularisation auto by {(regularisation.Criterion == AutoCriterion.ValidationInDomain ? "validation-domain" : "validation")}: at least one validation trajectory is needed (or use criterion: gcv)");
        }

        if (count > 0 && (long)validation + test >= count)
        {
            r.Problem(map?["test"] ?? map?["validation"] ?? map, "data.trajectories",
                $"{count} trajectories cannot give {validation} validation and {test} test trajectories: at least one must remain to train on");
        }

        var data = root["data"] as MapNode;
        if (data?["train"] is not null)
        {
            r.Problem("data.train", "is not allowed with data.trajectories: the training rows are the steps of the training trajectories");
        }

        var testPoints = (int)(r.Integer(data?["test"], "data.test", 1, int.MaxValue / 4) ?? DefaultTestPoints);
        if (data?["test"] is not null && !systemKnown)
        {
            r.Problem("data.test", "is not allowed without a system: the uniform test points of the H error need the true H (the held-out test trajectories are data.trajectories.test)");
        }

        var bars = ErrorBars(r, root);
        if (bars == TrajectoryBars && validation == 0)
        {
            r.Problem("model.error_bars", "trajectories needs validation trajectories: set data.trajectories.validation to at least 1 (or use residual)");
        }

        return new TrajectorySpec(generated, file, columns, validation, test, Target(r, root), regularisation, testPoints, fileTrajectories)
        {
            ErrorBars = bars,
            RolloutIntegrator = RolloutIntegrator(r, root),
        };
    }

    /// <summary>model.rollout_integrator: scheme (default) or dop853; only with data.trajectories.</summary>
    public static string RolloutIntegrator(SpecReader r, MapNode root)
    {
        var model = root["model"] as MapNode;
        if (model?["rollout_integrator"] is null)
        {
            return SchemeRollout;
        }

        if (!Present(root))
        {
            r.Problem("model.rollout_integrator", "is only allowed with data.trajectories (it sets how the held-out test trajectories are rolled out; the rollout section has rollout.integrators)");
            return SchemeRollout;
        }

        return r.String(model, "rollout_integrator", "model.rollout_integrator", SchemeRollout, RolloutIntegrators) ?? SchemeRollout;
    }

    /// <summary>model.error_bars: residual (default) or trajectories; only with data.trajectories.</summary>
    public static string ErrorBars(SpecReader r, MapNode root)
    {
        var model = root["model"] as MapNode;
        if (model?["error_bars"] is null)
        {
            return ResidualBars;
        }

        if (!Present(root))
        {
            r.Problem("model.error_bars", "is only allowed with data.trajectories (the error bars are those of the trajectory path)");
            return ResidualBars;
        }

        return r.String(model, "error_bars", "model.error_bars", ResidualBars, ErrorBarModes) ?? ResidualBars;
    }

    /// <summary>The data seed given as data.trajectories.seed (an alternative to data.seed), or null.</summary>
    public static ulong? Seed(SpecReader r, MapNode root)
    {
        if (Section(root)?["seed"] is not { } node)
        {
            return null;
        }

        var data = (MapNode)root["data"]!;
        if (data["seed"] is not null || data["seeds"] is not null)
        {
            r.Problem("data.trajectories.seed", "give either data.trajectories.seed or data.seed / data.seeds, not both (the data seed seeds the trajectories, their noise and split)");
            return null;
        }

        var v = r.Integer(node, "data.trajectories.seed", 0, long.MaxValue);
        return v is null ? null : (ulong)v.Value;
    }

    /// <summary>
    /// model.target: derivatives (the default without data.trajectories), finite-difference or midpoint (the default
    /// with them); a trajectory target needs trajectories and trajectories need one.
    /// </summary>
    public static TargetFormulation Target(SpecReader r, MapNode root)
    {
        var model = root["model"] as MapNode;
        var name = r.String(model, "target", "model.target", null, TargetFormulations.Names);
        var trajectories = Present(root);
        if (name is null || !TargetFormulations.TryParse(name, out var target))
        {
            return trajectories ? TargetFormulation.Midpoint : TargetFormulation.Derivatives;
        }

        if (trajectories && target == TargetFormulation.Derivatives)
        {
            r.Problem("model.target", "derivatives is not allowed with data.trajectories: trajectories carry no x'; use finite-difference or midpoint");
        }
        else if (!trajectories && target != TargetFormulation.Derivatives)
        {
            r.Problem("model.target", $"{name} needs data.trajectories (observed states over time); with derivative data use derivatives");
        }

        return target;
    }

    /// <summary>model.regularisation: rcond (default, model.rcond), {ridge: {lambda}} or {auto: {kind, criterion}}; only with data.trajectories.</summary>
    public static RegularisationSpec Regularisation(SpecReader r, MapNode root)
    {
        var model = root["model"] as MapNode;
        // model.rcond itself is checked (and any problem reported) by ModelSection.
        var rcond = model?["rcond"] is ScalarNode rs && rs.TryDouble(out var rv) && double.IsFinite(rv) ? rv : ModelSection.DefaultRcond;
        var fallback = new RegularisationSpec(RegularisationSpec.RcondMode, rcond, RegularisationKind.Rcond, AutoCriterion.Validation);
        var node = model?["regularisation"];
        if (node is null)
        {
            return fallback;
        }

        if (!Present(root))
        {
            r.Problem("model.regularisation", "is only allowed with data.trajectories (the derivative path keeps model.rcond)");
            return fallback;
        }

        string mode;
        MapNode? inner = null;
        if (node is ScalarNode { Value: not null } s)
        {
            mode = s.Value.Trim();
        }
        else if (node is MapNode m && m.Entries.Count == 1)
        {
            mode = m.Entries[0].Key;
            inner = m.Entries[0].Value as MapNode;
            if (inner is null && m.Entries[0].Value is not null && m.Entries[0].Value is not ScalarNode { Value: null or "" })
            {
                var value = SpecReader.Describe(m.Entries[0].Value!);
                r.Problem($"model.regularisation.{Shown.Cut(mode)}", mode switch
                {
                    RegularisationSpec.RcondMode => $"{value} is not allowed: rcond takes no value here (its value is model.rcond); write regularisation: rcond and set model.rcond",
                    RegularisationSpec.RidgeMode => $"{value} is not allowed: must be a mapping, e.g. ridge: {{lambda: 1e-8}}",
                    _ => $"{value} is not allowed: must be a mapping (e.g. ridge: {{lambda: 1e-8}} or auto: {{kind: ridge, criterion: gcv}})",
                });
            }
        }
        else
        {
            r.Problem("model.regularisation", "must be rcond, auto, {ridge: {lambda: L}} or {auto: {kind: rcond|ridge, criterion: validation|validation-domain|gcv}}");
            return fallback;
        }

        switch (mode)
        {
            case RegularisationSpec.RcondMode:
                r.CheckKeys(inner, "model.regularisation.rcond", []);
                return fallback;
            case RegularisationSpec.RidgeMode:
                r.CheckKeys(inner, "model.regularisation.ridge", ["lambda"]);
                var lambda = r.Double(inner?["lambda"], "model.regularisation.ridge.lambda");
                if (lambda is null)
                {
                    if (inner?["lambda"] is null)
                    {
                        r.Problem("model.regularisation.ridge.lambda", "is required (lambda relative to the largest singular value, >= 0, e.g. 1e-8)");
                    }

                    return fallback;
                }

                if (lambda < 0)
                {
                    r.Problem("model.regularisation.ridge.lambda", $"{SpecReader.Format(lambda.Value)} is not allowed: must be >= 0");
                    return fallback;
                }

                return new RegularisationSpec(RegularisationSpec.RidgeMode, lambda.Value, RegularisationKind.Ridge, AutoCriterion.Validation);
            case RegularisationSpec.AutoMode:
                r.CheckKeys(inner, "model.regularisation.auto", ["kind", "criterion"]);
                var kind = r.String(inner, "kind", "model.regularisation.auto.kind", RegularisationSpec.RidgeMode, [RegularisationSpec.RcondMode, RegularisationSpec.RidgeMode]);
                var criterion = r.String(inner, "criterion", "model.regularisation.auto.criterion", "validation", RegularisationSpec.Criteria);
                return new RegularisationSpec(RegularisationSpec.AutoMode, 0,
                    kind == RegularisationSpec.RcondMode ? RegularisationKind.Rcond : RegularisationKind.Ridge,
                    criterion switch { "gcv" => AutoCriterion.Gcv, "validation-domain" => AutoCriterion.ValidationInDomain, _ => AutoCriterion.Validation });
            default:
                r.Problem("model.regularisation", $"'{Shown.Cut(mode)}' is not allowed; allowed: {string.Join(", ", RegularisationSpec.Modes)}");
                return fallback;
        }
    }

    private static MapNode? Section(MapNode root) => (root["data"] as MapNode)?["trajectories"] as MapNode;

    private static TrajectorySettings? Generated(SpecReader r, MapNode? map)
    {
        if (map is null)
        {
            return null;
        }

        var count = (int?)r.Integer(map["count"], "data.trajectories.count", 2, 10_000_000);
        if (map["count"] is null)
        {
            r.Problem("data.trajectories.count", "is required (number of generated trajectories, at least 2: one to train on, one to test)");
        }

        var dt = r.Double(map["dt"], "data.trajectories.dt");
        if (map["dt"] is null)
        {
            r.Problem("data.trajectories.dt", "is required (the observation step, > 0)");
        }
        else if (dt is not null && !(dt > 0 && dt <= SpecLimits.MaxDt))
        {
            r.Problem("data.trajectories.dt", $"{SpecReader.Format(dt.Value)} is not allowed: must be in (0, 1000]");
            dt = null;
        }

        int? steps = (int?)r.Integer(map["steps"], "data.trajectories.steps", 1, 10_000_000);
        if (map["t_end"] is { } tEndNode)
        {
            if (map["steps"] is not null)
            {
                r.Problem("data.trajectories.t_end", "give either data.trajectories.steps or data.trajectories.t_end, not both");
            }

            var tEnd = r.Double(tEndNode, "data.trajectories.t_end");
            if (tEnd is not null && dt is not null)
            {
                try
                {
                    steps = TrajectorySettings.StepsFor(tEnd.Value, dt.Value);
                }
                catch (ArgumentException e)
                {
                    r.Problem("data.trajectories.t_end", $"{SpecReader.Format(tEnd.Value)} is not allowed: {e.Message}");
                }
            }
        }
        else if (map["steps"] is null)
        {
            r.Problem("data.trajectories.steps", "is required (observations per trajectory minus one; or give t_end)");
        }

        double sigma = 0;
        var kind = NoiseKind.Absolute;
        var noise = r.Map(map, "noise", "data.trajectories.noise", required: false);
        if (noise is not null)
        {
            r.CheckKeys(noise, "data.trajectories.noise", NoiseKeys);
            sigma = r.Double(noise["sigma"], "data.trajectories.noise.sigma") ?? 0;
            if (noise["sigma"] is null)
            {
                r.Problem("data.trajectories.noise.sigma", "is required (standard deviation of the observation noise, >= 0)");
            }
            else if (sigma < 0)
            {
                r.Problem("data.trajectories.noise.sigma", $"{SpecReader.Format(sigma)} is not allowed: must be >= 0");
                sigma = 0;
            }

            kind = r.String(noise, "kind", "data.trajectories.noise.kind", "absolute", NoiseKinds) == "relative" ? NoiseKind.Relative : NoiseKind.Absolute;
        }

        if (count is null || dt is null || steps is null)
        {
            return null;
        }

        if ((long)count.Value * steps.Value > MaxRows)
        {
            r.Problem("data.trajectories", $"count x steps = {(long)count.Value * steps.Value} is not allowed: at most {MaxRows} steps in all");
            return null;
        }

        return new TrajectorySettings(count.Value, dt.Value, steps.Value, sigma, kind);
    }
}

/// <summary>The rules that join data.trajectories with the other sections (what the trajectory path supports).</summary>
internal static class TrajectoryRules
{
    /// <summary>The sampled methods the trajectory path runs: those whose draw needs no true H (swim needs it at the rows; adam and hig train on derivatives).</summary>
    public static IReadOnlyList<Planning.SampledMethod> Methods => [.. Planning.Method.All.OfType<Planning.SampledMethod>().Where(m => !m.NeedsEnergy)];

    /// <summary>A trajectory data.file (read whole at validation) and the column mapping; nothing without data.trajectories.</summary>
    public static ((int Count, int Dof) File, IReadOnlyDictionary<string, string> Columns) ReadFile(SpecReader r, MapNode root, string? dataFile, HamiltonianSystem? system)
    {
        if (!TrajectoriesSection.Present(root))
        {
            return ((0, 0), new Dictionary<string, string>());
        }

        if (dataFile is null)
        {
            return ((0, 0), new Dictionary<string, string>());
        }

        var columns = TrajectoriesSection.Columns(r, root);
        return (TrajectoriesSection.ReadFile(r, dataFile, columns, system?.Dof), columns);
    }

    /// <summary>data.trajectories.seed, when given, is the (one) data seed.</summary>
    public static DataSpec WithSeed(SpecReader r, MapNode root, DataSpec data) =>
        TrajectoriesSection.Present(root) && TrajectoriesSection.Seed(r, root) is { } seed ? data with { Seeds = [seed] } : data;

    public static void Check(SpecReader r, MapNode root, TrajectorySpec? trajectories, ModelSpec model, bool gradientTrained, DataSpec data, SolverSpec solver)
    {
        if (trajectories is null)
        {
            // model.target and model.regularisation report their own problems without data.trajectories.
            TrajectoriesSection.Target(r, root);
            TrajectoriesSection.Regularisation(r, root);
            TrajectoriesSection.ErrorBars(r, root);
            TrajectoriesSection.RolloutIntegrator(r, root);
            return;
        }

        foreach (var m in model.Methods.Where(m => !Methods.Contains(m)))
        {
            r.Problem("model.methods", $"{m.Name} is not allowed with data.trajectories; allowed: {string.Join(", ", Methods.Select(x => x.Name))} (swim needs the true H at the rows; a-swim does not)");
        }

        if (gradientTrained)
        {
            r.Problem("model.methods", "adam and hig are not allowed with data.trajectories (they train on derivative rows); use elm, u-swim or a-swim");
        }

        if (root["rollout"] is not null)
        {
            r.Problem("rollout", "is not allowed with data.trajectories: the learned H is rolled out along the held-out test trajectories (data.trajectories.test)");
        }

        if (!model.ASwimFirst.IsFull)
        {
            r.Problem("model.a_swim_first", "is not allowed with data.trajectories (A-SWIM runs as published there)");
        }

        if (model.Methods.Any(m => m.NeedsBiasRange) && model.ElmBias is null && root["domain"] is null)
        {
            r.Problem("model.methods", "elm with a trajectory file and no domain needs model.elm_bias (the bias range)");
        }

        if (data.Streamed)
        {
            r.Problem("data.stream_rows", "is not allowed with data.trajectories (the trajectory path holds its rows in memory)");
        }

        if (solver.Mode == SolveMode.Full)
        {
            r.Problem("solver.mode", "full is not allowed with data.trajectories: the regularised fit works on the structured solve's reduced triangle; use structured");
        }
    }
}
