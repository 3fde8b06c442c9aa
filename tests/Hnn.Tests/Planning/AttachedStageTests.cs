using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Planning;
using Hnn.Pipeline.Store;
using Hnn.Stages.Numerics;
using Hnn.Stages.Sampling;
using Xunit;

namespace Hnn.Tests.Planning;

/// <summary>
/// A stage declared once (name, version, codec, key parameters, compute over the model and the data) and attached to
/// every experiment: the plan appends and binds its nodes, the executor loads or computes them like any node.
/// </summary>
public sealed class AttachedStageTests
{
    private const string Pipeline = """
        name: attached
        system:
          name: mass-spring
        domain:
          q: [[-5, 5]]
          p: [[-5, 5]]
        data:
          train: 400
          test: 150
          seed: 3943
        anchor:
          x0: [1, 0]
          h0: 0
        model:
          methods: [u-swim, a-swim]
          widths: [40]
          seeds: [992472]
        run:
          parallelism: 2
        """;

    /// <summary>The test diagnostic: max |H-hat - H| over the test set, with a key parameter (its norm).</summary>
    private static readonly ExperimentStage<double> MaxTestError = new(
        new StageDecl<double>("test-max-error", 1, new StageCodec<double>(v => Table.FromDoubles([("max_abs_H", [v])]), (t, _) => t.Column("max_abs_H")[0])),
        _ => [new("norm", "max")],
        (model, data, run) => Task.FromResult(MaxAbs(model.Energy(data.Test.X), data.Test.H)));

    private static double MaxAbs(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    [Fact]
    public void The_declared_stage_adds_one_node_per_experiment_reading_the_model_and_the_data_and_changes_no_other_key()
    {
        using var box = new PlanSandbox();
        var spec = box.Load(Pipeline);
        var facts = PlanFacts.Gather(spec, nativeBackend: true);
        var plain = RunPlan.Build(spec, facts);
        var extended = RunPlan.Build(spec, facts, [MaxTestError]);

        Assert.Equal(plain.Nodes.Select(n => n.Id), extended.Nodes.Where(n => n.Stage.Name != "test-max-error").Select(n => n.Id));
        Assert.Equal(plain.Experiments.Count, extended.Nodes.Count(n => n.Stage.Name == "test-max-error"));
        foreach (var e in extended.Experiments)
        {
            var a = Assert.Single(e.Attached);
            Assert.Same(MaxTestError, a.Stage);
            Assert.Equal([e.Chain.Model.Id, e.Data.Node.Id], a.Node.Inputs.Select(i => i.Id));
            Assert.Equal([new KeyValuePair<string, string>("norm", "max")], a.Node.Parameters);
        }

        // The key is derived from the declaration: another version is another key.
        var v2 = MaxTestError with { Decl = MaxTestError.Decl with { Version = 2 } };
        var bumped = RunPlan.Build(spec, facts, [v2]);
        Assert.NotEqual(extended.Experiments[0].Attached[0].Node.Key, bumped.Experiments[0].Attached[0].Node.Key);
        Assert.Equal(extended.Experiments[0].Evaluate.Key, bumped.Experiments[0].Evaluate.Key);
    }

    [Fact]
    public async Task The_executor_computes_stores_and_then_loads_the_declared_stage_from_the_model_and_test_set_it_was_given()
    {
        using var box = new PlanSandbox();
        var spec = box.Load(Pipeline);
        var la = new ManagedLinearAlgebra();
        var plan = RunPlan.Build(spec, PlanFacts.Gather(spec, la.IsNative), [MaxTestError]);
        var store = new ArtifactStore(Path.Combine(box.Root, "store"));

        var runner = new PipelineRunner(store, la, Serilog.Core.Logger.None);
        var results = await runner.RunAsync(plan, CancellationToken.None);
        Assert.Equal(2, results.Count);

        // Expected value: recomputed here from the artifacts the run stored (the model's fit, the data and the split).
        var d = plan.Data[0];
        var data = StageCodecs.DataSet.Decode((await store.TryReadAsync("generate", d.Source.Key))!, 2);
        var split = StageCodecs.Split.Decode((await store.TryReadAsync("split", d.Split!.Key))!, 2);
        var test = DataSplit.Take(data, split.Test);
        foreach (var (e, r) in plan.Experiments.Zip(results))
        {
            var node = e.Attached[0].Node;
            Assert.Equal(node.Key, r.Keys["test-max-error"]);
            var model = StageCodecs.Fit.Decode((await store.TryReadAsync("fit", e.Chain.Model.Key))!, 2).Network;
            var stored = MaxTestError.Decl.Codec.Decode((await store.TryReadAsync("test-max-error", node.Key))!, 2);
            Assert.Equal(MaxAbs(model.Energy(test.X), test.H), stored, 15);
            Assert.Contains(runner.Records, s => s.Stage == "test-max-error" && s.Key == node.Key && !s.Cached);
        }

        // A second executor on the same store loads every node, the declared stage's included.
        var again = new PipelineRunner(store, la, Serilog.Core.Logger.None);
        var cached = await again.RunAsync(plan, CancellationToken.None);
        Assert.All(cached, r => Assert.True(r.FromCache));
        Assert.Equal(2, again.Records.Count(s => s.Stage == "test-max-error" && s.Cached));
        Assert.DoesNotContain(again.Records, s => !s.Cached);
    }
}
