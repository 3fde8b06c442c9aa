using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsCheck;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Data;
using Hnn.Pipeline.Store;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// Property-based fuzzing (CsCheck generators) of the input readers: valid inputs — a trajectory CSV (traj, t, q1, p1),
/// a derivative-row CSV and Parquet data file, a pipeline YAML, a pipeline with an include and --set overrides — get
/// random mutations (lines deleted, duplicated, swapped; cells corrupted to NaN, inf, 1e400, empty, text; separators
/// changed; the file truncated; unknown keys, wrong types, negative, zero and huge sizes). The property: loading (or
/// <c>hnn validate</c>) either succeeds — with finite numbers only — or fails with an <see cref="InputException"/>
/// whose message is one line naming the file; never another exception type, never exit 1, never a hang (each case
/// has <see cref="CaseTimeout"/>). Every case is generated from <see cref="Seed"/> (case i: PCG stream i, seed
/// <see cref="Seed"/>), so a run is reproducible; a failure prints the case's PCG seed and the mutated input. Failures
/// found while writing this fuzz are plain regression tests in <see cref="FuzzRegressionTests"/>.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class PropertyFuzzTests(ITestOutputHelper output)
{
    public const ulong Seed = 20261203;

    /// <summary>Cases per input kind (7 kinds, a few hundred cases in all, a few seconds); HNN_FUZZ_CASES overrides it for a longer search.</summary>
    public static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("HNN_FUZZ_CASES"), out var n) ? n : 80;

    public static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(20);

    /// <summary>What a corrupted cell or value becomes.</summary>
    internal static readonly string[] Tokens =
    [
        "NaN", "nan", ".nan", "inf", "-inf", "Infinity", "-Infinity", ".inf", "1e400", "-1e400", "1e-400", "", " ", "abc", "1,5", "0x10",
        "1.5.5", "\"2\"", "'3'", "∞", "١", "1e308", "-0", "0", "-1", "-5", "2147483648", "1000000000000", "9223372036854775808",
        "123456789012345678901234567890", "true", "null", "~", "[]", "{}", "[1, 2]", "{a: 1}", "[[1, 2], [3]]", "\0", "é", "- x",
        "&a", "*a", "!!binary x", "%", "#", "1e19", "0.5",
    ];

    internal enum Op
    {
        Delete,
        Duplicate,
        Swap,
        Corrupt,
        Separator,
        Truncate,
        Insert,
        DropCell,
        AddCell,
        UnknownKey,
        Crlf,
        Bom,
    }

    internal sealed record Mutation(Op Op, int A, int B, int Token)
    {
        public override string ToString() => $"{Op}({A}, {B}, '{Tokens[Token].Replace("\0", "\\0", StringComparison.Ordinal)}')";
    }

    private static readonly Gen<Mutation[]> Mutations =
        Gen.Select(Gen.Enum<Op>(), Gen.Int[0, 999], Gen.Int[0, 999], Gen.Int[0, Tokens.Length - 1], (o, a, b, t) => new Mutation(o, a, b, t)).Array[1, 4];

    /// <summary>The valid trajectory CSV: 3 trajectories of 4 observations each, uneven steps.</summary>
    internal static string TrajectoryCsv()
    {
        var sb = new StringBuilder("traj,t,q1,p1\n");
        for (var j = 0; j < 3; j++)
        {
            var t = 0.0;
            for (var k = 0; k < 4; k++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{j},{t},{Math.Cos(t + j)},{-Math.Sin(t + j)}\n");
                t += 0.1 + (0.01 * k);
            }
        }

        return sb.ToString();
    }

    /// <summary>The valid derivative-row CSV: mass-spring states, x' = J grad H and H, 8 rows.</summary>
    internal static string DerivativeCsv()
    {
        var sb = new StringBuilder("q1,p1,dq1,dp1,H\n");
        for (var k = 0; k < 8; k++)
        {
            double q = -1 + (0.3 * k), p = 0.5 - (0.2 * k);
            sb.Append(CultureInfo.InvariantCulture, $"{q},{p},{p},{1 - q},{(0.5 * p * p) + (0.5 * (q - 1) * (q - 1))}\n");
        }

        return sb.ToString();
    }

    /// <summary>Applies the mutations to the text's lines in order (positions taken modulo the current counts).</summary>
    internal static string Apply(string text, IEnumerable<Mutation> mutations)
    {
        var lines = text.Split('\n').ToList();
        var bom = false;
        var crlf = false;
        foreach (var m in mutations)
        {
            var token = Tokens[m.Token];
            var n = lines.Count;
            var i = n == 0 ? 0 : m.A % n;
            switch (m.Op)
            {
                case Op.Delete when n > 0:
                    lines.RemoveAt(i);
                    break;
                case Op.Duplicate when n > 0:
                    lines.Insert(i, lines[i]);
                    break;
                case Op.Swap when n > 0:
                    (lines[i], lines[m.B % n]) = (lines[m.B % n], lines[i]);
                    break;
                case Op.Corrupt when n > 0:
                    lines[i] = Corrupt(lines[i], m.B, token);
                    break;
                case Op.Separator when n > 0:
                    {
                        var sep = new[] { ";", "\t", " ", "|", ", ", ",," }[m.Token % 6];
                        if (m.B % 2 == 0)
                        {
                            lines = [.. lines.Select(l => l.Replace(",", sep, StringComparison.Ordinal))];
                        }
                        else
                        {
                            lines[i] = lines[i].Replace(",", sep, StringComparison.Ordinal);
                        }

                        break;
                    }

                case Op.Truncate:
                    {
                        var joined = string.Join('\n', lines);
                        lines = [.. joined[..(int)((long)joined.Length * m.A / 1000)].Split('\n')];
                        break;
                    }

                case Op.Insert:
                    lines.Insert(i, token);
                    break;
                case Op.DropCell when n > 0:
                    {
                        var cells = lines[i].Split(',').ToList();
                        cells.RemoveAt(m.B % cells.Count);
                        lines[i] = string.Join(',', cells);
                        break;
                    }

                case Op.AddCell when n > 0:
                    lines[i] += "," + token;
                    break;
                case Op.UnknownKey when n > 0:
                    {
                        var indent = lines[i].Length - lines[i].TrimStart(' ').Length;
                        lines.Insert(i, new string(' ', indent) + $"unknown_{m.B}: {token}");
                        break;
                    }

                case Op.Crlf:
                    crlf = true;
                    break;
                case Op.Bom:
                    bom = true;
                    break;
            }
        }

        var result = string.Join(crlf ? "\r\n" : "\n", lines);
        return bom ? "\uFEFF" + result : result;
    }

    /// <summary>A CSV line's cell (or a YAML line's value, after its first ': ') replaced by the token.</summary>
    private static string Corrupt(string line, int which, string token)
    {
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        if (colon >= 0 && !line.Contains(',', StringComparison.Ordinal))
        {
            return line[..(colon + 2)] + token;
        }

        if (colon >= 0 && which % 3 == 0)
        {
            return line[..(colon + 2)] + token;
        }

        var cells = line.Split(',');
        cells[which % cells.Length] = token;
        return string.Join(',', cells);
    }

    /// <summary>Checks a failure's message: one line, naming one of <paramref name="files"/>; null if it is fine.</summary>
    internal static string? CheckMessage(string message, params string[] files)
    {
        if (message.Contains('\n', StringComparison.Ordinal) || message.Contains('\r', StringComparison.Ordinal))
        {
            return "a message of more than one line";
        }

        if (message.Contains("   at ", StringComparison.Ordinal) || message.Contains("Exception", StringComparison.Ordinal))
        {
            return "a stack trace or exception type name in the message";
        }

        return files.Any(f => message.Contains(f, StringComparison.Ordinal)) ? null : $"the message names none of {string.Join(", ", files)}";
    }

    /// <summary>A case's result: the property's violation (null: none), and the input error it was refused with (null: accepted).</summary>
    internal sealed record Outcome(string? Problem, string? Refusal);

    /// <summary>Runs <paramref name="load"/> on a worker with a time limit: a problem is another exception type, a hang or a bad message.</summary>
    internal static Outcome Loads(Action load, string file)
    {
        Exception? thrown = null;
        var task = Task.Run(() =>
        {
            try
            {
                load();
            }
            catch (Exception e)
            {
                thrown = e;
            }
        });
        if (!task.Wait(CaseTimeout))
        {
            return new($"no answer within {CaseTimeout.TotalSeconds} s", null);
        }

        return thrown switch
        {
            null => new(null, null),
            InputException e => new(CheckMessage(e.Message, file) is { } p ? $"{p}: {e.Message}" : null, e.Message),
            _ => new($"{thrown.GetType().Name}: {thrown.Message}", thrown.Message),
        };
    }

    /// <summary>Runs <c>hnn</c> in-process with a time limit: a problem is an exit code other than 0 and 2, a hang or a bad stderr.</summary>
    internal static Outcome Validates(string[] args, params string[] files)
    {
        var task = CliSandbox.InvokeAsync(args);
        if (!task.Wait(CaseTimeout))
        {
            return new($"no answer within {CaseTimeout.TotalSeconds} s", null);
        }

        var r = task.Result;
        if (r.ExitCode == 0)
        {
            return new(null, null);
        }

        if (r.ExitCode != 2)
        {
            return new($"exit {r.ExitCode}: {r.Stderr}", r.Stderr);
        }

        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length != 1 || !lines[0].StartsWith("error: ", StringComparison.Ordinal))
        {
            return new($"{lines.Length} stderr lines, expected one 'error: ' line: {r.Stderr}", r.Stderr);
        }

        return new(CheckMessage(lines[0], files) is { } p ? $"{p}: {lines[0]}" : null, lines[0]);
    }

    /// <summary>
    /// Generates case i from PCG stream i and <see cref="Seed"/>, applies <paramref name="check"/>, and fails listing
    /// every problem with its case's PCG seed (CsCheck's <c>Check.Sample(gen, ..., seed: that)</c> reproduces and
    /// shrinks it).
    /// </summary>
    private void Property<T>(string name, Gen<T> gen, Func<T, int, Outcome> check, Func<T, string> print)
    {
        var failures = new List<string>();
        var refusals = new List<string>();
        var accepted = 0;
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < Cases; i++)
        {
            var pcg = new PCG((uint)i, Seed);
            var seed = pcg.ToString();
            var value = gen.Generate(pcg, null, out _);
            var outcome = check(value, i);
            if (outcome.Problem is { } problem)
            {
                failures.Add($"case {i} (PCG seed {seed}): {print(value)}\n  -> {problem}");
            }
            else if (outcome.Refusal is { } refusal)
            {
                refusals.Add(refusal);
            }
            else
            {
                accepted++;
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {Cases} cases in {sw.Elapsed.TotalSeconds:F1} s: {accepted} accepted, {refusals.Count} refused, {failures.Count} failed"));
        foreach (var r in refusals.Distinct().Take(6))
        {
            output.WriteLine("  refused: " + Show(r));
        }

        Assert.True(failures.Count == 0, $"{name}: {failures.Count} of {Cases} cases failed:\n" + string.Join("\n", failures.Take(8)));
        // The mutations must exercise both outcomes (a fuzz whose every case is refused, or accepted, tests little).
        Assert.True(refusals.Count > Cases / 4, $"{name}: only {refusals.Count} of {Cases} cases were refused");
        Assert.True(accepted > 0, $"{name}: no case was accepted");
    }

    private static string Show(string text) => text.Length > 600 ? text[..600] + "..." : text.Replace("\0", "\\0", StringComparison.Ordinal);

    [Fact]
    public void Mutated_trajectory_csv_loads_or_fails_with_one_line_naming_the_file()
    {
        using var box = new CliSandbox();
        var valid = TrajectoryCsv();
        Property("trajectory csv", Mutations, (m, i) =>
        {
            var path = box.Write($"traj{i}.csv", Apply(valid, m));
            return Loads(() =>
            {
                var set = DataFile.ReadTrajectories(path, null, 1);
                if (set.Trajectories.Any(t => t.Times.Any(v => !double.IsFinite(v)) || t.States.Any(s => s.Any(v => !double.IsFinite(v)))))
                {
                    throw new InvalidDataException("loaded a non-finite number");
                }
            }, path);
        }, m => string.Join(" ", m.Select(x => x.ToString())));
    }

    [Fact]
    public void Mutated_derivative_csv_loads_or_fails_with_one_line_naming_the_file()
    {
        using var box = new CliSandbox();
        var valid = DerivativeCsv();
        Property("derivative csv", Mutations, (m, i) =>
        {
            var path = box.Write($"d{i}.csv", Apply(valid, m));
            return Loads(() =>
            {
                var data = DataFile.Read(path);
                if (data.X.Any(c => c.Any(v => !double.IsFinite(v))) || data.Dx.Any(c => c.Any(v => !double.IsFinite(v))))
                {
                    throw new InvalidDataException("loaded a non-finite number");
                }
            }, path);
        }, m => string.Join(" ", m.Select(x => x.ToString())));
    }

    /// <summary>A Parquet mutation: a cell set to a bad value, a column dropped, renamed or made integer, rows removed, or the file's bytes cut or flipped.</summary>
    internal sealed record ParquetMutation(int Kind, int Column, int Row, int Value, int Byte);

    private static readonly double[] BadValues = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MaxValue, -0.0, 1e-320];

    [Fact]
    public void Mutated_parquet_data_and_trajectory_files_load_or_fail_with_one_line_naming_the_file()
    {
        using var box = new CliSandbox();
        var gen = Gen.Select(Gen.Int[0, 7], Gen.Int[0, 9], Gen.Int[0, 99], Gen.Int[0, BadValues.Length - 1], Gen.Int[0, 999], (k, c, r, v, b) => new ParquetMutation(k, c, r, v, b))
            .Array[1, 3].Select(Gen.Bool, (ms, traj) => (ms, traj));
        Property("parquet", gen, (x, i) =>
        {
            var (mutations, trajectories) = x;
            var columns = trajectories
                ? new List<(string Name, double[] Values)> { ("traj", [0, 0, 0, 1, 1, 1]), ("t", [0, 0.1, 0.25, 0, 0.1, 0.2]), ("q1", [1, 0.9, 0.8, 0.5, 0.4, 0.3]), ("p1", [0, -0.1, -0.2, 0.3, 0.2, 0.1]) }
                : [("q1", [1, 2, 3, 4, 5, 6]), ("p1", [0, 1, 0, 1, 0, 1]), ("dq1", [0, 1, 0, 1, 0, 1]), ("dp1", [0, -1, -2, -3, -4, -5]), ("H", [0, 1, 2, 5, 8, 13])];
            var intColumns = new HashSet<string>(StringComparer.Ordinal);
            var flips = new List<ParquetMutation>();
            foreach (var m in mutations)
            {
                var c = m.Column % columns.Count;
                switch (m.Kind)
                {
                    case 0 or 1 when columns[c].Values.Length > 0:
                        columns[c].Values[m.Row % columns[c].Values.Length] = BadValues[m.Value];
                        break;
                    case 2 when columns.Count > 1:
                        columns.RemoveAt(c);
                        break;
                    case 3:
                        columns[c] = (columns[c].Name + (m.Value % 2 == 0 ? "x" : " "), columns[c].Values);
                        break;
                    case 4:
                        intColumns.Add(columns[c].Name);
                        break;
                    case 5:
                        columns = [.. columns.Select(col => (col.Name, col.Values[..(m.Row % (col.Values.Length + 1))]))];
                        break;
                    default:
                        flips.Add(m);
                        break;
                }
            }

            var path = Path.Combine(box.Root, $"f{i}.parquet");
            var table = new Table(columns.DistinctBy(col => col.Name).Select(col => intColumns.Contains(col.Name)
                ? new TableColumn(col.Name, col.Values.Select(v => double.IsFinite(v) ? (long)Math.Clamp(v, -1e18, 1e18) : 0L).ToArray())
                : new TableColumn(col.Name, col.Values)));
            ParquetTableIO.WriteAsync(table, path).GetAwaiter().GetResult();
            foreach (var f in flips)
            {
                var bytes = File.ReadAllBytes(path);
                if (f.Kind == 6)
                {
                    File.WriteAllBytes(path, bytes[..(int)((long)bytes.Length * f.Byte / 1000)]);
                }
                else
                {
                    bytes[(int)((long)(bytes.Length - 1) * f.Byte / 999)] ^= (byte)(1 + f.Row);
                    File.WriteAllBytes(path, bytes);
                }
            }

            return Loads(() =>
            {
                if (trajectories)
                {
                    var set = DataFile.ReadTrajectories(path, null, 1);
                    if (set.Trajectories.Any(t => t.Times.Any(v => !double.IsFinite(v)) || t.States.Any(s => s.Any(v => !double.IsFinite(v)))))
                    {
                        throw new InvalidDataException("loaded a non-finite number");
                    }
                }
                else
                {
                    var data = DataFile.Read(path);
                    if (data.X.Any(c => c.Any(v => !double.IsFinite(v))) || data.Dx.Any(c => c.Any(v => !double.IsFinite(v))))
                    {
                        throw new InvalidDataException("loaded a non-finite number");
                    }
                }
            }, path);
        }, x => $"{(x.traj ? "trajectories" : "derivatives")}: {string.Join(" ", x.ms.Select(m => m.ToString()))}");
    }

    [Fact]
    public void Mutated_pipeline_yaml_validates_or_exits_2_with_one_line_naming_the_file()
    {
        using var box = new CliSandbox();
        var valid = CliSandbox.SmallPipeline + "\nrollout:\n  integrators: [verlet]\n  steps: 20\n  dt: 0.01\n  initial: [[1.5, 0]]\n";
        Property("pipeline yaml", Mutations, (m, i) =>
        {
            var text = Apply(valid, m);
            var path = box.Write($"p{i}.yaml", text);
            return Validates(["validate", path], path);
        }, m => string.Join(" ", m.Select(x => x.ToString())));
    }

    /// <summary>Keys a --set may name (valid ones and near misses), and values they may get.</summary>
    private static readonly string[] SetKeys =
    [
        "data.train", "data.test", "data.seed", "data.file", "data.stream_rows", "model.widths", "model.seeds", "model.methods", "model.rcond",
        "model.elm_bias", "model.weight_scale", "anchor.x0", "anchor.h0", "domain.q", "domain.p", "solver.backend", "solver.lanes",
        "solver.chunk_rows", "run.parallelism", "rollout.steps", "rollout.dt", "rollout.initial", "rollout.integrators", "system.name",
        "system.params", "model", "data", "unknown.key", "model.widthz", "include", "name", "adam.steps",
    ];

    [Fact]
    public void Mutated_include_and_set_overrides_validate_or_exit_2_with_one_line_naming_the_file()
    {
        using var box = new CliSandbox();
        var basePipeline = CliSandbox.SmallPipeline.Replace("name: small\n", "", StringComparison.Ordinal);
        var few = Gen.Select(Gen.Enum<Op>(), Gen.Int[0, 999], Gen.Int[0, 999], Gen.Int[0, Tokens.Length - 1], (o, a, b, t) => new Mutation(o, a, b, t)).Array[0, 1];
        var gen = Gen.Select(few, Gen.Select(Gen.Int[0, SetKeys.Length - 1], Gen.Int[0, Tokens.Length - 1]).Array[0, 3], Gen.Int[0, 3], (m, sets, form) => (m, sets, form));
        Property("include + --set", gen, (x, i) =>
        {
            var (mutations, sets, form) = x;
            var inc = box.Write($"base{i}.yaml", Apply(basePipeline, mutations));
            var top = box.Write($"top{i}.yaml", form switch
            {
                0 => $"name: inc\ninclude: [base{i}.yaml]\n",
                1 => $"name: inc\ninclude: base{i}.yaml\ndata:\n  train: 300\n",
                2 => $"include: [base{i}.yaml, base{i}.yaml]\nname: inc\n",
                _ => $"name: inc\ninclude: [base{i}.yaml, missing{i}.yaml]\n",
            });
            var args = new List<string> { "validate", top };
            foreach (var (k, t) in sets)
            {
                args.Add("--set");
                args.Add($"{SetKeys[k]}={Tokens[t]}");
            }

            return Validates([.. args], top, inc, "--set");
        }, x => $"form {x.form}, include: {string.Join(" ", x.m.Select(m => m.ToString()))}; sets: {string.Join(" ", x.sets.Select(s => $"{SetKeys[s.Item1]}={Tokens[s.Item2]}"))}");
    }

    [Fact]
    public void Mutated_adam_init_file_validates_or_exits_2_with_one_line_naming_a_file()
    {
        using var box = new CliSandbox();
        var valid = "w_q1,w_p1,b,c\n" + string.Concat(Enumerable.Range(0, 4).Select(j => string.Create(CultureInfo.InvariantCulture, $"{0.1 * j},{-0.2 * j},{0.3 - j},{1.0 / (j + 1)}\n")));
        Property("adam.init_file", Mutations, (m, i) =>
        {
            var init = box.Write($"init{i}.csv", Apply(valid, m));
            var pipeline = box.Write($"pa{i}.yaml", $"name: fuzz-init\nsystem: {{name: mass-spring}}\ndomain: {{q: [[-5, 5]], p: [[-5, 5]]}}\ndata: {{train: 200, test: 50, seed: 1}}\nanchor: {{x0: [1, 0], h0: 0}}\nmodel: {{methods: [adam], widths: [4], seeds: [1]}}\nadam: {{steps: 10, init_file: init{i}.csv}}\n");
            return Validates(["validate", pipeline], pipeline, init);
        }, m => string.Join(" ", m.Select(x => x.ToString())));
    }

    [Fact]
    public void Pipelines_on_mutated_data_and_trajectory_files_validate_or_exit_2_with_one_line_naming_a_file()
    {
        using var box = new CliSandbox();
        var traj = TrajectoryCsv();
        var data = DerivativeCsv();
        Property("pipeline on data files", Mutations.Select(Gen.Bool, (m, t) => (m, t)), (x, i) =>
        {
            var (mutations, trajectories) = x;
            var file = box.Write($"in{i}.csv", Apply(trajectories ? traj : data, mutations));
            var pipeline = box.Write($"pd{i}.yaml", trajectories
                ? $"name: fuzz-traj\ndata:\n  file: in{i}.csv\n  seed: 1\n  trajectories: {{validation: 1, test: 1}}\nanchor: {{x0: [0, 0], h0: 0}}\nmodel: {{methods: [a-swim], widths: [10], seeds: [7], target: midpoint}}\n"
                : $"name: fuzz-data\ndata:\n  file: in{i}.csv\n  test: 3\n  seed: 1\nanchor: {{x0: [0, 0], h0: 0}}\nmodel: {{methods: [u-swim], widths: [5], seeds: [1]}}\n");
            return Validates(["validate", pipeline], pipeline, file);
        }, x => $"{(x.t ? "trajectories" : "derivatives")}: {string.Join(" ", x.m.Select(m => m.ToString()))}");
    }
}
