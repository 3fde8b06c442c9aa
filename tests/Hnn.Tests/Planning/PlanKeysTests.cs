using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Planning;
using Hnn.Stages.Rollout;
using Hnn.Tests.Pipeline;
using Xunit;

namespace Hnn.Tests.Planning;

/// <summary>
/// The plan's keys are today's keys: stores written before the plan existed still load. The expected keys were
/// recorded by running `hnn run` with these four pipelines on main at 70c9d86 (the commit before the plan; the
/// runner then listed its keys by hand) and reading results[].keys and stages[] of each manifest.json.
/// </summary>
public sealed class PlanKeysTests : IDisposable
{
    private readonly PlanSandbox _box = new();

    /// <summary>All four samplers, structured solve, rollouts with two integrators.</summary>
    public const string Quick = """
        name: pin-a
        system: {name: mass-spring}
        domain: {q: [[-5, 5]], p: [[-5, 5]]}
        data: {train: 300, test: 100, seed: 3943}
        anchor: {x0: [1, 0], h0: 0}
        model: {methods: [elm, u-swim, a-swim, swim], widths: [30], seeds: [992472], rcond: 1.0e-13}
        rollout: {steps: 20, integrators: [symplectic-euler, verlet]}
        solver: {backend: lapack, mode: structured, chunk_rows: 64, lanes: 2}
        run: {store: store, parallelism: 1}
        """;

    /// <summary>System parameters, two data seeds, a cheaper A-SWIM first stage, adam, drawn rollout states, full solve.</summary>
    public const string Mixed = """
        name: pin-b
        system: {name: single-pendulum, params: {f: 2}}
        domain: {q: [[-3.14, 3.14]], p: [[-1, 1]]}
        data: {train: 200, test: 50, seeds: [1, 2]}
        anchor: {x0: [0, 0]}
        model: {methods: [a-swim, adam], widths: [20], seeds: [5], rcond: 1.0e-10, a_swim_first: {train_fraction: 0.5, width_fraction: 0.5}}
        adam: {steps: 10, batch_size: 64, init: xavier}
        rollout: {count: 2, seed: 4, dt: 0.05, steps: 10, integrators: [rk4]}
        solver: {backend: lapack, mode: full}
        run: {store: store, parallelism: 1}
        """;

    /// <summary>Streamed data with a SWIM candidate cap.</summary>
    public const string Streamed = """
        name: pin-d
        system: {name: mass-spring}
        domain: {q: [[-5, 5]], p: [[-5, 5]]}
        data: {train: 3000, test: 500, seed: 3, stream_rows: 1024}
        anchor: {x0: [1, 0], h0: 0}
        model: {methods: [elm, u-swim, a-swim, swim], widths: [20], seeds: [9], swim_candidates: 500}
        solver: {backend: lapack, chunk_rows: 256}
        run: {store: store}
        """;

    public void Dispose() => _box.Dispose();

    private static Dictionary<string, string> Keys(RunPlan plan, int experiment) => ExperimentKeysOf(plan.Experiments[experiment], plan.Truth);

    /// <summary>The keys a run records for one experiment (when every rollout completes).</summary>
    private static Dictionary<string, string> ExperimentKeysOf(ExperimentPlan e, TruthPlan? truth)
    {
        var keys = new Dictionary<string, string>(e.Chain switch
        {
            SampledChain { Resample: { } r } s => new Dictionary<string, string> { ["sample"] = s.Sample.Key, ["fit"] = s.Fit.Key, ["resample"] = r.Key, ["fit2"] = s.Refit!.Key },
            SampledChain s => new Dictionary<string, string> { ["sample"] = s.Sample.Key, ["fit"] = s.Fit.Key },
            AdamChain a => new Dictionary<string, string> { ["train"] = a.Train.Key, ["loss"] = a.Train.Key },
            HigChain h => new Dictionary<string, string> { ["hig-train"] = h.Train.Key, ["hig-loss"] = h.Train.Key },
            _ => throw new InvalidOperationException(),
        })
        {
            ["evaluate"] = e.Evaluate.Key,
        };
        if (truth is not null)
        {
            keys["reference"] = truth.Reference.Key;
        }

        foreach (var r in e.Rollouts)
        {
            keys[$"rollout/{r.Integrator.ToName()}"] = r.Node.Key;
            keys[$"exact/{r.Integrator.ToName()}"] = r.Exact.Key;
        }

        return keys;
    }

