using Hnn.Pipeline.Cli;
using Xunit;

namespace Hnn.Tests.Pipeline;

[Collection(CliCollection.Name)]
public sealed class BadInputTests
{
    /// <summary>
    /// Each case: how to break <see cref="CliSandbox.SmallPipeline"/> (a text replacement in the file, or --set
    /// overrides), and fragments the one-line message must contain (case-insensitive).
    /// "{file}" stands for the pipeline's path.
    /// </summary>
    public static TheoryData<string, string, string, string[], string[]> Cases => new()
    {
        { "unknown system", "name: mass-spring", "name: mass-sprin", [], ["system.name", "'mass-sprin'", "did you mean 'mass-spring'"] },
        { "unknown method", string.Empty, string.Empty, ["model.methods=[elm, swimm]"], ["model.methods[1]", "'swimm'", "did you mean 'swim'"] },
        { "width 0", string.Empty, string.Empty, ["model.widths=[0]"], ["model.widths[0]", "'0'", "integer in [1,"] },
        { "width -5", "widths: [100]", "widths: [-5]", [], ["{file}", "model.widths[0]", "'-5'"] },
        { "empty domain", "q: [[-5, 5]]", "q: [[1, 1]]", [], ["{file}", "domain.q[0]", "[1, 1] is empty"] },
        { "inverted domain", "p: [[-5, 5]]", "p: [[5, -5]]", [], ["domain.p[0]", "[5, -5] is inverted"] },
        { "train 1", "train: 600", "train: 1", [], ["data.train", "'1'"] },
        { "unbalanced brackets", "q: [[-5, 5]]", "q: [[-5, 5]", [], ["{file}", "malformed yaml"] },
        { "unclosed flow mapping", "system:\n  name: mass-spring", "system: {name: mass-spring", [], ["{file}", "malformed yaml"] },
        { "unknown top-level key", "model:", "modle:", [], ["{file}", "modle", "did you mean 'model'"] },
        { "unknown nested key", "widths: [100]", "widht: [100]", [], ["{file}", "model.widht", "did you mean 'model.widths'"] },
        { "wrong dof for henon-heiles", "name: mass-spring", "name: henon-heiles", ["anchor.x0=[0, 0, 0, 0]"], ["domain", "'q' has 1 interval", "henon-heiles", "2 degree(s) of freedom"] },
        { "--set without =", string.Empty, string.Empty, ["model.widths"], ["--set 'model.widths'", "key.path=value"] },
        { "--set of an unknown key", string.Empty, string.Empty, ["model.widht=[3]"], ["model.widht", "did you mean 'model.widths'"] },
        { "non-finite rcond", string.Empty, string.Empty, ["model.rcond=.nan"], ["model.rcond", "finite"] },

        // Session-6 keys (audit of 2026-12-03; a list as run.distributed_fit said "must be a string").
        { "distributed_fit yes", string.Empty, string.Empty, ["run.distributed_fit=yes"], ["{file}: run.distributed_fit: 'yes' is not allowed; allowed: true, false"] },
        { "distributed_fit list", string.Empty, string.Empty, ["run.distributed_fit=[true]"], ["{file}: run.distributed_fit: a list is not allowed; allowed: true, false (default false)"] },
        { "distributed_fit local", string.Empty, string.Empty, ["run.distributed_fit=true"], ["run.distributed_fit: true is allowed only with run.executor: orleans"] },
        { "weight_scale 0", string.Empty, string.Empty, ["model.weight_scale=0"], ["model.weight_scale: 0 is not allowed: must be in (0, 1000000]"] },
        { "weight_scale too large", string.Empty, string.Empty, ["model.weight_scale=1e7"], ["model.weight_scale: 10000000 is not allowed: must be in (0, 1000000]"] },
        { "weight_scale text", string.Empty, string.Empty, ["model.weight_scale=abc"], ["model.weight_scale: 'abc' is not a number"] },
        { "error_bars without trajectories", string.Empty, string.Empty, ["model.error_bars=trajectories"], ["model.error_bars: is only allowed with data.trajectories"] },
        { "regularisation without trajectories", string.Empty, string.Empty, ["model.regularisation={auto: {criterion: gcv}}"], ["model.regularisation: is only allowed with data.trajectories"] },
        { "rollout_integrator without trajectories", string.Empty, string.Empty, ["model.rollout_integrator=dop853"], ["model.rollout_integrator: is only allowed with data.trajectories"] },
        { "separable with adam only", string.Empty, string.Empty, ["model.methods=[adam]", "model.separable=true"], ["model.separable: applies to the sampled methods (elm, u-swim, swim, a-swim) only; model.methods lists none of them"] },
        { "weight scale with hig only", string.Empty, string.Empty, ["model.methods=[hig]", "model.weight_scale=0.5"], ["model.weight_scale: applies to the sampled methods (elm, u-swim, swim, a-swim) only; model.methods lists none of them"] },
    };

