using System.Diagnostics;
using System.Globalization;
using System.Text;
using Hnn.Pipeline;
using Hnn.Pipeline.Cli;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// A seeded fuzz of malformed pipeline and data files fed to <c>hnn validate</c> in-process: every trial must exit 2
/// with exactly one "error: " line on stderr naming the file (and the key where one applies), with no stack trace
/// and no exception type name, allocating at most <see cref="MaxAllocatedBytes"/>. Wall time per trial is measured
/// and printed, not asserted. The trials are deterministic (seed <see cref="Seed"/>).
/// </summary>
[Collection(CliCollection.Name)]
public sealed class FuzzInputTests(ITestOutputHelper output)
{
    public const int Seed = 20261203;

    public const int TrialsPerKind = 40;

    /// <summary>Bytes one trial may allocate (on the validating thread): generous; the inputs themselves are under 1.1 MB.</summary>
    public const long MaxAllocatedBytes = 300_000_000;

    private static readonly string[] NumericKeys =
    [
        "data.train", "data.test", "data.seed", "model.widths", "model.seeds", "model.rcond", "anchor.h0", "anchor.x0",
        "solver.chunk_rows", "solver.lanes", "run.parallelism", "rollout.dt", "rollout.steps", "rollout.count", "rollout.seed",
        "rollout.reference_tol", "domain.q", "domain.p", "model.elm_bias", "rollout.initial", "adam.steps", "adam.learning_rate",
    ];

    private static readonly string[] ListKeys =
        ["model.widths", "model.methods", "model.seeds", "data.seeds", "rollout.initial", "rollout.integrators", "domain.q", "domain.p"];

    private static readonly string[] Sections = ["system", "domain", "data", "anchor", "model", "solver", "run", "rollout", "adam"];

    /// <summary>The kinds of trial: each makes one malformed input in the sandbox.</summary>
    private enum Kind
    {
        Nesting,
        Aliases,
        SpecialFile,
        HugeNumber,
        NonFinite,
        EmptyList,
        WrongType,
        BinaryBytes,
        Truncated,
        UnknownKey,
        DuplicateKey,
        BadDataFile,
    }

    /// <summary>One trial: the arguments after "validate", the texts the error line must contain.</summary>
    private sealed record Trial(Kind Kind, string[] Args, string[] Expected, string[] Forbidden);