    [Fact]
    public void AllFourSamplersWithRolloutsKeepTheirKeys()
    {
        var plan = _box.Plan(Quick);
        Assert.Equal(["elm", "u-swim", "a-swim", "swim"], plan.Experiments.Select(e => e.Method.Name));
        Assert.Equal("2f185aa3c9f63895a546cf04", plan.Data[0].Source.Key);
        Assert.Equal("07cd6f4e92a900cca1defb1f", plan.Data[0].Split!.Key);
        Assert.Equal(new Dictionary<string, string>
        {
            ["evaluate"] = "dd5c5ee85636947b4ce0031b",
            ["exact/symplectic-euler"] = "3e7eb4afc0e8aadfd8ee95d5",
            ["exact/verlet"] = "a67ae1bd566eb59067861686",
            ["fit"] = "b5b49822edc373b2091b9116",
            ["reference"] = "4a60b405890eba9017e9ac0f",
            ["rollout/symplectic-euler"] = "217163b50f29231eac7daf4d",
            ["rollout/verlet"] = "214a45013783cc4c58dc465f",
            ["sample"] = "15c4242379ac52bb405d99e7",
        }, Keys(plan, 0));
        Assert.Equal(new Dictionary<string, string>
        {
            ["evaluate"] = "8b2632ee8c39cc41e2eafd6b",
            ["exact/symplectic-euler"] = "3e7eb4afc0e8aadfd8ee95d5",
            ["exact/verlet"] = "a67ae1bd566eb59067861686",
            ["fit"] = "87c2cd6b153660d78d5e4fb3",
            ["fit2"] = "41971baedf1b983d75bb114d",
            ["reference"] = "4a60b405890eba9017e9ac0f",
            ["resample"] = "7f108f635b035ea699a7ba63",
            ["rollout/symplectic-euler"] = "a4fd9105d9fbae7b5c6087b2",
            ["rollout/verlet"] = "b31b85c059d459d361c54acd",
            ["sample"] = "9a655f179fb47006f8b7dd1a",
        }, Keys(plan, 2));
        Assert.Equal("9a655f179fb47006f8b7dd1a", Keys(plan, 1)["sample"]); // U-SWIM's, shared by A-SWIM
        Assert.Equal("87c2cd6b153660d78d5e4fb3", Keys(plan, 1)["fit"]);
        Assert.Equal("c53adfce373763bb4a9fc695", Keys(plan, 3)["sample"]);
        Assert.Equal("927e0fe22dbdf4e26366d2a1", Keys(plan, 3)["fit"]);
        Assert.Equal("a4d8e97112adda0709ba7de5", Keys(plan, 3)["rollout/verlet"]);

        // Shared nodes are one node: 1 generate + 1 split + 1 system + 1 reference + 2 exact, per method sample, fit,
        // evaluate, 2 rollouts (A-SWIM shares U-SWIM's sample and fit, adds resample and refit).
        Assert.Equal(6 + (4 * 5), plan.Nodes.Count);
    }

