using Hnn.Pipeline.Planning;
using Hnn.Tests.Pipeline;
using Xunit;

namespace Hnn.Tests.Planning;

/// <summary>
/// Key completeness: for every config field that reaches a stage, changing it changes exactly that stage's keys and
/// every key downstream of them in the DAG, and no other (nothing upstream, no sibling); run settings change no key.
/// Each case names the stages the field enters directly ("stage", or "method:stage" for one method's); the test
/// computes the downstream closure from the plan itself.
/// </summary>
public sealed class KeyCompletenessTests : IDisposable
{
    /// <summary>Every method, a cheaper A-SWIM first stage (so it shares nothing with U-SWIM), adam, hig, rollouts.</summary>
    private const string InMemory = """
        name: completeness
        system: {name: single-pendulum, params: {f: 1}}
        domain: {q: [[-3, 3]], p: [[-1, 1]]}
        data: {train: 300, test: 50, seed: 1}
        anchor: {x0: [0, 0], h0: 0}
        model: {methods: [elm, u-swim, a-swim, swim, adam, hig], widths: [20], seeds: [5], rcond: 1.0e-12, a_swim_first: {train_fraction: 0.5, width_fraction: 0.5}}
        adam: {steps: 10, batch_size: 64, learning_rate: 1.0e-3, weight_decay: 1.0e-13, init: torch-default}
        hig: {steps: 10, batch_size: 16, learning_rate: 0.5, truncation: 1.0e-10, init: torch-default}
        rollout: {dt: 0.05, steps: 10, integrators: [rk4, verlet], reference_tol: 1.0e-10}
        solver: {backend: lapack, mode: structured, chunk_rows: 64, lanes: 2}
        run: {store: store, parallelism: 1}
        """;

    /// <summary>Streamed data with a SWIM candidate cap (the pinned pipeline of <see cref="PlanKeysTests"/>).</summary>
    private const string StreamedBase = PlanKeysTests.Streamed;

    /// <summary>The trajectory path (data.trajectories): ELM, U-SWIM and A-SWIM on noisy pendulum trajectories, auto ridge by validation.</summary>
    private const string Trajectories = """
        name: completeness-trajectories
        system: {name: single-pendulum, params: {f: 1}}
        domain: {q: [[-3, 3]], p: [[-1, 1]]}
        data: {seed: 1, test: 50, trajectories: {count: 12, validation: 2, test: 2, dt: 0.1, steps: 5, noise: {sigma: 1.0e-3, kind: relative}}}
        anchor: {x0: [0, 0], h0: 0}
        model: {methods: [elm, u-swim, a-swim], widths: [20], seeds: [5], rcond: 1.0e-12, target: midpoint, regularisation: {auto: {kind: ridge, criterion: validation}}}
        solver: {backend: lapack}
        run: {store: store, parallelism: 1}
        """;

    private readonly PlanSandbox _box = new();

    public void Dispose() => _box.Dispose();

    public static TheoryData<string, string[]> InMemoryFields => new()
    {
        { "system.params.f=2", ["generate", "system"] },
        { "domain.q=[[-2, 3]]", ["generate", "elm:sample"] },
        { "domain.p=[[-1, 2]]", ["generate", "elm:sample"] },
        { "data.train=301", ["generate", "split"] },
        { "data.test=51", ["generate", "split"] },
        { "data.seed=2", ["generate", "split"] },
        { "anchor.x0=[0.5, 0]", ["fit", "train", "hig-train"] },
        { "anchor.h0=1", ["fit", "train", "hig-train"] },
        // 22, not 21: A-SWIM's first stage at width_fraction 0.5 rounds 10.5 to 10, the same layer as for 20.
        { "model.widths=[22]", ["sample", "resample", "train", "hig-train"] },
        { "model.seeds=[6]", ["sample", "resample", "train", "hig-train"] },
        { "model.rcond=1.0e-11", ["fit"] },
        { "model.elm_bias=[-2, 2]", ["elm:sample"] },
        { "model.a_swim_first.train_fraction=0.6", ["a-swim:sample", "a-swim:fit"] },
        { "model.a_swim_first.width_fraction=0.6", ["a-swim:sample"] },
        { "model.weight_scale=0.5", ["elm:sample", "u-swim:sample", "a-swim:sample", "swim:sample", "a-swim:resample"] },
        { "model.separable=true", ["elm:sample", "u-swim:sample", "a-swim:sample", "swim:sample", "a-swim:resample"] },
        { "solver.mode=full", ["fit"] },
        { "solver.chunk_rows=32", ["fit"] },
        { "solver.lanes=3", ["fit"] },
        { "adam.learning_rate=2.0e-3", ["train"] },
        { "adam.batch_size=32", ["train"] },
        { "adam.weight_decay=1.0e-12", ["train"] },
        { "adam.steps=11", ["train"] },
        { "adam.init=xavier", ["train"] },
        { "hig.learning_rate=0.25", ["hig-train"] },
        { "hig.batch_size=32", ["hig-train"] },
        { "hig.truncation=1.0e-8", ["hig-train"] },
        { "hig.steps=11", ["hig-train"] },
        { "hig.init=xavier", ["hig-train"] },
        { "rollout.dt=0.04", ["reference", "rollout"] },
        { "rollout.steps=11", ["reference", "rollout"] },
        { "rollout.reference_tol=1.0e-9", ["reference"] },
        { "rollout.integrators=[symplectic-euler, implicit-midpoint]", ["rollout"] },
        { "rollout.initial=[[1, 0]]", ["reference", "rollout"] },
    };