    [Fact]
    public void Malformed_configs_and_data_files_give_exit_2_and_one_line_naming_the_file()
    {
        using var box = new CliSandbox();
        var fifo = BoundedInputTests.MakeFifo(box.Root, "fifo");
        var rng = new Random(Seed);
        var kinds = Enum.GetValues<Kind>();
        var failures = new List<string>();
        var stats = kinds.ToDictionary(k => k, _ => (Count: 0, MaxMs: 0.0, MaxBytes: 0L));
        var total = Stopwatch.StartNew();
        var n = 0;
        foreach (var kind in kinds)
        {
            for (var i = 0; i < TrialsPerKind; i++, n++)
            {
                var dir = Path.Combine(box.Root, $"t{n}");
                Directory.CreateDirectory(dir);
                var trial = Make(kind, rng, dir, fifo);
                var sw = Stopwatch.StartNew();
                var (r, allocated) = ValidateCounted(["validate", .. trial.Args]);
                sw.Stop();
                var s = stats[kind];
                stats[kind] = (s.Count + 1, Math.Max(s.MaxMs, sw.Elapsed.TotalMilliseconds), Math.Max(s.MaxBytes, allocated));
                var problem = Check(trial, r, allocated);
                if (problem is not null)
                {
                    failures.Add($"trial {n} ({kind}, args {string.Join(' ', trial.Args.Select(a => Cut(a)))}): {problem}\n{Cut(r.ToString(), 600)}");
                }
            }
        }

        foreach (var (kind, s) in stats)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind,-13} {s.Count} trials, slowest {s.MaxMs:F0} ms, most allocated {s.MaxBytes / 1e6:F1} MB"));
        }

        output.WriteLine($"{n} trials in {total.Elapsed.TotalSeconds:F1} s, {failures.Count} failed");
        Assert.True(failures.Count == 0, $"{failures.Count} of {n} trials failed:\n" + string.Join("\n", failures.Take(10)));
    }

    /// <summary>Runs the CLI synchronously on this thread; returns what it printed and the bytes this thread allocated.</summary>
    internal static (CliResult Result, long Allocated) ValidateCounted(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var code = HnnCli.InvokeAsync(args, stdout, stderr, CancellationToken.None).GetAwaiter().GetResult();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return (new CliResult(code, stdout.ToString(), stderr.ToString()), allocated);
    }

    private static string? Check(Trial trial, CliResult r, long allocated)
    {
        if (r.ExitCode != Commands.BadInput)
        {
            return $"exit code {r.ExitCode}, expected 2";
        }

        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length != 1 || !lines[0].StartsWith("error: ", StringComparison.Ordinal))
        {
            return $"{lines.Length} stderr line(s), expected one 'error: ' line";
        }

        var line = lines[0];
        if (line.Contains("   at ", StringComparison.Ordinal) || line.Contains("Exception", StringComparison.Ordinal) || line.Contains("System.", StringComparison.Ordinal))
        {
            return "a stack trace or exception type name";
        }

        foreach (var e in trial.Expected.Where(e => !line.Contains(e, StringComparison.Ordinal)))
        {
            return $"'{Cut(e)}' not in the message";
        }

        foreach (var f in trial.Forbidden.Where(f => line.Contains(f, StringComparison.Ordinal)))
        {
            return $"'{f}' (file content) in the message";
        }

        return line.Length > 4000 ? $"message of {line.Length} characters" : allocated > MaxAllocatedBytes ? $"{allocated} bytes allocated" : null;
    }

    private static string Cut(string s, int max = 80) => s.Length <= max ? s : s[..max] + "...";

    private static Trial Make(Kind kind, Random rng, string dir, string fifo)
    {
        var pipeline = Path.Combine(dir, "p.yaml");
        string Write(string text)
        {
            File.WriteAllText(pipeline, text);
            return pipeline;
        }

        T Pick<T>(IReadOnlyList<T> items) => items[rng.Next(items.Count)];
        var valid = CliSandbox.SmallPipeline;
        switch (kind)
        {
            case Kind.Nesting:
                {
                    var depth = rng.Next(65, 20_000);
                    var map = rng.Next(2) == 0;
                    var open = map ? string.Concat(Enumerable.Repeat("{a: ", depth)) : new string('[', depth);
                    var close = map ? new string('}', depth) : new string(']', depth);
                    var key = Pick(["description", "model", "unknown_key", "data"]);
                    if (rng.Next(4) == 0)
                    {
                        Write(valid);
                        return new(kind, [pipeline, "--set", $"{key}={open}1{close}"], [$"--set {key}", "nested more than 64"], []);
                    }

                    return new(kind, [Write(valid.Replace("name: small", $"name: small\n{key}x: {open}1{close}", StringComparison.Ordinal))], [pipeline, "nested more than 64"], []);
                }

            case Kind.Aliases:
                {
                    if (rng.Next(5) == 0)
                    {
                        var depth = rng.Next(0, 5);
                        var cyclic = $"loop: &c {new string('[', depth)}[1, *c]{new string(']', depth)}\n";
                        return new(kind, [Write(rng.Next(2) == 0 ? cyclic + valid : valid + "\n" + cyclic)], [pipeline, "recursive alias"], []);
                    }

                    var fan = rng.Next(5, 12);
                    var levels = (int)Math.Ceiling(Math.Log(200_000) / Math.Log(fan)) + rng.Next(0, 4);
                    var sb = new StringBuilder($"bomb:\n  l0: &l0 [{string.Join(", ", Enumerable.Repeat("lol", fan))}]\n");
                    for (var l = 1; l < levels; l++)
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"  l{l}: &l{l} [{string.Join(", ", Enumerable.Repeat($"*l{l - 1}", fan))}]\n");
                    }

                    var text = rng.Next(2) == 0 ? sb + valid : valid + "\n" + sb;
                    return new(kind, [Write(text)], [pipeline, "more than 100000 nodes"], []);
                }

            case Kind.SpecialFile:
                {
                    var target = Pick(["/dev/zero", "/dev/null", "/dev/urandom", fifo, dir, "/proc/self/status", "/etc/passwd", "/proc/self/environ"]);
                    switch (rng.Next(3))
                    {
                        case 0:
                            return new(kind, [Write($"include: [{target}]\n" + valid)], [pipeline, "include", target], ["root:"]);
                        case 1:
                            return new(kind, [Write(valid.Replace("seed: 3943", $"seed: 3943\n  file: {target}", StringComparison.Ordinal))], [pipeline, "data.file", target], ["root:", "PATH="]);
                        default:
                            return new(kind, [target], [target], ["root:", "PATH="]);
                    }
                }

            case Kind.HugeNumber:
                {
                    var key = Pick(NumericKeys);
                    var value = Pick(["1e308", "-1e308", "1e400", "9223372036854775808", "18446744073709551616", "1e19", "123456789012345678901234567890", "-9223372036854775809"]);
                    var set = key is "domain.q" or "domain.p" or "rollout.initial" ? $"{key}=[[{value}, 1]]" : key is "model.elm_bias" ? $"{key}=[-1, {value}]" : $"{key}={value}";
                    return new(kind, [Write(valid), "--set", set], [pipeline, key], []);
                }

            case Kind.NonFinite:
                {
                    var key = Pick(NumericKeys);
                    var value = Pick([".nan", ".inf", "-.inf", ".NaN", "+.inf", "NaN", "Infinity", "-Infinity"]);
                    var set = key is "domain.q" or "domain.p" or "rollout.initial" ? $"{key}=[[{value}, 1]]" : key is "model.elm_bias" ? $"{key}=[{value}, 1]" : $"{key}={value}";
                    return new(kind, [Write(valid), "--set", set], [pipeline, key], []);
                }

            case Kind.EmptyList:
                {
                    var key = Pick(ListKeys);
                    var text = valid;
                    if (key == "data.seeds")
                    {
                        text = text.Replace("seed: 3943", "seeds: []", StringComparison.Ordinal);
                        return new(kind, [Write(text)], [pipeline, key], []);
                    }

                    return new(kind, [Write(text), "--set", $"{key}=[]"], [pipeline, key], []);
                }

            case Kind.WrongType:
                {
                    if (rng.Next(3) == 0)
                    {
                        var section = Pick(Sections);
                        var value = Pick(["5", "[1, 2]", "abc", "'quoted'", "true"]);
                        return new(kind, [Write(valid), "--set", $"{section}={value}"], [pipeline, section], []);
                    }

                    var key = Pick(NumericKeys);
                    // "" (an empty value) is a null that stays a value; "~" and "null" would remove the key (--set key=null).
                    var bad = Pick(["abc", "{a: 1}", "[1, [2, [3]]]", "'5'", "\"1e3\"", "true", "0x10", "[[]]", "1.5.5", ""]);
                    return new(kind, [Write(valid), "--set", $"{key}={bad}"], [pipeline], []);
                }

            case Kind.BinaryBytes:
                {
                    var bytes = Encoding.UTF8.GetBytes(valid).ToList();
                    var junk = new byte[rng.Next(1, 64)];
                    rng.NextBytes(junk);
                    junk[rng.Next(junk.Length)] = rng.Next(2) == 0 ? (byte)0x00 : (byte)0xFF;
                    bytes.InsertRange(rng.Next(bytes.Count), junk);
                    File.WriteAllBytes(pipeline, [.. bytes]);
                    return new(kind, [pipeline], [pipeline], []);
                }

            case Kind.Truncated:
                {
                    var cut = rng.Next(0, valid.IndexOf("widths", StringComparison.Ordinal) + 6);
                    var text = valid[..cut] + Pick(["", "[", "{", "\"", "'", ": [1, ", "- ", "&a", "*b"]);
                    return new(kind, [Write(text)], [pipeline], []);
                }

            case Kind.UnknownKey:
                {
                    var key = Pick(["modle", "widht", "x", new string('k', rng.Next(100, 5000)), "ключ", "<<", "data.file", "seedz", "\"a b\""]);
                    var section = Pick(["", .. Sections.Take(7)]);
                    var text = section.Length == 0
                        ? valid + $"\n{key}: 1\n"
                        : valid.Replace($"{section}:\n", $"{section}:\n  {key}: 1\n", StringComparison.Ordinal);
                    // YAML allows implicit keys of at most 1024 characters: a longer one is malformed YAML.
                    return new(kind, [Write(text)], key.Length > 1024 ? [pipeline, "malformed YAML"] : [pipeline, "unknown key"], []);
                }

            case Kind.DuplicateKey:
                {
                    var lines = valid.Split('\n').Where(l => l.Contains(':', StringComparison.Ordinal)).ToList();
                    var line = Pick(lines);
                    var text = (valid + "\n").Replace(line + "\n", line + "\n" + line + "\n", StringComparison.Ordinal);
                    return new(kind, [Write(text)], [pipeline, "uplicate key"], []);
                }

            default:
                return BadData(kind, rng, dir, pipeline, Write);
        }
    }

    private static Trial BadData(Kind kind, Random rng, string dir, string pipeline, Func<string, string> write)
    {
        var csv = Path.Combine(dir, "d.csv");
        const string Secret = "SECRET-CONTENT";
        var header = "q1,p1,dq1,dp1,H";
        var rows = string.Concat(Enumerable.Range(0, 10).Select(i => $"{i},{i},{i},{i},{i}\n"));
        var choice = rng.Next(8);
        var (content, expected) = choice switch
        {
            0 => ($"root:{Secret}:19000:0:99999:7:::\n{Secret}\n", "no q1 column"),
            1 => ($"x,y,{Secret},dy\n{rows}", "no q1 column"),
            2 => ($"q1,p1,dq1\n{rows}", "missing column"),
            3 => ($"q1,p1,dq1,dp1,H,H\n{rows}", "appears twice"),
            4 => (new string('q', 70_000), "line longer than"),
            5 => ("q1,p1\0,dq1,dp1\n" + rows, "binary"),
            6 => (string.Empty, "the data file is empty (0 bytes)"),
            _ => ($"{header}\n{rows}", "is not allowed"),
        };
        File.WriteAllText(csv, content);
        var extra = choice == 7 ? "\n  stream_rows: 2048" : string.Empty;
        var text = $"name: fuzz-data\ndata:\n  file: d.csv\n  test: 3\n  seed: 1{extra}\nsystem: {{name: mass-spring}}\nanchor: {{h0: 0}}\nmodel: {{methods: [u-swim], widths: [5], seeds: [1]}}\n";
        return new(kind, [write(text)], [pipeline, "data.file", expected], [Secret, "root:"]);
    }
}