    [Fact]
    public void AdamReducedFirstStageFullSolveAndTwoDataSeedsKeepTheirKeys()
    {
        var plan = _box.Plan(Mixed);
        Assert.Equal(["a-swim", "adam", "a-swim", "adam"], plan.Experiments.Select(e => e.Method.Name));
        Assert.Equal(["73d026e498a3d66df6f783e8", "0191d85eea3f978dc49c3449"], plan.Data.Select(d => d.Source.Key));
        Assert.Equal(["7792ecb4392a2d7e8aa5b668", "c4d1261ba1ceae6a83f8805e"], plan.Data.Select(d => d.Split!.Key));
        Assert.Equal(new Dictionary<string, string>
        {
            ["evaluate"] = "303912bfaeea3323733111e9",
            ["exact/rk4"] = "81f697ff2def8483e54a0eec",
            ["fit"] = "3e60ef1fec4c25038e14908c",
            ["fit2"] = "b37ee662fd6e9b28898fad4e",
            ["reference"] = "6a9912e17bdec35c31b7c7bd",
            ["resample"] = "a77e18d86cb1126d5f9b2d12",
            ["rollout/rk4"] = "dc50baf52f0cc7b64653a5c3",
            ["sample"] = "c3e654c16c09b06fca84ce3c",
        }, Keys(plan, 0));
        Assert.Equal(new Dictionary<string, string>
        {
            ["evaluate"] = "2713acc6103883a1d4ecc3f9",
            ["exact/rk4"] = "81f697ff2def8483e54a0eec",
            ["loss"] = "fa6fde79c050094f9397bd77",
            ["reference"] = "6a9912e17bdec35c31b7c7bd",
            ["rollout/rk4"] = "b47caa4772de2fb4087ebed3",
            ["train"] = "fa6fde79c050094f9397bd77",
        }, Keys(plan, 1));
        Assert.Equal("e720e1ae9d6920e0aabd96e7", Keys(plan, 2)["fit2"]);
        Assert.Equal("744bba5872f3487d4bca3981", Keys(plan, 3)["train"]);
        Assert.Equal("4e7cc9dfa2d97450e36cb4e4", Keys(plan, 3)["rollout/rk4"]);
    }

    /// <summary>
    /// Adding hig to a pinned pipeline adds its experiments only: every node of the pipeline without hig keeps its key
    /// (and so every pinned key above), and hig's experiment reads the same data nodes and truth as the others.
    /// </summary>
    [Theory]
    [InlineData(Quick, "model.methods=[elm, u-swim, a-swim, swim, hig]")]
    [InlineData(Mixed, "model.methods=[a-swim, adam, hig]")]
    public void AddingHigKeepsEveryOtherKey(string yaml, string methods)
    {
        var before = _box.Plan(yaml);
        var after = _box.Plan(yaml, methods);
        var others = after.Experiments.Where(e => e.Method.Name != "hig").ToList();
        Assert.Equal(before.Experiments.Select(e => e.Method.Name), others.Select(e => e.Method.Name));
        foreach (var (b, a) in before.Experiments.Zip(others))
        {
            Assert.Equal(ExperimentKeysOf(b, before.Truth), ExperimentKeysOf(a, after.Truth));
        }

        Assert.Equal(before.Nodes.Select(n => n.Id), after.Nodes.Where(n => before.Nodes.Any(b => b.Id == n.Id)).Select(n => n.Id));
        var hig = after.Experiments.Where(e => e.Method.Name == "hig").ToList();
        Assert.Equal(before.Data.Count, hig.Count);
        Assert.All(hig, e => Assert.Equal("hig-train", Assert.IsType<HigChain>(e.Chain).Train.Stage.Name));
        Assert.Equal(before.Nodes.Count + (hig.Count * (2 + (before.Truth?.Exact.Count ?? 0))), after.Nodes.Count);
    }

