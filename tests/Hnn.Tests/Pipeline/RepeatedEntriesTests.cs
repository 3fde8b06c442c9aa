using Hnn.Pipeline.Cli;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// A list where a repeat means nothing (methods, widths, seeds, rollout states and integrators, sweep values, list
/// options) is refused at the repeated entry with one line (exit 2), not merged silently (audit of 2026-12-03: each
/// of these ran, deduplicated). Two spellings of one value (a method's or an integrator's alias, 1e-3 and 0.001) are a repeat.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class RepeatedEntriesTests
{
    public static TheoryData<string, string, string, string[], string[]> Cases => new()
    {
        { "width", string.Empty, string.Empty, ["model.widths=[100, 200, 100]"], ["{file}: model.widths[2]: 100 appears twice (each width once; first at model.widths[0])"] },
        { "width three times", string.Empty, string.Empty, ["model.widths=[100, 100, 100]"], ["model.widths[1]: 100 appears 3 times"] },
        { "method", string.Empty, string.Empty, ["model.methods=[elm, swim, elm]"], ["model.methods[2]: elm appears twice (each method once"] },
        { "method alias", string.Empty, string.Empty, ["model.methods=[a-swim, aswim]"], ["model.methods[1]: 'aswim' (a-swim) appears twice (each method once; first at model.methods[0])"] },
        { "method case", string.Empty, string.Empty, ["model.methods=[elm, ELM]"], ["model.methods[1]: 'ELM' (elm) appears twice"] },
        { "baseline", string.Empty, string.Empty, ["model.methods=[elm, adam, adam]"], ["model.methods[2]: adam appears twice"] },
        { "model seed", string.Empty, string.Empty, ["model.seeds=[1, 2, 1]"], ["model.seeds[2]: 1 appears twice (each seed once"] },
        { "data seed", string.Empty, string.Empty, ["data.seed=null", "data.seeds=[5, 5]"], ["data.seeds[1]: 5 appears twice (each seed once"] },
        { "integrator alias", string.Empty, string.Empty, ["rollout.integrators=[verlet, euler, leapfrog]"], ["rollout.integrators[2]: 'leapfrog' (verlet) appears twice (each integrator once; first at rollout.integrators[0])"] },
        { "rollout state", string.Empty, string.Empty, ["rollout.initial=[[1.5, 0], [0, 1], [1.5, 0.0]]"], ["rollout.initial[2]: [1.5, 0] appears twice (each state once"] },
        { "sweep value", "run:\n  parallelism: 1", "run:\n  parallelism: 1\nsweep:\n  model.rcond: [1.0e-3, 1.0e-10, 0.001]", [], ["{file}: sweep.model.rcond[2]: 0.001 appears twice (each value once; first at sweep.model.rcond[0])"] },
        { "in the file", "widths: [100]", "widths: [100, 100]", [], ["{file}:", "model.widths[1]: 100 appears twice"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_repeated_entry_exits_2_naming_it(string name, string find, string replace, string[] sets, string[] expected)
    {
        using var box = new CliSandbox();
        Assert.True(find.Length == 0 || CliSandbox.SmallPipeline.Contains(find, StringComparison.Ordinal), $"{name}: '{find}' not in the pipeline");
        var pipeline = box.Write("p.yaml", find.Length == 0 ? CliSandbox.SmallPipeline : CliSandbox.SmallPipeline.Replace(find, replace, StringComparison.Ordinal));

        var v = await CliSandbox.InvokeAsync(["validate", pipeline, .. sets.SelectMany(s => new[] { "--set", s })]);

        CliAssert.BadInput(v, [.. expected.Select(e => e.Replace("{file}", pipeline, StringComparison.Ordinal))]);
    }

    [Fact]
    public async Task The_same_lists_without_a_repeat_validate()
    {
        // The cases above minus their repeat: only the repeat is refused.
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var v = await CliSandbox.InvokeAsync(["validate", pipeline, "--set", "model.widths=[100, 200]", "--set", "model.methods=[a-swim, elm, adam]", "--set", "model.seeds=[1, 2]",
            "--set", "rollout.integrators=[verlet, euler]", "--set", "rollout.initial=[[1.5, 0], [0, 1]]"]);
        Assert.True(v.ExitCode == Commands.Ok, v.ToString());
    }

    public static TheoryData<string[], string[]> OptionCases => new()
    {
        { ["limited-data", "--h", "0.1,0.2,0.10"], ["--h '0.1,0.2,0.10': 0.1 appears twice (each step once)"] },
        { ["limited-data", "--formulations", "midpoint,midpoint"], ["--formulations 'midpoint,midpoint': midpoint appears twice (each formulation once)"] },
        { ["learned-systems", "--systems", "kepler,fput,kepler"], ["--systems 'kepler,fput,kepler': kepler appears twice (each system once)"] },
        { ["hdnn", "--seeds", "1,2,1"], ["--seeds '1,2,1': 1 appears twice (each seed once)"] },
        { ["hig", "--hnn", "{pipeline}", "--seeds", "3,3"], ["--seeds '3,3': 3 appears twice (each seed once)"] },
        { ["hdnn", "{hdnn}", "--validate"], ["{hdnn}: hdnn.models is [H1J1, h1j1]", "each model once ('H1J1' appears twice)"] },
        { ["hig", "{hig}", "--validate"], ["{hig}: hig.seeds: 4 appears twice (each seed once)"] },
    };

    [Theory]
    [MemberData(nameof(OptionCases))]
    public async Task A_repeated_list_option_or_study_entry_exits_2(string[] args, string[] expected)
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var hdnn = box.Write("h.yaml", "hdnn:\n  points: 16\n  models: [H1J1, h1j1]\n");
        var hig = box.Write("hig.yaml", "hig:\n  seeds: [4, 5, 4]\n");
        string Fill(string a) => a.Replace("{pipeline}", pipeline, StringComparison.Ordinal).Replace("{hdnn}", hdnn, StringComparison.Ordinal).Replace("{hig}", hig, StringComparison.Ordinal);

        var r = await CliSandbox.InvokeAsync([.. args.Select(Fill)]);

        CliAssert.BadInput(r, [.. expected.Select(Fill)]);
        Assert.Equal(string.Empty, r.Stdout);
    }
}