    [Theory]
    [MemberData(nameof(InMemoryFields))]
    public void AFieldChangesItsStagesAndWhatFollowsOnly(string setting, string[] direct) =>
        AssertChanges(_box.Plan(InMemory), _box.Plan(InMemory, setting), direct, setting);

    public static TheoryData<string, string[]> StreamedFields => new()
    {
        { "data.stream_rows=2048", ["generate-stream"] },
        { "data.train=3001", ["generate-stream"] },
        { "model.swim_candidates=600", ["u-swim:sample", "a-swim:sample", "swim:sample", "a-swim:resample"] },
        { "model.weight_scale=0.5", ["elm:sample", "u-swim:sample", "a-swim:sample", "swim:sample", "a-swim:resample"] },
        { "model.separable=true", ["elm:sample", "u-swim:sample", "a-swim:sample", "swim:sample", "a-swim:resample"] },
        { "model.rcond=1.0e-11", ["fit"] },
    };

    [Theory]
    [MemberData(nameof(StreamedFields))]
    public void AStreamedFieldChangesItsStagesAndWhatFollowsOnly(string setting, string[] direct) =>
        AssertChanges(_box.Plan(StreamedBase), _box.Plan(StreamedBase, setting), direct, setting);

    /// <summary>The trajectory path's fields; "a-swim-first" is A-SWIM's first-stage fit (model.rcond), the other fits are the regularised ones.</summary>
    public static TheoryData<string, string[]> TrajectoryFields => new()
    {
        { "system.params.f=2", ["trajectories", "generate", "trajectory-rollout"] },
        { "domain.q=[[-2, 3]]", ["trajectories", "generate", "elm:sample"] },
        { "data.seed=2", ["trajectories", "trajectory-split", "generate"] },
        { "data.test=51", ["generate"] },
        { "data.trajectories.count=13", ["trajectories"] },
        { "data.trajectories.dt=0.2", ["trajectories"] },
        { "data.trajectories.steps=6", ["trajectories"] },
        { "data.trajectories.noise.sigma=1.0e-2", ["trajectories"] },
        { "data.trajectories.noise.kind=absolute", ["trajectories"] },
        { "data.trajectories.validation=3", ["trajectory-split"] },
        { "data.trajectories.test=3", ["trajectory-split"] },
        { "model.target=finite-difference", ["target-rows"] },
        { "model.regularisation={auto: {kind: rcond, criterion: gcv}}", ["elm:trajectory-fit", "u-swim:trajectory-fit", "a-swim:trajectory-fit"] },
        { "model.regularisation={ridge: {lambda: 1.0e-8}}", ["elm:trajectory-fit", "u-swim:trajectory-fit", "a-swim:trajectory-fit"] },
        { "model.rcond=1.0e-11", ["a-swim-first:trajectory-fit"] },
        { "model.regularisation={auto: {kind: ridge, criterion: validation-domain}}", ["elm:trajectory-fit", "u-swim:trajectory-fit", "a-swim:trajectory-fit"] },
        { "anchor.h0=1", ["trajectory-fit", "error-bars", "reduced-problem"] },
        { "model.error_bars=trajectories", ["error-bars"] },
        { "model.widths=[22]", ["sample", "resample"] },
        { "model.seeds=[6]", ["sample", "resample"] },
        { "model.elm_bias=[-2, 2]", ["elm:sample"] },
        { "model.weight_scale=0.5", ["sample", "resample"] },
        { "model.separable=true", ["sample", "resample"] },
    };