    [Fact]
    public void DataFileWithoutDomainKeepsItsKeys()
    {
        // pin-c: the first 4000 rows of the paper code's pendulum data (pipelines/examples/data), ELM's bias from the
        // training data (no domain), so the plan's facts read the file.
        var csv = Path.Combine(RepoRoot.Find(), "pipelines", "examples", "data", "pendulum-observations.csv");
        File.Copy(csv, Path.Combine(_box.Root, "obs.csv"));
        var plan = _box.Plan("""
            name: pin-c
            data: {file: obs.csv, test: 100, train: 400, seed: 1}
            anchor: {x0: [0, 0], h0: 0}
            model: {methods: [elm, u-swim, a-swim], widths: [25], seeds: [7]}
            solver: {backend: lapack}
            run: {store: store}
            """);
        Assert.Equal("737082ddcb480e1da2e641c0", plan.Data[0].Source.Key);
        Assert.Equal("ce3cb28bd320790bbf505d03", plan.Data[0].Split!.Key);
        Assert.Equal(new Dictionary<string, string> { ["evaluate"] = "275eb95821c1b5d8d8c1481b", ["fit"] = "694d5e807709f9ece3900f2c", ["sample"] = "c575770765e5d290732e19a5" }, Keys(plan, 0));
        Assert.Equal(new Dictionary<string, string>
        {
            ["evaluate"] = "05b881fea542acc55ebb0632",
            ["fit"] = "974e05884ad5a485568330e0",
            ["fit2"] = "9b00578e5dadfdc532be8d7b",
            ["resample"] = "2a00c4cbd413e807d2b99e83",
            ["sample"] = "43091b1f67c83ba23d0f215d",
        }, Keys(plan, 2));
    }

    [Fact]
    public void StreamedDataKeepItsKeys()
    {
        var plan = _box.Plan(Streamed);
        Assert.Equal("3a50982b7af67ddad176270b", plan.Data[0].Source.Key);
        Assert.Null(plan.Data[0].Split);
        Assert.Equal(new Dictionary<string, string> { ["evaluate"] = "86e65b3655a0ea407f77ce4a", ["fit"] = "dc964cad6c3d808443507df5", ["sample"] = "5edd33bcbc4171538f17a985" }, Keys(plan, 0));
        Assert.Equal(new Dictionary<string, string>
        {
            ["evaluate"] = "263c204c2e02267682efa3d3",
            ["fit"] = "f2524da9336c1b7cb1d0be33",
            ["fit2"] = "09d68badb0cbe7e7a5e2c35f",
            ["resample"] = "4cb3a7b2e6ee2d7d4078718b",
            ["sample"] = "cd368ec56dedee013b83146b",
        }, Keys(plan, 2));
        Assert.Equal("7c42bfb8075cb2c83f3f6204", Keys(plan, 3)["sample"]);
        Assert.Equal("c3b32d4cff427e7c677d19cc", Keys(plan, 3)["fit"]);
    }

    [Fact]
    public void EveryDeclaredStageHasOneVersionAndSystemIsAmongThem()
    {
        Assert.Equal(StageCatalog.All.Count, StageCatalog.Versions.Count);
        Assert.Equal(1, StageCatalog.Versions["system"]);
        Assert.Equal(2, StageCatalog.Versions["fit"]);
        Assert.False(StageCatalog.System.Stored);
        Assert.Equal(["train", "loss"], StageCatalog.Train.Artifacts);
    }

    [Fact]
    public void ManagedBackendChangesOnlyFitKeysAndWhatFollows()
    {
        var spec = _box.Load(Quick);
        var lapack = RunPlan.Build(spec, new PlanFacts(NativeBackend: true));
        var managed = RunPlan.Build(spec, new PlanFacts(NativeBackend: false));
        Assert.Equal(lapack.Data[0].Split!.Key, managed.Data[0].Split!.Key);
        Assert.Equal(((SampledChain)lapack.Experiments[0].Chain).Sample.Key, ((SampledChain)managed.Experiments[0].Chain).Sample.Key);
        Assert.NotEqual(((SampledChain)lapack.Experiments[0].Chain).Fit.Key, ((SampledChain)managed.Experiments[0].Chain).Fit.Key);
        Assert.Equal(lapack.Truth!.Reference.Key, managed.Truth!.Reference.Key);
    }
}