    /// <summary>
    /// The trajectory path's keys on the shipped example (validate only): each bad value, type or combination is one
    /// line naming the key, the value and what is allowed.
    /// </summary>
    public static TheoryData<string[], string> TrajectoryCases => new()
    {
        { ["model.error_bars=foo"], "model.error_bars: 'foo' is not allowed; allowed: residual, trajectories" },
        { ["model.rollout_integrator=rk4"], "model.rollout_integrator: 'rk4' is not allowed; allowed: scheme, dop853" },
        { ["model.error_bars=trajectories", "model.regularisation={auto: {criterion: gcv}}", "data.trajectories.validation=0"], "model.error_bars: trajectories needs validation trajectories: set data.trajectories.validation to at least 1" },
        { ["model.regularisation={auto: {criterion: foo}}"], "model.regularisation.auto.criterion: 'foo' is not allowed; allowed: validation, gcv, validation-domain" },
        { ["model.regularisation={auto: {kind: lasso}}"], "model.regularisation.auto.kind: 'lasso' is not allowed; allowed: rcond, ridge" },
        { ["model.regularisation={auto: {criterion: validation-domain}}", "data.trajectories.validation=0"], "data.trajectories.validation: 0 is not allowed with model.regularisation auto by validation-domain: at least one validation trajectory is needed (or use criterion: gcv)" },
        { ["model.regularisation={ridge: {lambda: -1}}"], "model.regularisation.ridge.lambda: -1 is not allowed: must be >= 0" },
        { ["model.regularisation={ridge: 1e-8}"], "model.regularisation.ridge: '1e-8' is not allowed: must be a mapping, e.g. ridge: {lambda: 1e-8}" },
        { ["model.regularisation={rcond: 1e-10}"], "model.regularisation.rcond: '1e-10' is not allowed: rcond takes no value here (its value is model.rcond)" },
        { ["model.regularisation=lasso"], "model.regularisation: 'lasso' is not allowed; allowed: rcond, ridge, auto" },
        { ["model.regularisation={auto: {criterion: gcv, folds: 5}}"], "model.regularisation.auto.folds: unknown key" },
    };

