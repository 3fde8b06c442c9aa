using Hnn.Pipeline;
using Hnn.Pipeline.Cli;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary><c>hnn help</c>, <c>hnn completion</c>, the <c>[suggest]</c> directive the completion script calls, and the exit codes of interrupted commands.</summary>
public sealed class HelpCompletionTests
{
    [Fact]
    public async Task Help_of_a_command_is_what_command_help_prints()
    {
        var help = await CliSandbox.InvokeAsync(["help", "run"]);
        var direct = await CliSandbox.InvokeAsync(["run", "--help"]);
        Assert.Equal(0, help.ExitCode);
        Assert.Equal(direct.Stdout, help.Stdout);
        Assert.Contains("--no-report", help.Stdout, StringComparison.Ordinal);

        var all = await CliSandbox.InvokeAsync(["help"]);
        Assert.Equal(0, all.ExitCode);
        Assert.Contains("predict", all.Stdout, StringComparison.Ordinal);
        Assert.Contains("completion", all.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_of_an_unknown_command_is_bad_input_naming_the_commands()
    {
        var r = await CliSandbox.InvokeAsync(["help", "rnu"]);
        Assert.Equal(Commands.BadInput, r.ExitCode);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("no command 'rnu'", line, StringComparison.Ordinal);
        Assert.Contains("run", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bash", "complete -o default -F _hnn_complete hnn")]
    [InlineData("zsh", "bashcompinit")]
    public async Task Completion_prints_a_script_that_asks_the_suggest_directive(string shell, string expected)
    {
        var r = await CliSandbox.InvokeAsync(["completion", shell]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(expected, r.Stdout, StringComparison.Ordinal);
        Assert.Contains("[suggest:$point]", r.Stdout, StringComparison.Ordinal);
        var bad = await CliSandbox.InvokeAsync(["completion", "fish"]);
        Assert.Equal(Commands.BadInput, bad.ExitCode);
    }

    [Fact]
    public async Task The_suggest_directive_completes_commands_and_options()
    {
        // What the completion function asks for: the line with the cursor after "hnn r" (position 5), and after "hnn run --no".
        var commands = await CliSandbox.InvokeAsync(["[suggest:5]", "hnn r"]);
        Assert.Equal(0, commands.ExitCode);
        var words = commands.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // Words that start with the typed part come first (then ones that contain it); the script keeps only the former.
        Assert.Equal(["report", "run"], words.Take(2));
        Assert.Equal(["report", "run"], words.Where(w => w.StartsWith('r')).Order(StringComparer.Ordinal));
        var options = await CliSandbox.InvokeAsync(["[suggest:12]", "hnn run --no"]);
        Assert.Contains("--no-report", options.Stdout.Split('\n', StringSplitOptions.TrimEntries));
        var formats = await CliSandbox.InvokeAsync(["[suggest:27]", "hnn export latest --format "]);
        Assert.Equal(["json", "onnx", "parquet"], formats.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(w => w is "json" or "parquet" or "onnx").Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(1, 0, 1)] // a failure without a signal stays 1
    [InlineData(1, Program.InterruptedBySigint, 130)] // stopped by Ctrl-C: 128 + 2
    [InlineData(1, Program.InterruptedBySigterm, 143)] // stopped by SIGTERM: 128 + 15
    [InlineData(0, Program.InterruptedBySigint, 0)] // finished before it noticed the signal
    [InlineData(2, Program.InterruptedBySigterm, 2)] // bad input stays bad input
    public void Interrupted_commands_exit_with_128_plus_the_signal(int code, int signalExit, int expected) =>
        Assert.Equal(expected, Program.InterruptedExitCode(code, signalExit));
}
