using Hnn.Datasets;
using Hnn.Pipeline.Data;
using Hnn.Stages.Baseline;
using Hnn.Stages.Rollout;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Config;

/// <summary>
/// Loads a pipeline file (with its includes and --set overrides), validates it as a whole and returns the spec.
/// Every problem is reported at once, each naming the file, the key path, the value and what is allowed.
/// </summary>
public static partial class PipelineLoader
{
    public const string DefaultStore = ".hnn";

    private static readonly string[] TopKeys = ["name", "description", "include", "system", "domain", "data", "anchor", "model", "adam", "rollout", "solver", "run", "sweep"];
    private static readonly string[] SystemKeys = ["name", "params"];
    private static readonly string[] DomainKeys = ["q", "p"];
    private static readonly string[] DataKeys = ["file", "train", "test", "seed", "seeds", "stream_rows"];
    private static readonly string[] AnchorKeys = ["x0", "h0"];
    private static readonly string[] ModelKeys = ["methods", "widths", "seeds", "seed", "rcond", "elm_bias", "a_swim_first", "swim_candidates"];
    private static readonly string[] ASwimFirstKeys = ["train_fraction", "width_fraction"];
    private static readonly string[] AdamKeys = ["learning_rate", "batch_size", "weight_decay", "steps", "init", "init_file"];
    private static readonly string[] AdamInits = ["torch-default", "xavier"];
    private static readonly string[] RolloutKeys = ["initial", "count", "seed", "dt", "steps", "t_end", "integrators", "reference_tol"];

    /// <summary>Integrators a rollout may use (see Hnn.Stages.Rollout).</summary>
    public static IReadOnlyList<string> IntegratorNames => Integrators.Names;

    /// <summary>The method name of the gradient-trained baseline in model.methods.</summary>
    public const string AdamMethod = "adam";

    /// <summary>Everything model.methods accepts.</summary>
    public static IReadOnlyList<string> MethodNames { get; } = [.. SamplingMethods.Names, AdamMethod];
    private static readonly string[] SolverKeys = ["backend", "mode", "chunk_rows", "lanes", "truncation"];

    /// <summary>Default QR lanes: two, whatever the machine (keys and results do not depend on the core count).</summary>
    public const int DefaultLanes = 2;
    private static readonly string[] RunKeys = ["store", "parallelism"];
    private static readonly string[] Backends = ["auto", "lapack", "managed"];
    private static readonly string[] Modes = ["structured", "full"];

    /// <summary>Most files (the pipeline and everything it includes, directly or not) one pipeline may read.</summary>
    public const int MaxIncludedFiles = 32;

    /// <summary>
    /// Loads and validates one pipeline. A pipeline with a <c>sweep:</c> section is several: use <see cref="LoadSweep"/>
    /// (this refuses it with a message saying so).
    /// </summary>
    public static PipelineSpec Load(string path, IReadOnlyList<string>? overrides = null)
    {
        var variants = LoadSweep(path, overrides);
        if (variants.Count != 1 || variants[0].Settings.Count > 0)
        {
            throw new InputException($"{path}: sweep: this command takes one pipeline, and the sweep makes {variants.Count}; run it with 'hnn run' (or check it with 'hnn validate'), or fix a value with --set");
        }

        return variants[0].Spec;
    }

    /// <summary>The merged tree of the pipeline and its includes, with the command line's --set values applied.</summary>
    private static ConfigNode LoadTree(string path, IReadOnlyList<string>? overrides)
    {
        var root = LoadWithIncludes(path, [], new HashSet<string>(StringComparer.Ordinal));
        foreach (var o in overrides ?? [])
        {
            var eq = o.IndexOf('=');
            if (eq <= 0)
            {
                throw new InputException($"--set '{o}': expected key.path=value, e.g. --set model.widths=[500,1000]");
            }

            var key = o[..eq].Trim();
            if (key == "include" || key.StartsWith("include.", StringComparison.Ordinal))
            {
                throw new InputException($"--set {Shown.Cut(key)}: include cannot be set from the command line (includes are merged when the file is read); add it to the pipeline file's include: list");
            }

            var value = ConfigNode.Parse(o[(eq + 1)..], $"--set {Shown.Cut(o[..eq])}");
            root = ConfigNode.SetPath(root, key, value);
        }

        return root;
    }