    [Theory]
    [MemberData(nameof(TrajectoryFields))]
    public void ATrajectoryFieldChangesItsStagesAndWhatFollowsOnly(string setting, string[] direct) =>
        AssertChanges(_box.Plan(Trajectories), _box.Plan(Trajectories, setting), direct, setting);

    [Theory]
    [InlineData("run.parallelism=2")]
    [InlineData("run.store=elsewhere")]
    [InlineData("run.executor=orleans")]
    [InlineData("run.cluster=localhost:30001")]
    [InlineData("name=renamed")]
    [InlineData("description=another")]
    [InlineData("run.executor=orleans", "run.distributed_fit=true")]
    public void RunSettingsChangeNoKey(params string[] settings)
    {
        Assert.Equal(Roles(_box.Plan(InMemory)).Select(r => (r.Role, r.Node.Key)), Roles(_box.Plan(InMemory, settings)).Select(r => (r.Role, r.Node.Key)));
        Assert.Equal(Roles(_box.Plan(StreamedBase)).Select(r => (r.Role, r.Node.Key)), Roles(_box.Plan(StreamedBase, settings)).Select(r => (r.Role, r.Node.Key)));
    }

    /// <summary>model.weight_scale: 1 is the published samplers, so it adds nothing to any key (stores written before it still load).</summary>
    [Fact]
    public void WeightScaleOneChangesNoKey()
    {
        foreach (var yaml in new[] { InMemory, StreamedBase, Trajectories })
        {
            Assert.Equal(Roles(_box.Plan(yaml)).Select(r => (r.Role, r.Node.Key)), Roles(_box.Plan(yaml, "model.weight_scale=1")).Select(r => (r.Role, r.Node.Key)));
        }
    }

    /// <summary>
    /// model.separable: false (the default) adds nothing to any key; true keys its q and p scales, so a per-part scale
    /// changes the sampled stages only, and {q: s, p: s} is the same layer (and key) as the number s.
    /// </summary>
    [Fact]
    public void SeparableFalseChangesNoKeyAndItsScalesKeyTheSamples()
    {
        foreach (var yaml in new[] { InMemory, StreamedBase, Trajectories })
        {
            Assert.Equal(Roles(_box.Plan(yaml)).Select(r => (r.Role, r.Node.Key)), Roles(_box.Plan(yaml, "model.separable=false")).Select(r => (r.Role, r.Node.Key)));
            Assert.Equal(
                Roles(_box.Plan(yaml, "model.separable=true", "model.weight_scale=0.5")).Select(r => (r.Role, r.Node.Key)),
                Roles(_box.Plan(yaml, "model.separable=true", "model.weight_scale={q: 0.5, p: 0.5}")).Select(r => (r.Role, r.Node.Key)));
        }

        AssertChanges(_box.Plan(InMemory, "model.separable=true"), _box.Plan(InMemory, "model.separable=true", "model.weight_scale={q: 2, p: 0.01}"),
            ["elm:sample", "u-swim:sample", "a-swim:sample", "swim:sample", "a-swim:resample"], "model.weight_scale={q: 2, p: 0.01}");
    }

    [Fact]
    public void TheBackendChangesTheFitsAndWhatFollows()
    {
        var spec = _box.Load(InMemory);
        // hig-train too: each HIG step's SVD comes from the backend.
        AssertChanges(RunPlan.Build(spec, new PlanFacts(true)), RunPlan.Build(spec, new PlanFacts(false)), ["fit", "hig-train"], "backend");
    }

