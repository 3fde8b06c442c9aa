using Hnn.Pipeline;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>'hnn limited-data' end to end on a tiny problem: rows, summary and order are printed; bad input is exit 2.</summary>
public sealed class LimitedDataCommandTests
{
    [Fact]
    public async Task Prints_runs_summary_and_order()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await HnnCli.InvokeAsync(
            ["limited-data", "--h", "0.4,0.8", "--seeds", "2", "--train", "300", "--test", "200", "--width", "40"], stdout, stderr, CancellationToken.None);
        Assert.True(code == 0, stderr.ToString());
        var text = stdout.ToString();
        Assert.Contains("| finite-difference | 0.4 | 3943 | 992472 |", text, StringComparison.Ordinal);
        Assert.Contains("| midpoint | 0.8 | 3944 | 992473 |", text, StringComparison.Ordinal);
        Assert.Contains("Summary over 2 seed(s)", text, StringComparison.Ordinal);
        Assert.Contains("observed order in h (midpoint", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--h", "0.1,-1", "--h: '-1' is not allowed: each step must be a finite number > 0")]
    [InlineData("--formulations", "euler", "--formulations: 'euler' is not one of finite-difference, midpoint")]
    public async Task Bad_options_are_exit_2_with_one_line(string option, string value, string message)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await HnnCli.InvokeAsync(["limited-data", option, value, "--seeds", "1"], stdout, stderr, CancellationToken.None);
        Assert.Equal(2, code);
        Assert.Equal($"error: {message}", stderr.ToString().Trim());
    }
}