    private static ConfigNode LoadWithIncludes(string path, HashSet<string> seen, HashSet<string> read)
    {
        var full = Path.GetFullPath(path);
        if (!seen.Add(full))
        {
            throw new InputException($"{path}: include cycle");
        }

        read.Add(full);
        if (read.Count > MaxIncludedFiles)
        {
            throw new InputException($"{path}: include: more than {MaxIncludedFiles} files in all (the pipeline and its includes); at most {MaxIncludedFiles} are allowed");
        }

        var node = ConfigNode.Load(path);
        if (node is not MapNode map)
        {
            throw new InputException($"{path}: the top level must be a mapping (key: value lines)");
        }

        ConfigNode merged = new MapNode(map.Source, []);
        var includes = map["include"];
        var list = includes switch
        {
            null => [],
            ListNode l => l.Items,
            _ => [includes],
        };
        foreach (var inc in list)
        {
            if (inc is not ScalarNode { Value: not null } s)
            {
                throw new InputException($"{path}: include: entries must be file paths");
            }

            var incPath = Path.Combine(Path.GetDirectoryName(full)!, s.Value);
            if (!File.Exists(incPath) && !Directory.Exists(incPath))
            {
                throw new InputException($"{path}: include: '{Shown.Cut(s.Value, 200)}' not found (resolved to {Shown.Cut(incPath, 300)})");
            }

            try
            {
                InputFile.CheckRegular(incPath, "include file", InputFile.MaxConfigBytes);
            }
            catch (InputException e)
            {
                throw new InputException($"{path}: include: {e.Message}");
            }

            ConfigNode included;
            try
            {
                included = LoadWithIncludes(incPath, seen, read);
            }
            catch (InputException e) when (!e.Message.StartsWith($"{path}: ", StringComparison.Ordinal))
            {
                // Name the including file too: a problem deep in an include is reached from this file.
                throw new InputException($"{path}: include: {e.Message}");
            }

            merged = ConfigNode.Merge(merged, included);
        }

        seen.Remove(full);
        var own = new MapNode(map.Source, map.Entries.Where(e => e.Key != "include").ToList());
        return ConfigNode.Merge(merged, own);
    }

