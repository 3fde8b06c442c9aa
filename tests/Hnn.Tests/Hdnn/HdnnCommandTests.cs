using Hnn.Pipeline;
using Xunit;

namespace Hnn.Tests.Hdnn;

/// <summary>'hnn hdnn' end to end on a tiny problem: the table is printed, a figure written, bad input rejected.</summary>
public sealed class HdnnCommandTests
{
    [Fact]
    public async Task Prints_the_table_and_writes_a_figure()
    {
        var dir = Path.Combine(Path.GetTempPath(), "hdnn-cli-" + Environment.ProcessId + "-" + Environment.CurrentManagedThreadId);
        try
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var code = await HnnCli.InvokeAsync(
                ["hdnn", "--dataset", "double_moons", "--model", "H2", "--layers", "4", "--epochs", "1", "--points", "400", "--seeds", "1,2", "--figure", dir, "--sensitivity"],
                stdout, stderr, CancellationToken.None);
            Assert.True(code == 0, stderr.ToString());
            var text = stdout.ToString();
            Assert.Contains("| double_moons | H2 | 4 | 1 | 1 |", text, StringComparison.Ordinal);
            Assert.Contains("mean of 2", text, StringComparison.Ordinal);
            Assert.Contains("sensitivity mean", text, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(dir, "hdnn-double_moons-H2-seed1.png")));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Unknown_data_set_is_bad_input()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await HnnCli.InvokeAsync(["hdnn", "--dataset", "spirals", "--seeds", "1"], stdout, stderr, CancellationToken.None);
        Assert.Equal(2, code);
        Assert.Contains("--dataset 'spirals': not allowed; allowed: swiss_roll, double_circles, double_moons", stderr.ToString(), StringComparison.Ordinal);
    }
}