    [Fact]
    public void EditingTheDataFileChangesEveryKeyButTheTruth()
    {
        var csv = Path.Combine(RepoRoot.Find(), "pipelines", "examples", "data", "pendulum-observations.csv");
        var path = Path.Combine(_box.Root, "obs.csv");
        File.Copy(csv, path);
        const string yaml = """
            name: from-file
            data: {file: obs.csv, test: 100, train: 400, seed: 1}
            anchor: {x0: [0, 0], h0: 0}
            model: {methods: [elm, u-swim, a-swim], widths: [25], seeds: [7]}
            solver: {backend: lapack}
            """;
        var before = _box.Plan(yaml);
        var lines = File.ReadAllLines(path);
        lines[^1] = lines[^1] + "1"; // the last value gets one more digit
        File.WriteAllLines(path, lines);
        AssertChanges(before, _box.Plan(yaml), ["load"], "data file content");
    }

    /// <summary>The plan's nodes by role (the same position in two plans of the same shape), with the method they serve.</summary>
    private static List<(string Role, string? Method, StageNode Node)> Roles(RunPlan p)
    {
        var roles = new List<(string, string?, StageNode)>();
        for (var i = 0; i < p.Data.Count; i++)
        {
            roles.Add(($"data{i}/source", null, p.Data[i].Source));
            if (p.Data[i].Split is { } split)
            {
                roles.Add(($"data{i}/split", null, split));
            }
        }

        if (p.Truth is { } t)
        {
            roles.Add(("truth/system", null, t.SystemNode));
            roles.Add(("truth/reference", null, t.Reference));
            roles.AddRange(t.Exact.Select((e, j) => ($"truth/exact{j}", (string?)null, e.Node)));
        }

        for (var i = 0; i < p.Experiments.Count; i++)
        {
            var e = p.Experiments[i];
            roles.AddRange(e.Chain.Nodes.Select((n, j) => ($"exp{i}/chain{j}", (string?)e.Method.Name, n)));
            roles.Add(($"exp{i}/evaluate", e.Method.Name, e.Evaluate));
            roles.AddRange(e.Rollouts.Select((r, j) => ($"exp{i}/rollout{j}", (string?)e.Method.Name, r.Node)));
        }

        if (p.Trajectory is { } tp)
        {
            for (var i = 0; i < tp.Data.Count; i++)
            {
                var d = tp.Data[i];
                roles.AddRange(new[] { d.Source, d.Split, d.Rows, d.TestPoints }.OfType<StageNode>().Select((n, j) => ($"tdata{i}/{j}", (string?)null, n)));
            }

            for (var i = 0; i < tp.Experiments.Count; i++)
            {
                var e = tp.Experiments[i];
                roles.AddRange(e.TrainingNodes.Select((n, j) => ($"texp{i}/chain{j}", (string?)(n == e.FirstFit ? "a-swim-first" : e.Method.Name), n)));
                roles.AddRange(new[] { e.ErrorBars, e.Evaluate, e.Rollout }.OfType<StageNode>().Select((n, j) => ($"texp{i}/after{j}", (string?)e.Method.Name, n)));
            }
        }

        return roles;
    }

    private static void AssertChanges(RunPlan before, RunPlan after, string[] direct, string what)
    {
        var b = Roles(before);
        var a = Roles(after);
        Assert.Equal(b.Select(r => r.Role), a.Select(r => r.Role)); // same shape

        bool Direct((string Role, string? Method, StageNode Node) r) => direct.Any(d => d.Split(':') is [var m, var s]
            ? r.Method == m && r.Node.Stage.Name == s
            : r.Node.Stage.Name == d);
        var directNodes = b.Where(Direct).Select(r => r.Node).ToHashSet();
        Assert.True(directNodes.Count > 0, $"{what}: no node of {string.Join(", ", direct)} in the plan");

        // Downstream closure in the base plan (nodes are in dependency order).
        var reached = new HashSet<StageNode>(directNodes);
        foreach (var n in before.Nodes)
        {
            if (n.Inputs.Any(reached.Contains))
            {
                reached.Add(n);
            }
        }

        var expected = b.Where(r => reached.Contains(r.Node)).Select(r => r.Role).ToList();
        var changed = b.Zip(a).Where(x => x.First.Node.Key != x.Second.Node.Key).Select(x => x.First.Role).ToList();
        Assert.True(expected.SequenceEqual(changed),
            $"{what}: expected changed [{string.Join(", ", expected)}], changed [{string.Join(", ", changed)}]");
    }
}
