using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// Inputs the reader fuzz and its review found crashing or leaking, as plain regression tests. All were
/// <c>adam.init_file</c> (NetworkFile, read when the pipeline is validated), which opened the file without the
/// regular-file and line-length checks the data readers have: /dev/zero was read until an ArgumentOutOfRangeException
/// escaped as an unhandled exception with a stack trace (after minutes); a FIFO blocked <c>hnn validate</c> forever;
/// /proc/self/environ and /etc/passwd were echoed into the message (the environment, a password file's first line).
/// The same review of the other file readers found <c>hnn hig FILE</c> (HigStudySpec) reading /dev/zero until an
/// OutOfMemoryException (exit 1) and blocking on a FIFO.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class FuzzRegressionTests
{
    private const string AdamPipeline = """
        name: adam-init
        system: {name: mass-spring}
        domain: {q: [[-5, 5]], p: [[-5, 5]]}
        data: {train: 200, test: 50, seed: 1}
        anchor: {x0: [1, 0], h0: 0}
        model: {methods: [adam], widths: [4], seeds: [1]}
        adam: {steps: 10, init_file: INIT}
        """;

    [Theory]
    [InlineData("/dev/zero", "is a character device, not a regular file")]
    [InlineData("/proc/self/environ", "NUL byte")]
    [InlineData("/etc/passwd", "not all column names")]
    public async Task A_special_or_foreign_init_file_is_one_line_without_its_content(string file, string expected)
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", AdamPipeline.Replace("INIT", file, StringComparison.Ordinal));
        // WaitAsync throws a TimeoutException if validate hangs (as it did on a FIFO).
        var r = await CliSandbox.InvokeAsync(["validate", pipeline]).WaitAsync(TimeSpan.FromSeconds(30));
        CliAssert.BadInput(r, [pipeline, "adam.init_file", file, expected]);
        Assert.DoesNotContain("root:", r.Stderr, StringComparison.Ordinal); // /etc/passwd's first line
        Assert.DoesNotContain("PATH=", r.Stderr, StringComparison.Ordinal); // the environment
    }

    [Fact]
    public async Task A_fifo_as_init_file_is_refused_without_opening_it()
    {
        using var box = new CliSandbox();
        var fifo = BoundedInputTests.MakeFifo(box.Root, "init.csv");
        var pipeline = box.Write("p.yaml", AdamPipeline.Replace("INIT", fifo, StringComparison.Ordinal));
        var r = await CliSandbox.InvokeAsync(["validate", pipeline]).WaitAsync(TimeSpan.FromSeconds(30));
        CliAssert.BadInput(r, [pipeline, "adam.init_file", "is a FIFO (named pipe), not a regular file"]);
    }

    [Fact]
    public async Task An_init_file_line_without_end_and_an_extra_column_are_cut_short()
    {
        using var box = new CliSandbox();
        var longLine = box.Write("long.csv", "w_q1,w_p1,b," + new string('x', 100_000) + "\n");
        var r = await CliSandbox.InvokeAsync(["validate", box.Write("p1.yaml", AdamPipeline.Replace("INIT", longLine, StringComparison.Ordinal))]);
        CliAssert.BadInput(r, ["long.csv:1: line longer than 65536 characters"]);
        Assert.True(r.Stderr.Length < 400, r.Stderr);

        var extra = box.Write("extra.csv", "w_q1,w_p1,b,c," + new string('S', 300) + "\n1,2,3,4,5\n");
        r = await CliSandbox.InvokeAsync(["validate", box.Write("p2.yaml", AdamPipeline.Replace("INIT", extra, StringComparison.Ordinal))]);
        CliAssert.BadInput(r, ["extra.csv: unexpected column(s) SSSS", "..."]);
        Assert.DoesNotContain(new string('S', 41), r.Stderr, StringComparison.Ordinal); // at most 40 characters of a cell are quoted
    }

    [Fact]
    public async Task Hig_study_refuses_a_device_and_a_fifo_without_reading_them()
    {
        using var box = new CliSandbox();
        var fifo = BoundedInputTests.MakeFifo(box.Root, "study.yaml");
        foreach (var (file, expected) in new[] { ("/dev/zero", "is a character device, not a regular file"), (fifo, "is a FIFO (named pipe), not a regular file") })
        {
            var r = await CliSandbox.InvokeAsync(["hig", file, "--validate"]).WaitAsync(TimeSpan.FromSeconds(30));
            CliAssert.BadInput(r, [file, expected]);
        }
    }
}
