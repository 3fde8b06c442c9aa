using Hnn.Pipeline;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>'hnn learned-systems' end to end on a tiny Kepler problem (one row printed, a figure drawn); bad input is exit 2.</summary>
public sealed class LearnedSystemsCommandTests
{
    [Fact]
    public async Task Prints_a_kepler_row_and_draws_the_drift_figure()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var dir = Path.Combine(Path.GetTempPath(), "hnn-learned-systems-" + Guid.NewGuid().ToString("N"));
        try
        {
            var code = await HnnCli.InvokeAsync(
                ["learned-systems", "--systems", "kepler", "--seeds", "1", "--kepler-width", "40", "--kepler-trajectories", "30", "--backend", "managed", "--plot-dir", dir],
                stdout, stderr, CancellationToken.None);
            Assert.True(code == 0, stderr.ToString());
            var text = stdout.ToString();
            Assert.Contains("| 3943 | 992472 | 41 |", text, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(dir, "kepler-learned-invariant-drift.png")) || text.Contains("learned rollout failed", StringComparison.Ordinal));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("--systems", "pendulum", "--systems: 'pendulum' is not one of kepler, fput")]
    [InlineData("--seeds", "0", "--seeds 0: must be an integer >= 1")]
    [InlineData("--fput-width", "0", "--fput-width 0: must be an integer >= 1")]
    [InlineData("--kepler-trajectories", "-3", "--kepler-trajectories -3: must be an integer >= 1")]
    [InlineData("--systems", ",", "--systems: empty; allowed: kepler, fput (comma-separated)")]
    [InlineData("--fput-regularisation", "ridge=-1", "--fput-regularisation: 'ridge=-1' is not allowed: rcond, rcond=V (0 <= V < 1), ridge=V (V >= 0), auto-ridge or auto-rcond")]
    [InlineData("--fput-regularisation", "gcv", "--fput-regularisation: 'gcv' is not allowed: rcond, rcond=V (0 <= V < 1), ridge=V (V >= 0), auto-ridge or auto-rcond")]
    [InlineData("--fput-swim-pairs", "within", "--fput-swim-pairs: 'within' is not allowed: any or across-trajectories")]
    [InlineData("--fput-method", "elm", "--fput-method: 'elm' is not allowed: a-swim or u-swim")]
    [InlineData("--fput-betas", "2", "--fput-betas: '2' is not allowed: 0 or 1 (comma-separated)")]
    [InlineData("--fput-betas", ",", "--fput-betas: empty; allowed: 0, 1 (comma-separated)")]
    [InlineData("--kepler-weight-scale-q", "2", "--kepler-weight-scale-q: 2 is allowed only with --kepler-separable")]
    [InlineData("--kepler-weight-scale-p", "-1", "--kepler-weight-scale-p: -1 is not allowed: must be 0 (= --kepler-weight-scale) or in (0, 1000000]")]
    [InlineData("--kepler-rcond", "1", "--kepler-rcond: 1 is not allowed: must be in [0, 1)")]
    public async Task Bad_options_are_exit_2_with_one_line(string option, string value, string message)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await HnnCli.InvokeAsync(["learned-systems", option, value], stdout, stderr, CancellationToken.None);
        Assert.Equal(2, code);
        Assert.Equal($"error: {message}", stderr.ToString().Trim());
    }
}