    /// <summary>Binds and validates a whole tree.</summary>
    public static PipelineSpec Bind(ConfigNode rootNode, string file)
    {
        var r = new SpecReader(file);
        var root = rootNode as MapNode;
        if (root is null)
        {
            throw new InputException($"{file}: the top level must be a mapping (key: value lines)");
        }

        r.CheckKeys(root, string.Empty, TopKeys);
        var name = r.String(root, "name", "name", Path.GetFileNameWithoutExtension(file))!;
        SpecLimits.Name(r, name, root["name"] is null);
        var description = r.String(root, "description", "description", string.Empty)!;

        // data file (read first: it decides whether system and domain are required)
        string? dataFile = null;
        DataFile.Layout? layout = null;
        if ((root["data"] as MapNode)?["file"] is { } fileNode)
        {
            if (fileNode is ScalarNode { Value: { Length: > 0 } fv })
            {
                dataFile = Path.IsPathRooted(fv) ? fv : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, fv));
                try
                {
                    layout = DataFile.ReadLayout(dataFile);
                }
                catch (InputException e)
                {
                    r.Problem("data.file", e.Message);
                }
            }
            else
            {
                r.Problem("data.file", "must be a path to a .csv or .parquet file");
            }
        }

        // system
        var sysMap = r.Map(root, "system", "system", required: dataFile is null);
        r.CheckKeys(sysMap, "system", SystemKeys);
        var sysName = r.String(sysMap, "name", "system.name", null);
        if (sysMap is not null && sysName is null && sysMap["name"] is null)
        {
            r.Problem("system.name", "is required; one of " + string.Join(", ", SystemRegistry.Names));
        }

        var parameters = new Dictionary<string, double>();
        var paramMap = r.Map(sysMap, "params", "system.params", required: false);
        foreach (var (k, v) in paramMap?.Entries ?? [])
        {
            var d = r.Double(v, $"system.params.{k}");
            if (d is not null)
            {
                parameters[k] = d.Value;
            }
        }

        HamiltonianSystem? system = null;
        if (sysName is not null)
        {
            try
            {
                system = SystemRegistry.Create(sysName, parameters);
            }
            catch (ArgumentException e)
            {
                r.Problem(paramMap is not null && SystemRegistry.Names.Contains(sysName) ? "system.params" : "system.name", FirstLine(e.Message));
            }
        }

        if (system is not null && layout is not null && system.Dof != layout.Dof)
        {
            r.Problem("data.file", $"has {layout.Dof} degree(s) of freedom (q1..q{layout.Dof}); system '{system.Name}' has {system.Dof}");
        }

        var dof = layout?.Dof ?? system?.Dof ?? 0;

        // domain (to generate data and for the default ELM bias range; optional with a data file)
        var domMap = r.Map(root, "domain", "domain", required: dataFile is null);
        r.CheckKeys(domMap, "domain", DomainKeys);
        var problemsBeforeDomain = r.Problems.Count;
        Domain? domain = null;
        if (domMap is not null || dataFile is null)
        {
            domain = new Domain(Intervals(r, domMap?["q"], "domain.q"), Intervals(r, domMap?["p"], "domain.p"));
        }

        // Only check the interval count when every interval was read: a rejected one (e.g. [1, 1]) is already
        // reported and would otherwise also show up as a misleading "has 0 interval(s)".
        if (system is not null && domain is not null && domMap is not null && r.Problems.Count == problemsBeforeDomain)
        {
            try
            {
                domain.Validate(system.Dof);
            }
            catch (ArgumentException e)
            {
                r.Problem("domain", $"{FirstLine(e.Message)} (system '{system.Name}' has {system.Dof} degree(s) of freedom)");
            }
        }

        // data
        var dataMap = r.Map(root, "data", "data", required: true);
        r.CheckKeys(dataMap, "data", DataKeys);
        var train = (int)(r.Integer(dataMap?["train"], "data.train", 2, int.MaxValue / 4) ?? 0);
        if (dataMap is not null && dataMap["train"] is null && dataFile is null)
        {
            r.Problem("data.train", "is required (number of training points, at least 2)");
        }

        var test = (int)(r.Integer(dataMap?["test"], "data.test", 1, int.MaxValue / 4) ?? 0);
        if (dataMap is not null && dataMap["test"] is null)
        {
            r.Problem("data.test", "is required (number of test points, at least 1)");
        }

        var dataSeeds = Seeds(r, dataMap, "data");
        var streamRows = (int)(r.Integer(dataMap?["stream_rows"], "data.stream_rows", 1024, 50_000_000) ?? 0);
        if (streamRows > 0 && dataFile is not null)
        {
            r.Problem("data.stream_rows", $"{streamRows} is not allowed with data.file: the streamed path generates its data from system and domain; remove data.stream_rows or data.file");
        }

        // anchor
        var anchorMap = r.Map(root, "anchor", "anchor", required: false);
        r.CheckKeys(anchorMap, "anchor", AnchorKeys);
        IReadOnlyList<double> x0;
        if (anchorMap?["x0"] is { } x0Node)
        {
            x0 = r.OneOrMany(x0Node).Select((n, i) => r.Double(n, $"anchor.x0[{i}]") is { } v && SpecLimits.Coordinate(r, v, $"anchor.x0[{i}]") ? v : 0).ToArray();
            if (dof > 0 && x0.Count != 2 * dof)
            {
                r.Problem("anchor.x0", $"has {x0.Count} coordinates; {(system is null ? "the data have" : $"system '{system.Name}' has")} {dof} degree(s) of freedom, so {2 * dof} are needed (q then p)");
            }
        }
        else
        {
            x0 = system?.DefaultAnchor ?? new double[2 * dof];
        }

        var h0 = r.Double(anchorMap?["h0"], "anchor.h0");
        if (h0 is not null && !SpecLimits.Coordinate(r, h0.Value, "anchor.h0"))
        {
            h0 = 0;
        }

        if (system is null && dataFile is not null && h0 is null)
        {
            r.Problem("anchor.h0", "is required when the data come from a file without a system: give H at anchor.x0 (e.g. 0 at an equilibrium)");
        }

        // model
        var modelMap = r.Map(root, "model", "model", required: true);
        r.CheckKeys(modelMap, "model", ModelKeys);
        var methods = new List<SamplingMethod>();
        var adam = false;
        foreach (var (n, i) in r.OneOrMany(modelMap?["methods"]).Select((n, i) => (n, i)))
        {
            if (n is ScalarNode { Value: not null } a && a.Value.Trim().Equals(AdamMethod, StringComparison.OrdinalIgnoreCase))
            {
                adam = true;
            }
            else if (n is ScalarNode { Value: not null } s && SamplingMethods.TryParse(s.Value, out var m))
            {
                if (!methods.Contains(m))
                {
                    methods.Add(m);
                }
            }
            else
            {
                var text = n is ScalarNode sc ? sc.Value ?? string.Empty : string.Empty;
                var near = Nearest.Match(Shown.Cut(text, 64), MethodNames);
                r.Problem($"model.methods[{i}]", $"{SpecReader.Describe(n)} is not a method; allowed: {string.Join(", ", MethodNames)}{(near is null ? string.Empty : $" (did you mean '{near}'?)")}");
            }
        }

        r.NotEmpty(modelMap?["methods"], "model.methods", "method");
        if (modelMap is not null && modelMap["methods"] is null)
        {
            methods.AddRange([SamplingMethod.Elm, SamplingMethod.USwim, SamplingMethod.ASwim, SamplingMethod.Swim]);
        }

        if (layout is { HasEnergy: false } && methods.Contains(SamplingMethod.Swim))
        {
            r.Problem("model.methods", $"swim needs the true H and {dataFile} has no H column; use a-swim (it needs no H)");
        }

        var widths = new List<int>();
        foreach (var (n, i) in r.OneOrMany(modelMap?["widths"]).Select((n, i) => (n, i)))
        {
            var w = r.Integer(n, $"model.widths[{i}]", 1, 1_000_000);
            if (w is not null && !widths.Contains((int)w))
            {
                widths.Add((int)w);
            }
        }

        if (modelMap is not null && modelMap["widths"] is null)
        {
            r.Problem("model.widths", "is required (one or more positive integers, e.g. [1000])");
        }

        r.NotEmpty(modelMap?["widths"], "model.widths", "width (e.g. [1000])");

        var modelSeeds = Seeds(r, modelMap, "model");
        var rcond = r.Double(modelMap?["rcond"], "model.rcond") ?? 1e-13;
        if (rcond is < 0 or >= 1)
        {
            r.Problem("model.rcond", $"{SpecReader.Format(rcond)} is not allowed: must be in [0, 1)");
        }

        (double, double)? elmBias = null;
        if (modelMap?["elm_bias"] is { } eb)
        {
            var vals = r.OneOrMany(eb).Select((n, i) => r.Double(n, $"model.elm_bias[{i}]")).ToList();
            if (vals.Count != 2 || vals.Any(v => v is null) || vals[0] > vals[1])
            {
                r.Problem("model.elm_bias", "must be [low, high] with low <= high");
            }
            else if (SpecLimits.Coordinate(r, vals[0]!.Value, "model.elm_bias[0]") & SpecLimits.Coordinate(r, vals[1]!.Value, "model.elm_bias[1]"))
            {
                elmBias = (vals[0]!.Value, vals[1]!.Value);
            }
        }

        var firstMap = r.Map(modelMap, "a_swim_first", "model.a_swim_first", required: false);
        r.CheckKeys(firstMap, "model.a_swim_first", ASwimFirstKeys);
        double Fraction(string key)
        {
            var v = r.Double(firstMap?[key], $"model.a_swim_first.{key}") ?? 1;
            if (v is <= 0 or > 1)
            {
                r.Problem($"model.a_swim_first.{key}", $"{SpecReader.Format(v)} is not allowed: must be in (0, 1]");
                return 1;
            }

            return v;
        }

        var aSwimFirst = new ASwimFirstStage(Fraction("train_fraction"), Fraction("width_fraction"));
        var swimCandidates = (int)(r.Integer(modelMap?["swim_candidates"], "model.swim_candidates", 1, int.MaxValue) ?? 0);
        if (swimCandidates > 0 && streamRows == 0)
        {
            r.Problem("model.swim_candidates", $"{swimCandidates} is not allowed without data.stream_rows: it caps the candidate pairs of the streamed path only (in memory every pair is drawn)");
        }
        else if (swimCandidates > 0 && widths.Count > 0 && swimCandidates < widths.Max())
        {
            r.Problem("model.swim_candidates", $"{swimCandidates} is not allowed: must be at least the largest width ({widths.Max()}), since that many distinct candidates are drawn");
        }

        if (streamRows > 0 && adam)
        {
            r.Problem("model.methods", "adam is not allowed with data.stream_rows: the Adam baseline needs the training data in memory; remove adam or data.stream_rows");
        }

        if (streamRows > 0 && !aSwimFirst.IsFull)
        {
            r.Problem("model.a_swim_first", "is not allowed with data.stream_rows (the streamed path runs A-SWIM as published); remove one of them");
        }

        var adamSpec = ReadAdam(r, root, adam, file, dof, widths);
        var rolloutSpec = ReadRollout(r, root, system, domain, dof);

        // solver
        var solverMap = r.Map(root, "solver", "solver", required: false);
        r.CheckKeys(solverMap, "solver", SolverKeys);
        var backend = r.String(solverMap, "backend", "solver.backend", "auto", Backends)!;
        var mode = r.String(solverMap, "mode", "solver.mode", "structured", Modes) == "full" ? SolveMode.Full : SolveMode.Structured;
        var chunkRows = (int)(r.Integer(solverMap?["chunk_rows"], "solver.chunk_rows", 1, 10_000_000) ?? OutputLayer.DefaultChunkRows);

        var lanes = (int)(r.Integer(solverMap?["lanes"], "solver.lanes", 1, 256) ?? DefaultLanes);
        var truncation = Truncation.Find(r.String(solverMap, "truncation", "solver.truncation", Truncation.Default.Name, Truncation.Names)!) ?? Truncation.Default;
        if (mode == SolveMode.Full && !truncation.IsDefault)
        {
            r.Problem("solver.truncation", $"{truncation.Name} truncates the structured solve's reduced triangle and is not allowed with solver.mode: full; use solver.mode: structured or solver.truncation: {Truncation.Default.Name}");
        }

        SpecLimits.Sizes(r, widths, dof, train, chunkRows, mode);

        // run
        var runMap = r.Map(root, "run", "run", required: false);
        r.CheckKeys(runMap, "run", RunKeys);
        var store = r.String(runMap, "store", "run.store", DefaultStore)!;
        if (runMap?["store"] is not null && StorePolicy.Problem(store) is { } storeProblem)
        {
            r.Problem("run.store", storeProblem);
        }

        var parallelism = (int)(r.Integer(runMap?["parallelism"], "run.parallelism", 1, 256) ?? 1);
        if (streamRows > 0 && mode == SolveMode.Full)
        {
            r.Problem("solver.mode", "full is not allowed with data.stream_rows: the full matrix needs every row in memory; use structured");
        }

        if (r.Problems.Count > 0)
        {
            throw new InputException(r.Problems);
        }

        return new PipelineSpec(
            name,
            description,
            system is null ? null : new SystemSpec(system.Name, system.Parameters),
            domain,
            dof,
            layout?.HasEnergy ?? true,
            new DataSpec(dataFile, train, test, dataSeeds) { StreamRows = streamRows },
            new AnchorSpec(x0, h0),
            new ModelSpec(methods, widths, modelSeeds, rcond, elmBias, aSwimFirst) { SwimCandidates = swimCandidates },
            new SolverSpec(backend, mode, chunkRows, lanes) { Truncation = truncation },
            new RunSpec(store, parallelism),
            file)
        {
            Adam = adamSpec,
            Rollout = rolloutSpec,
        };
    }

    private static AdamSpec? ReadAdam(SpecReader r, MapNode root, bool used, string file, int dof, IReadOnlyList<int> widths)
    {
        var map = r.Map(root, "adam", "adam", required: false);
        r.CheckKeys(map, "adam", AdamKeys);
        var d = AdamSpec.Default;
        var lr = r.Double(map?["learning_rate"], "adam.learning_rate") ?? d.LearningRate;
        if (!(lr > 0) || lr > SpecLimits.MaxLearningRate)
        {
            r.Problem("adam.learning_rate", $"{SpecReader.Format(lr)} is not allowed: must be in (0, 1000] (default {SpecReader.Format(d.LearningRate)})");
        }

        var batch = (int)(r.Integer(map?["batch_size"], "adam.batch_size", 1, 10_000_000) ?? d.BatchSize);
        var wd = r.Double(map?["weight_decay"], "adam.weight_decay") ?? d.WeightDecay;
        if (wd < 0)
        {
            r.Problem("adam.weight_decay", $"{SpecReader.Format(wd)} is not allowed: must be >= 0 (default {SpecReader.Format(d.WeightDecay)})");
        }

        var steps = (int)(r.Integer(map?["steps"], "adam.steps", 1, 100_000_000) ?? d.Steps);
        var init = r.String(map, "init", "adam.init", "torch-default", AdamInits) == "xavier" ? AdamInit.Xavier : AdamInit.TorchDefault;
        string? initFile = null;
        if (map?["init_file"] is { } fileNode)
        {
            if (fileNode is ScalarNode { Value: { Length: > 0 } fv })
            {
                initFile = Path.IsPathRooted(fv) ? fv : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, fv));
                if (map["init"] is not null)
                {
                    r.Problem("adam.init", "is not allowed with adam.init_file (the file gives the initial network); remove one of them");
                }

                if (dof > 0)
                {
                    try
                    {
                        var width = NetworkFile.Read(initFile, dof).Width;
                        if (widths.Any(w => w != width))
                        {
                            r.Problem("adam.init_file", $"'{fv}' has {width} hidden neurons but model.widths is [{string.Join(", ", widths)}]; allowed: model.widths [{width}] (the file fixes the width)");
                        }
                    }
                    catch (InputException e)
                    {
                        r.Problem("adam.init_file", e.Message);
                    }
                }
            }
            else
            {
                r.Problem("adam.init_file", $"{SpecReader.Describe(fileNode)} is not allowed; allowed: a path to a CSV file of initial parameters (relative to this file)");
            }
        }

        if (map is not null && !used)
        {
            r.Problem("adam", "is set but model.methods does not list adam; add adam to model.methods or remove this section");
        }

        return used ? new AdamSpec(lr, batch, wd, steps) { Init = init, InitFile = initFile } : null;
    }

    private static RolloutSpec? ReadRollout(SpecReader r, MapNode root, HamiltonianSystem? system, Domain? domain, int dof)
    {
        if (root["rollout"] is null)
        {
            return null;
        }

        var map = r.Map(root, "rollout", "rollout", required: false);
        if (map is null)
        {
            // `rollout:` with nothing after it reads as an empty value: all defaults.
            if (root["rollout"] is ScalarNode { Value: null })
            {
                map = new MapNode(root.Source, []);
            }
            else
            {
                return null;
            }
        }

        r.CheckKeys(map, "rollout", RolloutKeys);
        if (system is null)
        {
            r.Problem("rollout", "needs a system (the true H is the ground truth of every rollout); add system: or remove rollout:");
        }

        var initial = new List<double[]>();
        if (map["initial"] is { } initNode)
        {
            r.NotEmpty(initNode, "rollout.initial", "state (q1..qd, p1..pd), e.g. [[1.5, 0]]");
            var items = r.ListOfLists(initNode);
            foreach (var (item, i) in items.Select((n, i) => (n, i)))
            {
                var values = r.OneOrMany(item).Select((n, j) => r.Double(n, $"rollout.initial[{i}][{j}]") is { } v && SpecLimits.Coordinate(r, v, $"rollout.initial[{i}][{j}]") ? v : double.NaN).ToArray();
                if (dof > 0 && values.Length != 2 * dof)
                {
                    r.Problem($"rollout.initial[{i}]", $"has {values.Length} coordinates; {2 * dof} are needed (q1..q{dof}, p1..p{dof})");
                }
                else if (values.All(double.IsFinite))
                {
                    initial.Add(values);
                }
            }
        }

        var count = (int)(r.Integer(map["count"], "rollout.count", 1, 100_000) ?? 0);
        if (map["initial"] is not null && map["count"] is not null)
        {
            r.Problem("rollout.count", "give either rollout.initial (states) or rollout.count (states drawn from the domain), not both");
        }

        if (map["initial"] is null && map["count"] is null)
        {
            if (system?.DefaultRolloutStart is { } start)
            {
                initial.Add(start);
            }
            else
            {
                count = DefaultRolloutCount;
            }
        }

        if (count > 0 && domain is null)
        {
            r.Problem("rollout.count", "drawing initial states needs a domain; give domain: or rollout.initial");
        }

        var seed = (ulong)(r.Integer(map["seed"], "rollout.seed", 0, long.MaxValue) ?? 0);
        var dt = r.Double(map["dt"], "rollout.dt") ?? DefaultRolloutDt;
        if (!(dt > 0))
        {
            r.Problem("rollout.dt", $"{SpecReader.Format(dt)} is not allowed: must be > 0 (default {SpecReader.Format(DefaultRolloutDt)})");
            dt = DefaultRolloutDt;
        }

        var steps = (int)(r.Integer(map["steps"], "rollout.steps", 1, 10_000_000) ?? DefaultRolloutSteps);
        if (map["t_end"] is { } tEndNode)
        {
            if (map["steps"] is not null)
            {
                r.Problem("rollout.t_end", "give either rollout.steps or rollout.t_end, not both");
            }

            var tEnd = r.Double(tEndNode, "rollout.t_end");
            if (tEnd is not null)
            {
                var n = Math.Round(tEnd.Value / dt);
                if (!(tEnd > 0) || Math.Abs((n * dt) - tEnd.Value) > 1e-9 * tEnd.Value || n > 10_000_000)
                {
                    r.Problem("rollout.t_end", $"{SpecReader.Format(tEnd.Value)} is not allowed: must be > 0 and a whole number of steps of rollout.dt = {SpecReader.Format(dt)} (at most 1e7 steps)");
                }
                else
                {
                    steps = (int)n;
                }
            }
        }

        SpecLimits.Rollout(r, dt, steps, map["dt"] is not null);
        r.NotEmpty(map["integrators"], "rollout.integrators", "integrator");
        var integrators = new List<string>();
        foreach (var (n, i) in r.OneOrMany(map["integrators"]).Select((n, i) => (n, i)))
        {
            var name = (n as ScalarNode)?.Value?.Trim() ?? string.Empty;
            if (Integrators.TryParse(name, out var integrator))
            {
                name = integrator.ToName();
                if (!integrators.Contains(name))
                {
                    integrators.Add(name);
                }
            }
            else
            {
                var near = Nearest.Match(Shown.Cut(name, 64), IntegratorNames);
                r.Problem($"rollout.integrators[{i}]", $"{SpecReader.Describe(n)} is not an integrator; allowed: {string.Join(", ", IntegratorNames)}{(near is null ? string.Empty : $" (did you mean '{near}'?)")}");
            }
        }

        if (map["integrators"] is null)
        {
            integrators.AddRange(DefaultIntegrators);
        }

        var tol = r.Double(map["reference_tol"], "rollout.reference_tol") ?? DefaultReferenceTolerance;
        if (tol is <= 0 or >= 1)
        {
            r.Problem("rollout.reference_tol", $"{SpecReader.Format(tol)} is not allowed: must be in (0, 1) (default {SpecReader.Format(DefaultReferenceTolerance)})");
        }

        return new RolloutSpec(initial, count, seed, dt, steps, integrators, tol);
    }

    /// <summary>Rollout defaults: the classic examples' dt 1e-2 and 2000 steps, symplectic Euler and forward Euler.</summary>
    public const double DefaultRolloutDt = 1e-2;

    public const int DefaultRolloutSteps = 2000;

    public const int DefaultRolloutCount = 3;

    public const double DefaultReferenceTolerance = 1e-12;

    public static readonly IReadOnlyList<string> DefaultIntegrators = ["symplectic-euler", "euler"];

    private static List<ulong> Seeds(SpecReader r, MapNode? map, string section)
    {
        var seeds = new List<ulong>();
        if (map is null)
        {
            return seeds;
        }

        if (map["seed"] is not null && map["seeds"] is not null)
        {
            r.Problem($"{section}.seeds", $"give either {section}.seed or {section}.seeds, not both");
        }

        var node = map["seeds"] ?? map["seed"];
        var key = map["seeds"] is not null ? "seeds" : "seed";
        r.NotEmpty(node, $"{section}.{key}", "seed");
        foreach (var (n, i) in r.OneOrMany(node).Select((n, i) => (n, i)))
        {
            var s = r.Integer(n, $"{section}.{key}[{i}]", 0, long.MaxValue);
            if (s is not null && !seeds.Contains((ulong)s))
            {
                seeds.Add((ulong)s);
            }
        }

        if (node is null)
        {
            seeds.Add(0);
        }

        return seeds;
    }

    private static List<Interval> Intervals(SpecReader r, ConfigNode? node, string path)
    {
        var result = new List<Interval>();
        if (node is null)
        {
            r.Problem(path, "is required: a list of [low, high] intervals, one per degree of freedom, e.g. [[-5, 5]]");
            return result;
        }

        r.NotEmpty(node, path, "interval [low, high]");
        var items = r.ListOfLists(node);
        foreach (var (item, i) in items.Select((n, i) => (n, i)))
        {
            if (item is not ListNode pair || pair.Items.Count != 2)
            {
                r.Problem($"{path}[{i}]", $"{SpecReader.Describe(item)} is not an interval [low, high]");
                continue;
            }

            var lo = r.Double(pair.Items[0], $"{path}[{i}][0]");
            var hi = r.Double(pair.Items[1], $"{path}[{i}][1]");
            if (lo is null || hi is null || !SpecLimits.Coordinate(r, lo.Value, $"{path}[{i}][0]") || !SpecLimits.Coordinate(r, hi.Value, $"{path}[{i}][1]"))
            {
                continue;
            }

            if (!(lo < hi))
            {
                r.Problem($"{path}[{i}]", $"[{SpecReader.Format(lo.Value)}, {SpecReader.Format(hi.Value)}] is {(lo == hi ? "empty" : "inverted")}: need low < high");
                continue;
            }

            result.Add(new Interval(lo.Value, hi.Value));
        }

        return result;
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOfAny(['\r', '\n']);
        var line = i < 0 ? s : s[..i];
        var p = line.LastIndexOf(" (Parameter '", StringComparison.Ordinal);
        return p > 0 ? line[..p] : line;
    }
}
