using Hnn.Pipeline.Config;
using Hnn.Stages.Rollout;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>The typed values the section binders produce, and the README's documented defaults against the binders'.</summary>
public sealed class ConfigSectionsTests
{
    private static PipelineSpec Load(params string[] sets)
    {
        using var box = new CliSandbox();
        return PipelineLoader.Load(box.Write("p.yaml", CliSandbox.SmallPipeline), sets);
    }

    [Theory]
    [InlineData("auto", SolverBackend.Auto)]
    [InlineData("lapack", SolverBackend.Lapack)]
    [InlineData("managed", SolverBackend.Managed)]
    public void Backend_is_parsed_once_and_keeps_its_name(string name, SolverBackend expected)
    {
        var solver = Load($"solver.backend={name}").Solver;
        Assert.Equal(expected, solver.BackendKind);
        Assert.Equal(name, solver.Backend);
    }

    [Fact]
    public void Integrators_are_parsed_once_and_written_by_their_config_names()
    {
        // "leapfrog" is Verlet's other spelling (Integrators.TryParse), written by its config name; a repeat (also by
        // another spelling) is refused (RepeatedEntriesTests), no longer collapsed.
        var rollout = Load("rollout.integrators=[rk4, leapfrog]").Rollout!;
        Assert.Equal([Integrator.Rk4, Integrator.Verlet], rollout.IntegratorKinds);
        Assert.Equal(["rk4", "verlet"], rollout.Integrators);
    }

    [Theory]
    [InlineData("rollout.initial=[[1, 0, 2]]", "rollout.initial[0]: has 3 coordinates; 2 are needed (q1..q1, p1..p1)")]
    [InlineData("rollout.initial=[[1, 0], [2]]", "rollout.initial[1]: has 1 coordinates; 2 are needed (q1..q1, p1..p1)")]
    [InlineData("anchor.x0=[1, 0, 0]", "anchor.x0: has 3 coordinates; system 'mass-spring' has 1 degree(s) of freedom, so 2 are needed (q then p)")]
    public void States_are_checked_against_the_degrees_of_freedom(string set, string expected)
    {
        var e = Assert.Throws<InputException>(() => Load(set));
        Assert.EndsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_system_is_built_once_by_the_loader()
    {
        var system = Load("system.params={k: 2}").System!;
        Assert.Same(system.Build(), system.Build());
        Assert.Equal(2, system.Build().Parameters["k"]);

        // A spec made without the loader builds its system from the name and parameters.
        var made = new SystemSpec(system.Name, system.Parameters);
        Assert.Equal(system.Build(), made.Build());
    }

    [Fact]
    public void Truncation_defaults_to_svd_and_pivoted_qr_is_refused_with_the_full_solve()
    {
        Assert.Equal("svd", Load().Solver.Truncation.Name);
        Assert.Equal("svd", Load("solver.truncation=svd").Solver.Truncation.Name);
        Assert.Equal("pivoted-qr", Load("solver.truncation=pivoted-qr").Solver.Truncation.Name);
        var refused = Assert.Throws<InputException>(() => Load("solver.truncation=pivoted-qr", "solver.mode=full"));
        Assert.Contains("solver.truncation: pivoted-qr truncates the structured solve's reduced triangle and is not allowed with solver.mode: full", refused.Message, StringComparison.Ordinal);
        var bad = Assert.Throws<InputException>(() => Load("solver.truncation=qr"));
        Assert.Contains("solver.truncation: 'qr' is not allowed; allowed: svd, pivoted-qr", bad.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The README's config block (the documented contract) shows each default below as its value; the binders hold the
    /// defaults, so a default changed in one place and not the other fails here.
    /// </summary>
    [Fact]
    public void The_readme_config_block_shows_the_binders_defaults()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot.Find(), "README.md"));
        var start = readme.IndexOf("```yaml\nname: quickstart", StringComparison.Ordinal);
        Assert.True(start >= 0, "README config block not found");
        start += "```yaml\n".Length;
        var block = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
        var root = (MapNode)ConfigNode.Parse(block, "README.md");
        string? Value(string path)
        {
            ConfigNode? node = root;
            foreach (var key in path.Split('.'))
            {
                node = (node as MapNode)?[key];
            }

            return node switch
            {
                ScalarNode s => s.Value,
                ListNode l => "[" + string.Join(", ", l.Items.Select(i => ((ScalarNode)i).Value)) + "]",
                _ => null,
            };
        }

        double Number(string path) => double.Parse(Value(path)!, System.Globalization.CultureInfo.InvariantCulture);

        var d = Load("model.methods=[adam]", "model.widths=[10]");
        Assert.Equal(d.Solver.Backend, Value("solver.backend"));
        Assert.Equal(SolverSection.ModeName(d.Solver.Mode), Value("solver.mode"));
        Assert.Equal(d.Solver.ChunkRows, Number("solver.chunk_rows"));
        Assert.Equal(d.Solver.Lanes, Number("solver.lanes"));
        Assert.Equal(d.Solver.Truncation.Name, Value("solver.truncation"));
        Assert.Equal(RunSection.DefaultStore, Value("run.store"));
        Assert.Equal(RunSection.DefaultParallelism, Number("run.parallelism"));
        Assert.Equal(d.Run.Executor, Value("run.executor"));
        Assert.Null(d.Run.Cluster); // unset: the executor reaches ClusterAddress.Default, which the README shows
        Assert.Equal(Hnn.Cluster.ClusterAddress.Default.ToString(), Value("run.cluster"));
        Assert.Equal(AdamSpec.Default.LearningRate, Number("adam.learning_rate"));
        Assert.Equal(AdamSpec.Default.BatchSize, Number("adam.batch_size"));
        Assert.Equal(AdamSpec.Default.WeightDecay, Number("adam.weight_decay"));
        Assert.Equal(AdamSpec.Default.Steps, Number("adam.steps"));
        Assert.Equal(AdamSection.InitName(AdamSpec.Default.Init), Value("adam.init"));
        Assert.Equal(RolloutSection.DefaultCount, Number("rollout.count"));
        Assert.Equal(RolloutSection.DefaultSeed, Number("rollout.seed"));
        Assert.Equal(RolloutSection.DefaultDt, Number("rollout.dt"));
        Assert.Equal(RolloutSection.DefaultSteps, Number("rollout.steps"));
        Assert.Equal("[" + string.Join(", ", RolloutSection.DefaultIntegrators.Select(i => i.ToName())) + "]", Value("rollout.integrators"));
        Assert.Equal(RolloutSection.DefaultReferenceTolerance, Number("rollout.reference_tol"));
        Assert.Equal(ModelSection.DefaultRcond, Number("model.rcond"));
        Assert.Equal("[" + string.Join(", ", ModelSection.DefaultMethods.Select(m => m.Name)) + "]", Value("model.methods"));
        Assert.Equal(1, Number("model.a_swim_first.train_fraction"));
        Assert.Equal(1, Number("model.a_swim_first.width_fraction"));
    }
}
