using System.Text.Json;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>`hnn plan`: the DAG with keys and cache state, as text and JSON, before and after a run.</summary>
[Collection(CliCollection.Name)]
public sealed class PlanCommandTests : IDisposable
{
    private readonly CliSandbox _box = new();

    public void Dispose() => _box.Dispose();

    private const string Pipeline = """
        name: plan-small
        system: {name: mass-spring}
        domain: {q: [[-5, 5]], p: [[-5, 5]]}
        data: {train: 200, test: 50, seed: 3943}
        anchor: {x0: [1, 0], h0: 0}
        model: {methods: [u-swim, a-swim], widths: [20], seeds: [992472]}
        rollout: {steps: 10, integrators: [verlet]}
        solver: {backend: auto, mode: structured}
        """;

    private async Task<JsonElement> PlanJsonAsync(string path)
    {
        var r = await CliSandbox.InvokeAsync(["plan", path, "--store", _box.StoreRoot, "--json"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonSerializer.Deserialize<JsonElement>(r.Stdout);
    }

    [Fact]
    public async Task JsonListsEveryNodeAndWhichAreCachedBeforeAndAfterARun()
    {
        var path = _box.Write("p.yaml", Pipeline);
        var before = await PlanJsonAsync(path);
        Assert.Equal("plan-small", before.GetProperty("pipeline").GetString());
        var nodes = before.GetProperty("nodes").EnumerateArray().ToList();

        // generate, split, system, reference, exact verlet; U-SWIM: sample, fit, evaluate, rollout; A-SWIM shares U-SWIM's
        // sample and fit and adds resample, refit, evaluate, rollout.
        Assert.Equal(13, nodes.Count);
        Assert.Equal(["generate", "split", "system", "reference", "rollout", "sample", "fit", "evaluate", "rollout", "resample", "fit", "evaluate", "rollout"],
            nodes.Select(n => n.GetProperty("stage").GetString()));
        Assert.All(nodes, n => Assert.Equal(n.GetProperty("stage").GetString() == "system" ? "key-only" : "run", n.GetProperty("status").GetString()));
        var summary = before.GetProperty("summary");
        Assert.Equal((13, 0, 12, 1), (summary.GetProperty("nodes").GetInt32(), summary.GetProperty("cached").GetInt32(), summary.GetProperty("to_run").GetInt32(), summary.GetProperty("key_only").GetInt32()));

        // Inputs name earlier nodes; the split reads the generated data; params are in declaration order.
        var ids = nodes.Select(n => n.GetProperty("id").GetString()!).ToList();
        for (var i = 0; i < nodes.Count; i++)
        {
            Assert.All(nodes[i].GetProperty("inputs").EnumerateArray(), input => Assert.Contains(input.GetString()!, ids.Take(i)));
        }

        Assert.Equal([ids[0]], nodes[1].GetProperty("inputs").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(["train", "test", "seed"], nodes[1].GetProperty("params").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal("200", nodes[1].GetProperty("params")[0].GetProperty("value").GetString());

        var run = await _box.RunAsync(path, "run.parallelism=1");
        Assert.True(run.ExitCode == 0, run.ToString());
        var after = await PlanJsonAsync(path);
        Assert.Equal(ids, after.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()!));
        Assert.Equal(12, after.GetProperty("summary").GetProperty("cached").GetInt32());
        Assert.Equal(0, after.GetProperty("summary").GetProperty("to_run").GetInt32());

        // The plan's experiments name the keys the run recorded.
        var results = CliSandbox.Results(CliSandbox.RunDirectoryOf(run));
        foreach (var e in after.GetProperty("experiments").EnumerateArray())
        {
            var keys = results[$"{e.GetProperty("method").GetString()} w20 d3943 m992472"].GetProperty("keys");
            Assert.Equal("fit/" + keys.GetProperty(e.GetProperty("method").GetString() == "a-swim" ? "fit2" : "fit").GetString(), e.GetProperty("model").GetString());
            Assert.Equal("evaluate/" + keys.GetProperty("evaluate").GetString(), e.GetProperty("evaluate").GetString());
            Assert.Equal("rollout/" + keys.GetProperty("rollout/verlet").GetString(), e.GetProperty("rollouts").GetProperty("verlet").GetString());
        }

        // A changed setting: the fits and what follows would run again, the data and samples stay cached.
        var changed = await CliSandbox.InvokeAsync(["plan", path, "--store", _box.StoreRoot, "--json", "--set", "model.rcond=1e-10"]);
        var states = JsonSerializer.Deserialize<JsonElement>(changed.Stdout).GetProperty("nodes").EnumerateArray()
            .Select(n => (n.GetProperty("stage").GetString(), n.GetProperty("status").GetString())).ToList();
        Assert.Equal(("sample", "cached"), states[5]);
        Assert.Equal(("fit", "run"), states[6]);
        Assert.Equal(("resample", "run"), states[9]);
    }

    [Fact]
    public async Task TextNamesEveryNodeWithItsStateAndBadInputIsExitTwo()
    {
        var path = _box.Write("p.yaml", Pipeline);
        var r = await CliSandbox.InvokeAsync(["plan", path, "--store", _box.StoreRoot]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("plan plan-small: 13 nodes, 0 cached, 12 to run, 1 key only", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("  key-only system/", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("experiments (2):", r.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_box.ArtifactsDirectory), "plan must not write the store");

        var bad = await CliSandbox.InvokeAsync(["plan", path, "--store", _box.StoreRoot, "--set", "model.rcond=-1"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("model.rcond", bad.Stderr, StringComparison.Ordinal);
    }
}