    [Theory]
    [MemberData(nameof(TrajectoryCases))]
    public async Task Bad_trajectory_setting_exits_2_with_one_line(string[] sets, string expected)
    {
        var pipeline = Path.Combine(RepoRoot.Find(), "pipelines", "examples", "pendulum-trajectories.yaml");
        var r = await CliSandbox.InvokeAsync(["validate", pipeline, .. sets.SelectMany(s => new[] { "--set", s })]);
        CliAssert.BadInput(r, [$"{pipeline}: {expected}"]);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_pipeline_exits_2_with_one_line_naming_the_problem(string name, string find, string replace, string[] sets, string[] expected)
    {
        using var box = new CliSandbox();
        Assert.True(find.Length == 0 || CliSandbox.SmallPipeline.Contains(find, StringComparison.Ordinal), $"{name}: '{find}' not in the pipeline");
        var pipeline = box.Write("p.yaml", find.Length == 0 ? CliSandbox.SmallPipeline : CliSandbox.SmallPipeline.Replace(find, replace, StringComparison.Ordinal));

        var r = await box.RunAsync(pipeline, sets);

        CliAssert.BadInput(r, expected.Select(e => e.Replace("{file}", pipeline, StringComparison.Ordinal)).ToArray());
        Assert.False(Directory.Exists(box.StoreRoot), "nothing may be run (or stored) for an invalid pipeline");

        // validate reports the same.
        var v = await CliSandbox.InvokeAsync(["validate", pipeline, .. sets.SelectMany(s => new[] { "--set", s })]);
        Assert.Equal(r.Stderr, v.Stderr);
        Assert.Equal(Commands.BadInput, v.ExitCode);
    }

    /// <summary>
    /// Command-line options of every command (found by the audit of 2026-12-03: each of these gave a .NET type name,
    /// a second line, a stack trace (hdnn --seeds ",", a file as --store of run and hdnn), exit 1 (bench --export on a file) or ran with the value
    /// (hdnn --readout foo, hig --hnn --steps 0)). "{pipeline}" is the small pipeline, "{file}" a regular file.
    /// Each must exit 2 with one line containing the fragments, before any work.
    /// </summary>
    public static TheoryData<string[], string[]> CommandLineCases => new()
    {
        { ["export", "latest", "--format", "json", "--seed", "-1"], ["--seed '-1': must be a non-negative integer", "(see 'hnn export --help')"] },
        { ["bench", "{pipeline}", "--repeat", "x"], ["--repeat 'x': must be an integer", "(see 'hnn bench --help')"] },
        { ["run"], ["Required argument 'pipeline' missing", "(see 'hnn run --help')"] },
        { ["frob"], ["Unrecognized command or argument 'frob'", "(see 'hnn --help')"] },
        { ["help", "run", "extra"], ["help run extra: no command 'extra' under 'run'; 'run' has no subcommands; try 'hnn help run'"] },
        { ["hdnn", "--t-end", "x"], ["--t-end 'x': must be a number"] },
        { ["hdnn", "--seeds", ","], ["--seeds ','", "lists no seed"] },
        { ["hdnn", "--seeds", "-1"], ["--seeds '-1'", "'-1' is not a seed"] },
        { ["hdnn", "--layers", "-3"], ["--layers -3: must be an integer >= 1"] },
        { ["hdnn", "--epochs", "0"], ["--epochs 0: must be an integer >= 1"] },
        { ["hdnn", "--points", "10"], ["--points 10: must be a multiple of 4 in [8, 1000000]"] },
        { ["hdnn", "--t-end", "-1"], ["--t-end -1: must be a finite number > 0"] },
        { ["hdnn", "--dataset", "foo"], ["--dataset 'foo'", "swiss_roll, double_circles, double_moons"] },
        { ["hdnn", "--model", "foo"], ["--model 'foo'", "H1J1", "sampled-elm"] },
        { ["hdnn", "--readout", "foo"], ["--readout 'foo'", "all-activations, last-state"] },
        { ["limited-data", "--h", "a"], ["--h: 'a' is not allowed", "finite number > 0"] },
        { ["limited-data", "--h", ","], ["--h: lists no step"] },
        { ["limited-data", "--seeds", "0"], ["--seeds 0: must be an integer >= 1"] },
        { ["limited-data", "--train", "1"], ["--train 1: must be an integer >= 2"] },
        { ["limited-data", "--width", "0"], ["--width 0: must be an integer >= 1"] },
        { ["limited-data", "--rcond", "-1"], ["--rcond -1: must be a number in [0, 1)"] },
        { ["limited-data", "--backend", "x"], ["--backend 'x'", "auto, lapack, managed"] },
        { ["limited-data", "--plot", "/tmp"], ["--plot /tmp: must end in .png"] },
        { ["hig", "--hnn", "{pipeline}", "--seeds", ","], ["--seeds ','", "lists no seed"] },
        { ["hig", "--hnn", "{pipeline}", "--steps", "0"], ["--steps 0: must be an integer >= 1"] },
        { ["hig", "--hnn", "{pipeline}", "--batch", "0"], ["--batch 0: must be an integer >= 1"] },
        { ["hig", "--hnn", "{pipeline}", "--lr", "-1"], ["--lr -1: must be a finite number > 0"] },
        { ["hig", "--hnn", "{pipeline}", "--truncation", "2"], ["--truncation 2: must be a number in [0, 1)"] },
        { ["hig", "--hnn", "{pipeline}", "--seconds", "-1"], ["--seconds -1: must be a finite number >= 0"] },
        { ["bench", "{pipeline}", "--export", "{file}"], ["--export {file}: is a file; give a folder"] },
        { ["bench", "{pipeline}", "--append", "{root}/no/a.md"], ["--append {root}/no/a.md: folder {root}/no does not exist"] },
        { ["list", "--store", "{file}"], ["--store {file}: is a file, not a store folder"] },
        { ["show", "latest", "--store", "{file}"], ["--store {file}: is a file, not a store folder"] },
        { ["clean", "--store", "{file}"], ["--store {file}: is a file, not a store folder"] },
        { ["run", "{pipeline}", "--store", "{file}"], ["--store: '", "' is not allowed: it is a file, not a folder"] },
        { ["run", "{pipeline}", "--store", "{file}/sub"], ["--store: '", "' is not allowed: {file} is a file, so no store folder can be made under it"] },
        { ["plan", "{pipeline}", "--store", "{file}"], ["--store: '", "' is not allowed: it is a file, not a folder"] },
        { ["plan", "{pipeline}", "--store", "/etc/hnn"], ["--store: '/etc/hnn' is not allowed", "system directory /etc"] },
        { ["hdnn", "{repo}/pipelines/hdnn/swiss-roll.yaml", "--store", "{file}"], ["--store: '", "' is not allowed: it is a file, not a folder"] },
        { ["hdnn", "{repo}/pipelines/hdnn/swiss-roll.yaml", "--store", "/etc/passwd"], ["--store: '/etc/passwd' is not allowed"] },

        // Session-6 commands (audit of 2026-12-03: tsqr named all five sizes in one message; learned-systems gave .NET
        // parse messages for a bad --scale-sweep part, "(Parameter 'choice')" for --backend, and exit 1 after every
        // fit for a --plot-dir that is a file).
        { ["tsqr", "--width", "0"], ["--width 0: must be an integer >= 1"] },
        { ["tsqr", "--rows", "1"], ["--rows 1: must be an integer >= 2"] },
        { ["tsqr", "--lanes", "0"], ["--lanes 0: must be an integer >= 1"] },
        { ["tsqr", "--data", "{file}"], ["--data {file}: must be a .parquet file"] },
        { ["tsqr", "--data", "{root}/none.parquet"], ["{root}/none.parquet: data file not found"] },
        { ["tsqr", "--cluster", "foo:bar"], ["--cluster: 'foo:bar' is not a cluster address; allowed: localhost:PORT"] },
        { ["learned-systems", "--scale-sweep", "kepler;foo;10;1;100"], ["--scale-sweep 'kepler;foo;10;1;100': METHODS 'foo' is not allowed; allowed: comma-separated elm, u-swim, a-swim"] },
        { ["learned-systems", "--scale-sweep", "kepler;elm;x;1;100"], ["WIDTHS 'x' is not allowed; allowed: comma-separated integers >= 1"] },
        { ["learned-systems", "--scale-sweep", "fput:a:0;elm;10;1;100"], ["SYSTEM 'fput:a:0' is not allowed; allowed: kepler or fput:ALPHA:BETA"] },
        { ["learned-systems", "--scale-sweep", "kepler;elm;10;0;100"], ["SCALES '0' is not allowed; allowed: comma-separated numbers in (0, 1000000]"] },
        { ["learned-systems", "--scale-sweep", "kepler;elm;10;2/x;100"], ["SCALES '2/x' is not allowed; allowed: comma-separated numbers in (0, 1000000], or Q/P (the separable layer's q and p scales)"] },
        { ["learned-systems", "--scale-sweep", "kepler;elm;10;2/0.1,2/0.10;100"], ["--scale-sweep 'kepler;elm;10;2/0.1,2/0.10;100': 2/0.1 appears twice (each scale once)"] },
        { ["learned-systems", "--scale-sweep", "kepler;elm;10;1;1"], ["POINTS '1' is not allowed; allowed: an integer >= 2"] },
        { ["learned-systems", "--scale-sweep", "kepler;elm;10"], ["--scale-sweep 'kepler;elm;10': is not 'SYSTEM;METHODS;WIDTHS;SCALES;POINTS[;both]'"] },
        { ["learned-systems", "--plot-dir", "{file}"], ["--plot-dir {file}: is a file; give a folder"] },
        { ["learned-systems", "--backend", "x"], ["--backend 'x': not allowed; allowed: auto, lapack, managed"] },
        { ["learned-systems", "--fput-width-beta1", "-1"], ["--fput-width-beta1 -1: must be an integer >= 0"] },
        { ["learned-systems", "--kepler-weight-scale", "0"], ["--kepler-weight-scale: 0 is not allowed: must be in (0, 1000000]"] },
        { ["learned-systems", "--fput-amplitude", "11"], ["--fput-amplitude: 11 is not allowed: must be in (0, 10]"] },
        { ["learned-systems", "--stall-tolerance", "1"], ["--stall-tolerance: 1 is not allowed: must be in [1e-14, 1)"] },
        { ["learned-systems", "--systems", "mars"], ["--systems: 'mars' is not one of kepler, fput"] },
        { ["export", "latest", "--format", "xml"], ["--format 'xml' is not allowed; allowed: json, parquet, onnx"] },
        { ["predict", "latest", "--input", "{file}"], ["Option '--output' is required", "(see 'hnn predict --help')"] },
    };

    [Theory]
    [MemberData(nameof(CommandLineCases))]
    public async Task Bad_command_line_option_exits_2_with_one_line_naming_the_option(string[] args, string[] expected)
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var file = box.Write("a-file.txt", "not a folder\n");
        string Fill(string a) => a.Replace("{pipeline}", pipeline, StringComparison.Ordinal).Replace("{file}", file, StringComparison.Ordinal).Replace("{root}", box.Root, StringComparison.Ordinal).Replace("{repo}", RepoRoot.Find(), StringComparison.Ordinal);

        var r = await CliSandbox.InvokeAsync([.. args.Select(Fill)]);

        CliAssert.BadInput(r, [.. expected.Select(Fill)]);
        Assert.DoesNotContain("System.", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, r.Stdout);
    }

