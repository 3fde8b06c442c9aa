using Hnn.Pipeline.Config;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// A config problem names the file, the YAML line, the key, the value and what is allowed. Line numbers are of
/// <see cref="CliSandbox.SmallPipeline"/> (1-based, as YamlDotNet's Mark.Line; line 8 is "train: 600", 15 "methods",
/// 16 "widths", 18 "rcond", 21 "mode").
/// </summary>
public sealed class ConfigLineTests
{
    private static string Problem(string find, string replace, params string[] sets)
    {
        using var box = new CliSandbox();
        Assert.Contains(find, CliSandbox.SmallPipeline, StringComparison.Ordinal);
        var path = box.Write("p.yaml", CliSandbox.SmallPipeline.Replace(find, replace, StringComparison.Ordinal));
        var e = Assert.Throws<InputException>(() => PipelineLoader.Load(path, sets));
        Assert.DoesNotContain('\n', e.Message);
        return e.Message.Replace(path, "p.yaml", StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_key_names_its_line() =>
        Assert.Equal("p.yaml:19: model.rcondd: unknown key; did you mean 'model.rcond'?", Problem("rcond: 1.0e-13", "rcond: 1.0e-13\n  rcondd: 1"));

    [Fact]
    public void Bad_enum_names_its_line_and_the_allowed_values() =>
        Assert.Equal("p.yaml:21: solver.mode: 'fulll' is not allowed; allowed: structured, full (did you mean 'full'?)", Problem("mode: structured", "mode: fulll"));

    [Fact]
    public void Out_of_range_number_names_its_line() =>
        Assert.Equal("p.yaml:8: data.train: '1' is not allowed: must be an integer in [2, 536870911]", Problem("train: 600", "train: 1"));

    [Fact]
    public void Per_part_weight_scales_need_a_separable_layer_and_are_checked_each() =>
        Assert.Equal(
            ["p.yaml:19: model.weight_scale: a map {q, p} of per-part scales is allowed only with model.separable: true (else one number, e.g. 0.5)",
             "p.yaml:19: model.weight_scale.p: 0 is not allowed: must be in (0, 1000000] (1 = the published samplers)",
             "p.yaml:19: model.separable: 'yes' is not allowed; allowed: true, false"],
            [Problem("rcond: 1.0e-13", "rcond: 1.0e-13\n  weight_scale: {q: 2, p: 0.01}"),
             Problem("rcond: 1.0e-13", "rcond: 1.0e-13\n  separable: true\n  weight_scale: {q: 2, p: 0}").Replace("p.yaml:20:", "p.yaml:19:", StringComparison.Ordinal),
             Problem("rcond: 1.0e-13", "rcond: 1.0e-13\n  separable: 'yes'")]);

    [Fact]
    public void Weight_scale_out_of_range_names_its_line_and_the_range() =>
        Assert.Equal("p.yaml:19: model.weight_scale: 0 is not allowed: must be in (0, 1000000] (1 = the published samplers)",
            Problem("rcond: 1.0e-13", "rcond: 1.0e-13\n  weight_scale: 0"));

    [Fact]
    public void Wrong_type_names_its_line() =>
        Assert.Equal("p.yaml:18: model.rcond: 'abc' is not a number", Problem("rcond: 1.0e-13", "rcond: abc"));

    [Fact]
    public void List_item_names_the_line_of_the_item()
    {
        var message = Problem("methods: [elm, u-swim, a-swim, swim]", "methods:\n    - elm\n    - swimm");
        // The allowed names come from the method registry (Method.All), so a new sampler's registration adds its name
        // here without a test edit; today's methods lead the list in their registered order.
        var allowed = string.Join(", ", Hnn.Pipeline.Planning.Method.All.Select(m => m.Name));
        Assert.StartsWith("elm, u-swim, a-swim, swim, adam, hig", allowed, StringComparison.Ordinal);
        Assert.Equal($"p.yaml:17: model.methods[1]: 'swimm' is not a method; allowed: {allowed} (did you mean 'swim'?)", message);
    }

    [Fact]
    public void Missing_key_names_the_line_where_its_section_starts() =>
        Assert.Equal("p.yaml:8: data.test: is required (number of test points, at least 1)", Problem("  test: 200\n", string.Empty));

    [Fact]
    public void A_set_value_has_no_line() =>
        Assert.Equal("p.yaml: model.widths[0]: '0' is not allowed: must be an integer in [1, 1000000]", Problem("name: small", "name: small", "model.widths=[0]"));

    [Fact]
    public void A_key_from_an_include_names_the_included_file_and_line()
    {
        using var box = new CliSandbox();
        var inc = box.Write("inc.yaml", "# shared\nsolver:\n  lanes: 0\n");
        var path = box.Write("p.yaml", "include: [inc.yaml]\n" + CliSandbox.SmallPipeline);
        var e = Assert.Throws<InputException>(() => PipelineLoader.Load(path));
        Assert.Equal($"{path}: solver.lanes (in {inc}:3): '0' is not allowed: must be an integer in [1, 256]", e.Message);
    }

    [Fact]
    public void Every_problem_names_its_own_line()
    {
        var message = Problem("train: 600", "train: 1", "solver.lanes=0");
        Assert.StartsWith("2 problems: p.yaml:8: data.train: ", message, StringComparison.Ordinal);
        Assert.Contains("; p.yaml: solver.lanes: '0' is not allowed", message, StringComparison.Ordinal);
    }

    /// <summary>The small pipeline with a rollout section (after "run:"), for the --set key=null cases.</summary>
    private static string WithRollout(CliSandbox box) =>
        box.Write("p.yaml", CliSandbox.SmallPipeline + "\nrollout:\n  dt: 0.02\n  steps: 10\n");

    [Fact]
    public void Set_null_removes_an_optional_section()
    {
        using var box = new CliSandbox();
        var path = WithRollout(box);
        Assert.NotNull(PipelineLoader.Load(path).Rollout);
        Assert.Null(PipelineLoader.Load(path, ["rollout=null"]).Rollout);
        Assert.Null(PipelineLoader.Load(path, ["rollout=~"]).Rollout);

        // A later --set puts it back; a removed key takes its default (rollout.dt's is 0.01).
        Assert.NotNull(PipelineLoader.Load(path, ["rollout=null", "rollout={steps: 5}"]).Rollout);
        Assert.Equal(0.01, PipelineLoader.Load(path, ["rollout.dt=null"]).Rollout!.Dt);
    }

    /// <summary>Each case: the --set that removes a key, and the exact one-line message ("p.yaml" is the pipeline).</summary>
    public static TheoryData<string, string> RemovalProblems => new()
    {
        // a required key removed is reported as missing, at the line of its section
        { "data.train=null", "p.yaml:8: data.train: is required (number of training points, at least 2)" },
        // a key that is not set: nothing to remove (a misspelt removal is not a silent no-op)
        { "rolout=null", "p.yaml: --set rolout=null: rolout is not set in the pipeline or its includes, so there is nothing to remove (did you mean 'rollout'?); null removes a key that is set (its default then applies)" },
        { "rollout.t_end=null", "p.yaml: --set rollout.t_end=null: rollout.t_end is not set in the pipeline or its includes, so there is nothing to remove; null removes a key that is set (its default then applies)" },
        { "data.seed.x=null", "p.yaml: --set data.seed.x=null: 'data.seed' is not a mapping, so it has no key 'x' to remove" },
        // an empty value is still a value, not a removal
        { "data.train=", "p.yaml: data.train: an empty value is not a number" },
    };

    [Theory]
    [MemberData(nameof(RemovalProblems))]
    public void Set_null_of_a_required_or_absent_key_is_one_clear_line(string set, string expected)
    {
        using var box = new CliSandbox();
        var path = WithRollout(box);
        var e = Assert.Throws<InputException>(() => PipelineLoader.Load(path, [set]));
        Assert.Equal(expected, e.Message.Replace(path, "p.yaml", StringComparison.Ordinal));
    }

    /// <summary>System parameters: an unknown one is an unknown key (with its line); a value out of the system's range names the key and the range; an invalid system section does not add "rollout: needs a system".</summary>
    public static TheoryData<string, string, string> SystemProblems => new()
    {
        { "name: mass-spring", "name: single-pendulum\n  params: {f: -1}", "p.yaml:4: system.params.f: -1 is not allowed for system 'single-pendulum'; allowed: finite and > 0" },
        { "name: mass-spring", "name: mass-spring\n  params:\n    kk: 2", "p.yaml:5: system.params.kk: unknown key; allowed keys: k, m, q_eq" },
        { "name: mass-spring", "name: double-pendulum\n  params: {m1: 2}", "p.yaml:4: system.params.m1: unknown key; system 'double-pendulum' takes no parameters (remove system.params)" },
    };

    [Theory]
    [MemberData(nameof(SystemProblems))]
    public void System_parameter_problems_name_the_parameter(string find, string replace, string expected)
    {
        using var box = new CliSandbox();
        var yaml = CliSandbox.SmallPipeline.Replace(find, replace, StringComparison.Ordinal) + "\nrollout:\n  steps: 10\n";
        var path = box.Write("p.yaml", yaml);
        var e = Assert.Throws<InputException>(() => PipelineLoader.Load(path));
        Assert.Equal(expected, e.Message.Replace(path, "p.yaml", StringComparison.Ordinal));
    }
}
