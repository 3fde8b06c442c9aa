using Hnn.Stages.Rollout;

namespace Hnn.Pipeline.Config;

/// <summary>
/// Loads a pipeline file (with its includes and --set overrides), validates it as a whole and returns the spec.
/// Every problem is reported at once, each naming the file, the key path, the value and what is allowed.
/// </summary>
public static partial class PipelineLoader
{
    /// <summary>The artifact store when neither run.store nor --store is given (<see cref="RunSection.DefaultStore"/>).</summary>
    public const string DefaultStore = RunSection.DefaultStore;

    private static readonly string[] TopKeys = ["name", "description", "include", "system", "domain", "data", "anchor", "model", "adam", "hig", "rollout", "solver", "run", "sweep"];

    /// <summary>Integrators a rollout may use (see Hnn.Stages.Rollout).</summary>
    public static IReadOnlyList<string> IntegratorNames => Integrators.Names;

    /// <summary>The method name of the gradient-trained baseline in model.methods.</summary>
    public const string AdamMethod = ModelSection.AdamMethod;

    /// <summary>The method name of the HIG-trained baseline in model.methods, results and keys.</summary>
    public const string HigMethod = ModelSection.HigMethod;

    /// <summary>Everything model.methods accepts.</summary>
    public static IReadOnlyList<string> MethodNames => ModelSection.MethodNames;

    /// <summary>Default QR lanes (<see cref="SolverSection.DefaultLanes"/>).</summary>
    public const int DefaultLanes = SolverSection.DefaultLanes;

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

            var text = o[(eq + 1)..].Trim();
            if (text is "null" or "Null" or "NULL" or "~")
            {
                // --set key=null removes the key (an optional section then takes its defaults or is absent, a required
                // key is reported as missing); an empty value stays a value (and is refused where a value is needed).
                try
                {
                    root = ConfigNode.RemovePath(root, key);
                }
                catch (InputException e)
                {
                    throw new InputException($"{path}: {e.Message}");
                }

                continue;
            }

            // An empty value ("--set data.train=") is an empty scalar, not the empty document's empty mapping.
            var value = text.Length == 0
                ? new ScalarNode($"--set {Shown.Cut(o[..eq])}", null, false)
                : ConfigNode.Parse(o[(eq + 1)..], $"--set {Shown.Cut(o[..eq])}");
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

    /// <summary>Binds and validates a whole tree: each section by its binder (Sections/), then the rules that join them.</summary>
    public static PipelineSpec Bind(ConfigNode rootNode, string file)
    {
        if (rootNode is not MapNode root)
        {
            throw new InputException($"{file}: the top level must be a mapping (key: value lines)");
        }

        var r = new SpecReader(file, root);
        r.CheckKeys(root, string.Empty, TopKeys);
        var name = r.String(root, "name", "name", Path.GetFileNameWithoutExtension(file))!;
        SpecLimits.Name(r, name, root["name"] is null);
        var description = r.String(root, "description", "description", string.Empty)!;

        // The data file first: it decides whether system and domain are required, and the dof when there is no system.
        var (dataFile, layout) = DataSection.ReadFile(r, root);
        var system = SystemSection.Read(r, root, required: dataFile is null);
        PipelineRules.SystemAndData(r, system, layout);
        var (trajectoryFile, columns) = TrajectoryRules.ReadFile(r, root, dataFile, system);
        var dof = layout?.Dof ?? (trajectoryFile.Dof > 0 ? trajectoryFile.Dof : (int?)null) ?? system?.Dof ?? 0;
        var domain = DomainSection.Read(r, root, required: dataFile is null, out var domainComplete);
        var data = TrajectoryRules.WithSeed(r, root, DataSection.Read(r, root, dataFile));
        var trajectories = TrajectoriesSection.Read(r, root, dataFile, columns, trajectoryFile.Count, system is not null);
        var anchor = AnchorSection.Read(r, root, system, dof);
        var model = ModelSection.Read(r, root, out var usesAdam, out var usesHig);
        var adam = AdamSection.Read(r, root);
        var hig = HigSection.Read(r, root);
        var rollout = RolloutSection.Read(r, root, system);
        var solver = SolverSection.Read(r, root);
        var run = RunSection.Read(r, root);
        PipelineRules.Check(r, root, new(system, layout, domain, domainComplete, dof, data, anchor, model, usesAdam, adam, usesHig, hig, rollout, solver));
        TrajectoryRules.Check(r, root, trajectories, model, usesAdam || usesHig, data, solver);
        if (trajectories is not null && run.OnCluster)
        {
            r.Problem("run.executor", "orleans is not allowed with data.trajectories: the cluster executor runs derivative-row experiments only; use local (or remove --cluster)");
        }
        if (r.Problems.Count > 0)
        {
            throw new InputException(r.Problems);
        }

        return new PipelineSpec(name, description, system is null ? null : new SystemSpec(system), domain, dof, layout?.HasEnergy ?? (trajectories is null || system is not null), data, anchor, model, solver, run, file)
        {
            Trajectories = trajectories,
            Adam = usesAdam ? adam : null,
            Hig = usesHig ? hig : null,
            Rollout = rollout,
        };
    }

    /// <summary>Rollout defaults (<see cref="RolloutSection"/>): the classic examples' dt 1e-2 and 2000 steps, symplectic Euler and forward Euler.</summary>
    public const double DefaultRolloutDt = RolloutSection.DefaultDt;

    public const int DefaultRolloutSteps = RolloutSection.DefaultSteps;

    public const int DefaultRolloutCount = RolloutSection.DefaultCount;

    public const double DefaultReferenceTolerance = RolloutSection.DefaultReferenceTolerance;

    public static IReadOnlyList<string> DefaultIntegrators { get; } = [.. RolloutSection.DefaultIntegrators.Select(i => i.ToName())];
}