    [Fact]
    public async Task List_and_clean_of_a_missing_store_create_nothing()
    {
        using var box = new CliSandbox();
        var missing = Path.Combine(box.Root, "typo-store");
        foreach (var args in new[] { ["list", "--store", missing], ["clean", "--store", missing], new[] { "clean", "--dry-run", "--store", missing } })
        {
            var r = await CliSandbox.InvokeAsync(args);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("no such folder", r.Stdout, StringComparison.Ordinal);
            Assert.False(Path.Exists(missing), $"{string.Join(' ', args)} created the store");
        }
    }

    [Fact]
    public async Task Missing_pipeline_file_exits_2()
    {
        using var box = new CliSandbox();
        var missing = Path.Combine(box.Root, "nope.yaml");
        CliAssert.BadInput(await box.RunAsync(missing), [missing, "not found"]);
        CliAssert.BadInput(await CliSandbox.InvokeAsync(["validate", missing]), [missing, "not found"]);
    }

    [Fact]
    public async Task Show_of_an_unknown_run_exits_2()
    {
        using var box = new CliSandbox();
        CliAssert.BadInput(await CliSandbox.InvokeAsync(["show", "nosuchrun", "--store", box.StoreRoot]), ["nosuchrun", "no such run"]);
    }

    [Fact]
    public async Task Unknown_option_exits_2()
    {
        var r = await CliSandbox.InvokeAsync(["run", "p.yaml", "--frobnicate"]);
        Assert.Equal(Commands.BadInput, r.ExitCode);
        Assert.Contains("--frobnicate", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_that_overflows_exits_2_with_a_clear_message()
    {
        // Lotka-Volterra: H contains beta e^q; e^q overflows for q > ~709.
        using var box = new CliSandbox();
        var pipeline = box.Write("lv.yaml", CliSandbox.SmallPipeline
            .Replace("name: mass-spring", "name: lotka-volterra", StringComparison.Ordinal)
            .Replace("q: [[-5, 5]]", "q: [[0, 800]]", StringComparison.Ordinal)
            .Replace("p: [[-5, 5]]", "p: [[-1, 1]]", StringComparison.Ordinal)
            .Replace("x0: [1, 0]", "x0: [0, 0]", StringComparison.Ordinal));

        var r = await box.RunAsync(pipeline);

        Assert.True(r.ExitCode == Commands.BadInput, r.ToString());
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        var errors = r.Stderr.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        var error = Assert.Single(errors);
        Assert.Contains("lotka-volterra", error, StringComparison.Ordinal);
        Assert.Contains("non-finite", error, StringComparison.Ordinal);
        Assert.Contains("shrink the domain", error, StringComparison.Ordinal);
        Assert.Empty(box.TempFiles());
    }
}
