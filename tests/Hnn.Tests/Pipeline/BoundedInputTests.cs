using System.Diagnostics;
using Hnn.Pipeline.Cli;
using Hnn.Pipeline.Config;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// The bad-input cases of issue 9 (numbered as there): each is rejected at validation with exit code 2 and one line
/// naming the file and key, with no stack trace, before anything is allocated or run.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class BoundedInputTests
{
    private const string DataPipeline = """
        name: from-data
        data: {file: DATA, test: 50, seed: 1}
        anchor: {h0: 0}
        model: {methods: [u-swim], widths: [20], seeds: [1]}
        """;

    /// <summary>Both <c>run</c> and <c>validate</c> reject; nothing is stored; returns the one error line.</summary>
    private static async Task<string> RejectedAsync(CliSandbox box, string pipeline, string[] sets, params string[] expected)
    {
        var r = await box.RunAsync(pipeline, sets);
        CliAssert.BadInput(r, expected);
        Assert.False(Directory.Exists(box.StoreRoot), "nothing may be stored for an invalid pipeline");
        var v = await CliSandbox.InvokeAsync(["validate", pipeline, .. sets.SelectMany(s => new[] { "--set", s })]);
        Assert.Equal(r.Stderr, v.Stderr);
        Assert.Equal(Commands.BadInput, v.ExitCode);
        return r.Stderr.Trim();
    }

    private static string Small(CliSandbox box, string find = "", string replace = "") =>
        box.Write("p.yaml", find.Length == 0 ? CliSandbox.SmallPipeline : CliSandbox.SmallPipeline.Replace(find, replace, StringComparison.Ordinal));

    /// <summary>Case 1: 10,000 levels of brackets (20 KB); before, "Stack overflow." and exit 134, also in validate.</summary>
    [Fact]
    public async Task Case1_nesting_10000_deep_is_rejected_before_a_tree_is_built()
    {
        using var box = new CliSandbox();
        var deep = new string('[', 10_000) + new string(']', 10_000);
        var pipeline = Small(box, "name: small", "name: small\ndescription: " + deep);

        // A child process proves there is no crash (a stack overflow cannot be caught in-process).
        var child = await RunChildAsync(["validate", pipeline]);
        CliAssert.BadInput(child, [pipeline, "nested more than 64 levels", "at most 64"]);

        await RejectedAsync(box, pipeline, [], pipeline, "nested more than 64 levels");
        await RejectedAsync(box, Small(box), ["description=" + deep], "--set description", "nested more than 64 levels");

        // Aliases count as the depth they expand to; 64 levels are still fine.
        var aliased = Small(box, "name: small", "name: small\nx: &a " + new string('[', 40) + new string(']', 40) + "\ndescription: " + new string('[', 30) + "*a" + new string(']', 30));
        await RejectedAsync(box, aliased, [], aliased, "alias *a expands to YAML nested more than 64 levels");
        var ok = await CliSandbox.InvokeAsync(["validate", Small(box, "name: small", "name: small\ndescription: '" + new string('[', 100) + "'")]);
        Assert.True(ok.ExitCode == 0, ok.ToString());
    }

    /// <summary>Case 2: ten levels of ten aliases (under 1 KB) under an unknown key; before, it grew past 3 GB.</summary>
    [Fact]
    public async Task Case2_billion_laughs_is_rejected_by_the_node_budget()
    {
        using var box = new CliSandbox();
        var bomb = string.Join('\n', Enumerable.Range(0, 10).Select(i =>
            i == 0 ? "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]" : $"  a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]"));
        Assert.True(bomb.Length < 1024);
        var pipeline = Small(box, "name: small", "name: small\nlaughs:\n" + bomb);

        var line = await RejectedAsync(box, pipeline, [], pipeline, "more than 100000 nodes", "aliases expanded");
        Assert.Contains($"{pipeline}:7:", line, StringComparison.Ordinal);
        var (r, allocated) = FuzzInputTests.ValidateCounted(["validate", pipeline]);
        CliAssert.BadInput(r, [pipeline, "more than 100000 nodes"]);
        Assert.True(allocated < 100_000_000, $"{allocated} bytes allocated: the budget must stop the expansion before it is built");

        // An alias inside the collection it names would make the tree cyclic (a stack overflow before).
        foreach (var recursive in new[] { "x: &r [1, *r]", "x: &r {a: *r}", "x: &r [[[*r]]]" })
        {
            var cyclic = Small(box, "name: small", "name: small\n" + recursive);
            await RejectedAsync(box, cyclic, [], cyclic, "alias *r", "recursive alias");
        }

        // An alias glued to a flow collection (found by the fuzz): YamlDotNet throws an ArgumentException there.
        var glued = Small(box, "q: [[-5, 5]]", "q: [[-5, 5]]*b");
        await RejectedAsync(box, glued, [], glued, "malformed YAML");

        // A few aliases are fine (they are expanded as copies).
        var ok = await CliSandbox.InvokeAsync(["validate", box.Write("a.yaml", CliSandbox.SmallPipeline
            .Replace("widths: [100]", "widths: &w [100]", StringComparison.Ordinal).Replace("seeds: [992472]", "seeds: *w", StringComparison.Ordinal))]);
        Assert.True(ok.ExitCode == 0, ok.ToString());
    }

    /// <summary>Case 4: sizes past what the fit can index (an OverflowException before) are rejected with the range.</summary>
    [Fact]
    public async Task Case4_sizes_past_what_the_fit_can_index_are_rejected()
    {
        using var box = new CliSandbox();
        var pipeline = Small(box);
        var max = SpecLimits.MaxWidth(1);
        foreach (var width in new[] { 60_000, 1_000_000, max + 1 })
        {
            await RejectedAsync(box, pipeline, [$"model.widths=[{width}]"], pipeline, "model.widths[0]", $"'{width}'", $"[1, {max}]");
        }

        await RejectedAsync(box, pipeline, ["solver.chunk_rows=10000000", "model.widths=[1000]"], pipeline, "solver.chunk_rows", "'10000000'", "must be in [1, ");
        await RejectedAsync(box, pipeline, ["solver.mode=full", "data.train=100000000", "model.widths=[1000]"], pipeline, "solver.mode", "full is not allowed", "structured");

        // The bound is exact: the largest allowed width's arrays fit, the next does not.
        foreach (var d in new[] { 1, 2, 3 })
        {
            long n = SpecLimits.MaxWidth(d);
            long Reduced(long w) => ((2L * d * (w + (2L * d))) + 1) * (w + 1);
            Assert.True(Reduced(n) <= Array.MaxLength && (n + (2 * d)) * (n + (2 * d)) <= Array.MaxLength);
            Assert.True(Reduced(n + 1) > Array.MaxLength || (n + 1 + (2 * d)) * (n + 1 + (2 * d)) > Array.MaxLength);
        }

        // The largest indexable width passes the size bounds; what stops it then is the memory check (about 69 GB
        // at this width: more than this machine kind's 24 GiB), which names the estimate instead of the index bound.
        var big = await CliSandbox.InvokeAsync(["validate", pipeline, "--set", $"model.widths=[{max}]"]);
        CliAssert.BadInput(big, ["the run needs an estimated", "reduce model.widths"]);
        Assert.DoesNotContain("model.widths[0]", big.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Case 5: devices, FIFOs, directories and oversized files as data file or include (OOM, SIGSEGV, hangs before).</summary>
    [Fact]
    public async Task Case5_special_and_oversized_files_are_refused_before_they_are_opened()
    {
        using var box = new CliSandbox();
        var fifo = MakeFifo(box.Root, "fifo");
        foreach (var (target, kind) in new[] { ("/dev/zero", "character device"), (fifo, "FIFO"), (box.Root, "directory") })
        {
            var data = box.Write("d.yaml", DataPipeline.Replace("DATA", target, StringComparison.Ordinal));
            await RejectedAsync(box, data, [], data, "data.file", target, kind, "not a regular file");

            var include = box.Write("i.yaml", $"include: [{target}]\n" + CliSandbox.SmallPipeline);
            await RejectedAsync(box, include, [], include, "include", target, kind, "not a regular file");
        }

        CliAssert.BadInput(await CliSandbox.InvokeAsync(["validate", fifo]), [fifo, "FIFO"]);

        // Size caps: a pipeline file over 1 MiB; a (sparse) data file over 16 GiB.
        var big = box.Write("big.yaml", CliSandbox.SmallPipeline + "\ndescription: '" + new string('x', (int)InputFile.MaxConfigBytes) + "'\n");
        await RejectedAsync(box, big, [], big, "bytes", "at most 1048576 bytes (1 MiB)");
        var huge = Path.Combine(box.Root, "huge.csv");
        using (var f = File.Create(huge))
        {
            f.SetLength(InputFile.MaxDataBytes + 1);
        }

        var hugePipeline = box.Write("h.yaml", DataPipeline.Replace("DATA", "huge.csv", StringComparison.Ordinal));
        await RejectedAsync(box, hugePipeline, [], hugePipeline, "data.file", huge, "at most 17179869184 bytes (16 GiB)");

        // A file of one endless line (no newline) stops at the line cap instead of being read whole.
        var endless = Path.Combine(box.Root, "endless.csv");
        File.WriteAllText(endless, new string('7', DataFileLineCap() + 10));
        var endlessPipeline = box.Write("e.yaml", DataPipeline.Replace("DATA", "endless.csv", StringComparison.Ordinal));
        await RejectedAsync(box, endlessPipeline, [], endlessPipeline, "data.file", "line longer than 65536 characters");
    }

    /// <summary>Case 6: a data-file error never echoes the file beyond the offending cell; symlinks are named with their target.</summary>
    [Fact]
    public async Task Case6_data_file_errors_do_not_echo_content_and_name_symlink_targets()
    {
        using var box = new CliSandbox();
        var secret = Path.Combine(box.Root, "shadow");
        File.WriteAllText(secret, "root:$6$SECRETHASHSECRETHASH:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n");
        var pipeline = box.Write("s.yaml", DataPipeline.Replace("DATA", secret, StringComparison.Ordinal));
        var line = await RejectedAsync(box, pipeline, [], pipeline, "data.file", secret, "no q1 column", "not all column names");
        Assert.DoesNotContain("SECRET", line, StringComparison.Ordinal);
        Assert.DoesNotContain("root", line, StringComparison.Ordinal);

        // A symlink is followed; the message names the link and where it points.
        var link = Path.Combine(box.Root, "link.csv");
        File.CreateSymbolicLink(link, secret);
        var linked = box.Write("l.yaml", DataPipeline.Replace("DATA", "link.csv", StringComparison.Ordinal));
        line = await RejectedAsync(box, linked, [], linked, $"{link} (a symlink to {secret})", "no q1 column");
        Assert.DoesNotContain("SECRET", line, StringComparison.Ordinal);

        // The offending cell is quoted, cut to 40 printable characters.
        var csv = Path.Combine(box.Root, "d.csv");
        File.WriteAllText(csv, "q1,p1,dq1,dp1\n1,2,3,4\n1,2," + new string('z', 500) + "\u0001,4\n");
        var cell = box.Write("c.yaml", DataPipeline.Replace("DATA", "d.csv", StringComparison.Ordinal));
        var run = await CliSandbox.InvokeAsync(["run", cell, "--store", box.StoreRoot, "--quiet", "--set", "data.test=1"]);
        CliAssert.BadInput(run, [$"{csv}:3", "column 'dq1'", "'" + new string('z', 40) + "...'", "not a number"]);
        Assert.DoesNotContain(new string('z', 41), run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Case 8: empty sweeps ran nothing and exited 0 with a "completed" manifest.</summary>
    [Theory]
    [InlineData("model.widths=[]", "model.widths")]
    [InlineData("model.methods=[]", "model.methods")]
    [InlineData("model.seeds=[]", "model.seeds")]
    [InlineData("rollout.integrators=[]", "rollout.integrators")]
    public async Task Case8_empty_sweeps_are_rejected(string set, string key)
    {
        using var box = new CliSandbox();
        var pipeline = Small(box);
        await RejectedAsync(box, pipeline, [set], pipeline, key, "[] is not allowed", "at least one");

        var seeds = Small(box, "seed: 3943", "seeds: []");
        await RejectedAsync(box, seeds, [], seeds, "data.seeds", "[] is not allowed", "at least one seed");
    }

    /// <summary>Case 9: a 300-character name failed only after the whole run (path too long).</summary>
    [Fact]
    public async Task Case9_overlong_names_are_rejected_at_validation()
    {
        using var box = new CliSandbox();
        var pipeline = Small(box);
        await RejectedAsync(box, pipeline, ["name=" + new string('n', 300)], pipeline, "name:", "has 300 characters", "1 to 100");
        await RejectedAsync(box, pipeline, ["name=\"a\\tb\""], pipeline, "name:", "control character");
        var unnamed = box.Write(new string('f', 120) + ".yaml", CliSandbox.SmallPipeline.Replace("name: small\n", string.Empty, StringComparison.Ordinal));
        await RejectedAsync(box, unnamed, [], unnamed, "name:", "the default: the pipeline's file name", "set name:");
    }

    /// <summary>Case 11: values that failed later with an internal message, were clamped, or were silently ignored.</summary>
    [Fact]
    public async Task Case11_internal_failures_clamps_and_ignored_overrides_are_validation_errors()
    {
        using var box = new CliSandbox();
        var pipeline = Small(box);
        await RejectedAsync(box, pipeline, ["rollout.dt=1e308"], pipeline, "rollout.dt", "1E+308", "(0, 1000]");
        await RejectedAsync(box, pipeline, ["rollout.dt=1000", "rollout.steps=10000000", "rollout.integrators=[euler]"], pipeline, "rollout.dt", "horizon", "at most 1e9");
        await RejectedAsync(box, pipeline, ["rollout.initial=[]"], pipeline, "rollout.initial", "[] is not allowed");
        await RejectedAsync(box, pipeline, ["domain.q=[[-5, 1e308]]"], pipeline, "domain.q[0][1]", "1E+308", "[-1e12, 1e12]");
        await RejectedAsync(box, pipeline, ["anchor.x0=[1e300, 0]"], pipeline, "anchor.x0[0]", "[-1e12, 1e12]");
        await RejectedAsync(box, pipeline, ["data.seed=9223372036854775808"], pipeline, "data.seed[0]", "'9223372036854775808'", "[0, 9223372036854775807]");
        await RejectedAsync(box, pipeline, ["model.seeds=[9.3e18]"], pipeline, "model.seeds[0]", "[0, 9223372036854775807]");
        await RejectedAsync(box, pipeline, ["include=[other.yaml]"], "--set include", "cannot be set from the command line");
        await RejectedAsync(box, pipeline, ["run.store=/"], pipeline, "run.store", "'/'", "root directory");
        await RejectedAsync(box, pipeline, ["run.store=/etc/hnn"], pipeline, "run.store", "system directory /etc");

        // Through a symlink: to a system directory, or with a store folder linked out of the store.
        var toEtc = Path.Combine(box.Root, "etc-link");
        Directory.CreateSymbolicLink(toEtc, "/etc");
        await RejectedAsync(box, pipeline, [$"run.store={toEtc}/store"], pipeline, "run.store", "a symlink to /etc/store", "system directory /etc");
        var store = Path.Combine(box.Root, "linked-store");
        var outside = Path.Combine(box.Root, "outside");
        Directory.CreateDirectory(store);
        Directory.CreateDirectory(outside);
        Directory.CreateSymbolicLink(Path.Combine(store, "artifacts"), outside);
        var v = await CliSandbox.InvokeAsync(["validate", pipeline, "--set", $"run.store={store}"]);
        CliAssert.BadInput(v, [pipeline, "run.store", "is a symlink out of the store"]);

        // The command line's --store is checked too.
        var r = await CliSandbox.InvokeAsync(["run", pipeline, "--store", "/"]);
        CliAssert.BadInput(r, ["--store", "root directory"]);

        // Non-finite numbers, wrong types and binary bytes.
        await RejectedAsync(box, pipeline, ["data.train=.inf"], pipeline, "data.train", "finite");
        await RejectedAsync(box, pipeline, ["rollout.dt=.nan"], pipeline, "rollout.dt", "finite");
        await RejectedAsync(box, pipeline, ["data.train={a: 1}"], pipeline, "data.train", "a mapping is not a number");
        var binary = Path.Combine(box.Root, "b.yaml");
        File.WriteAllBytes(binary, [.. System.Text.Encoding.UTF8.GetBytes(CliSandbox.SmallPipeline), 0xFF, 0xFE, 0x00]);
        await RejectedAsync(box, binary, [], binary, "not UTF-8 text");
    }

    internal static int DataFileLineCap() => Hnn.Pipeline.Data.DataFile.MaxLineChars;

    /// <summary>Makes a FIFO with mkfifo(1).</summary>
    internal static string MakeFifo(string dir, string name)
    {
        var path = Path.Combine(dir, name);
        using var p = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        p.WaitForExit();
        Assert.True(p.ExitCode == 0 && File.Exists(path), "mkfifo failed");
        return path;
    }

    /// <summary>Runs the built <c>hnn</c> (hnn.dll beside the test binaries) in a child process, killed after 60 s.</summary>
    private static async Task<CliResult> RunChildAsync(string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hnn.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }

        return new CliResult(p.ExitCode, await stdout, await stderr);
    }
}
