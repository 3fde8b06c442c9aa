using System.CommandLine;
using System.Runtime.InteropServices;
using Hnn.Pipeline.Cli;
using Hnn.Pipeline.Config;
using Serilog;
using Serilog.Events;

namespace Hnn.Pipeline;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // First Ctrl-C / SIGTERM: stop between stages (finished artifacts stay; writes are atomic). A second one:
        // terminate at once (a long LAPACK call cannot be interrupted; nothing partial is left either way), after the
        // shutdown hooks have recorded the run's manifest.
        // A command stopped by the first signal exits with 128 + the signal's number, as shells expect: 130 for SIGINT
        // (Ctrl-C), 143 for SIGTERM; a second signal ends the process with the signal's own status, the same codes.
        using var cts = new CancellationTokenSource();
        var signalExit = 0;
        bool FirstSignal(int exitCode)
        {
            var first = !cts.IsCancellationRequested;
            if (first)
            {
                Console.Error.WriteLine("stopping after the current step (again to stop at once)...");
                signalExit = exitCode;
                cts.Cancel();
            }
            else
            {
                ShutdownHooks.RunAll();
            }

            return first;
        }

        Console.CancelKeyPress += (_, e) => e.Cancel = FirstSignal(InterruptedBySigint);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => ctx.Cancel = FirstSignal(InterruptedBySigterm));
        var code = await HnnCli.InvokeAsync(args, Console.Out, Console.Error, cts.Token).ConfigureAwait(false);
        return InterruptedExitCode(code, signalExit);
    }

    /// <summary>Exit code of a command stopped by the first SIGINT (128 + 2).</summary>
    public const int InterruptedBySigint = 130;

    /// <summary>Exit code of a command stopped by the first SIGTERM (128 + 15).</summary>
    public const int InterruptedBySigterm = 143;

    /// <summary>
    /// The process's exit code: a command that stopped because of a signal (it returns
    /// <see cref="Commands.Failure"/> after an <see cref="OperationCanceledException"/>) exits with that signal's code;
    /// any other outcome (also a command that finished before it noticed the signal) keeps its own.
    /// </summary>
    public static int InterruptedExitCode(int code, int signalExit) =>
        signalExit != 0 && code == Commands.Failure ? signalExit : code;
}

/// <summary>The command-line interface (System.CommandLine). Exit codes: 0 success, 2 bad input, 1 failure (130 / 143 when stopped by SIGINT / SIGTERM: see <see cref="Program"/>).</summary>
public static class HnnCli
{
    public static async Task<int> InvokeAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var storeOption = new Option<string?>("--store") { Description = $"Artifact store directory (default: {PipelineLoader.DefaultStore} in the working directory; for run and plan the pipeline's run.store when it sets one)" };
        var setOption = new Option<string[]>("--set") { Description = "Override a config value: key.path=value (YAML), e.g. --set model.widths=[500,1000]; repeatable", AllowMultipleArgumentsPerToken = false };
        var verboseOption = new Option<bool>("--verbose", "-v") { Description = "Debug logging" };
        var quietOption = new Option<bool>("--quiet", "-q") { Description = "Warnings and errors only" };
        var pipelineArg = new Argument<string>("pipeline") { Description = "Pipeline YAML file, e.g. pipelines/quickstart.yaml" };

        var noReportOption = new Option<bool>("--no-report") { Description = "Do not write the run report (report/report.html, report.md, figures)" };
        var clusterOption = new Option<string?>("--cluster") { Description = "Run the experiments on an Orleans cluster (hnn silo): localhost:PORT[,PORT...] or redis://HOST:PORT; the same as --set run.executor=orleans --set run.cluster=ADDRESS" };
        var run = new Command("run", "Run a pipeline: generate data, sample, solve, evaluate, roll out; print the results table; write the report") { pipelineArg, setOption, storeOption, noReportOption, clusterOption, verboseOption, quietOption };
        var validate = new Command("validate", "Parse and validate a pipeline without running it; print the resolved config") { pipelineArg, setOption };
        var jsonOption = new Option<bool>("--json") { Description = "Machine-readable JSON (docs/SCHEMA.md)" };
        var plan = new Command("plan", "Print the pipeline's stage DAG without running it: every node's key and inputs, which are cached in the store and which would run") { pipelineArg, setOption, storeOption, jsonOption, verboseOption, quietOption };
        var list = new Command("list", "List the runs and artifacts in the store") { storeOption };
        var runArg = new Argument<string>("run") { Description = "Run id (or a unique part of it, or 'latest')" };
        var show = new Command("show", "Show a run's manifest and results") { runArg, storeOption };
        var report = new Command("report", "Write a run's report: one self-contained report.html and a report.md with the config, results, plots and manifest") { runArg, storeOption, verboseOption, quietOption };
        var dryRunOption = new Option<bool>("--dry-run") { Description = "Only list what would be removed" };
        var clean = new Command("clean", "Remove artifacts no run manifest references (and stale temporary files)") { storeOption, dryRunOption };
        var systems = new Command("systems", "List the Hamiltonian systems and their parameters");
        var repeatOption = new Option<int>("--repeat") { Description = "Repetitions per measurement (the median is reported)", DefaultValueFactory = _ => 3 };
        var noReferenceOption = new Option<bool>("--no-reference") { Description = "Skip the full-matrix dgelsd reference solve" };
        var appendOption = new Option<string?>("--append") { Description = "Also append the markdown table to this file" };
        var exportOption = new Option<string?>("--export") { Description = "Also write the full systems solved (first repetition; .npy + index.json) into this directory, for scripts/bench-numpy.sh" };
        var bench = new Command("bench", "Time training against a full-matrix dgelsd reference solve (what numpy calls) on the same data and hidden layers")
        {
            pipelineArg, setOption, repeatOption, noReferenceOption, appendOption, exportOption, verboseOption, quietOption,
        };
        var higBudgetOption = new Option<double?>("--budget") { Description = "Wall-clock seconds per optimiser (default: the file's budgetSeconds)" };
        var higOutOption = new Option<string?>("--out") { Description = "Output folder (default: the file's output)" };
        var higValidateOption = new Option<bool>("--validate") { Description = "Only parse and validate the hig: section; print the resolved settings" };
        var hig = new Command("hig", "Run the half-inverse-gradient control study (Adam, SIP, HIG on coupled oscillators) of a pipeline's hig: section") { pipelineArg, higBudgetOption, higOutOption, higValidateOption, verboseOption, quietOption };
        var higHnn = new HigCommand.HnnOptions();
        higHnn.AddTo(hig);
        var root = new RootCommand("hnn: sampled Hamiltonian neural networks, trained without backpropagation")
        {
            run, validate, plan, list, show, report, clean, systems, bench, hig,
        };

        var exit = 0;
        foreach (var c in ExportCommands.Build(storeOption, stdout, stderr, action => GuardSync(stderr, action), code => exit = code))
        {
            root.Subcommands.Add(c);
        }

        root.Subcommands.Add(HdnnCommand.Create(stdout, stderr, code => exit = code, CreateLogger));
        root.Subcommands.Add(LimitedDataCommand.Create(stdout, stderr, code => exit = code));
        root.Subcommands.Add(LearnedSystemsCommand.Create(stdout, stderr, code => exit = code));
        root.Subcommands.Add(SiloCommand.Create(stdout, stderr, code => exit = code, CreateLogger));
        root.Subcommands.Add(TsqrCommand.Create(stdout, stderr, code => exit = code, CreateLogger));
        foreach (var c in HelpCommands.Build(root, stdout, stderr, code => exit = code))
        {
            root.Subcommands.Add(c);
        }

        root.Subcommands.Add(CompareCommand.Build(storeOption, stdout, action => GuardSync(stderr, action), code => exit = code));
        run.SetAction(async (pr, token) =>
        {
            using var log = CreateLogger(stderr, pr.GetValue(verboseOption), pr.GetValue(quietOption));
            string[] sets = [.. pr.GetValue(setOption) ?? [], .. pr.GetValue(clusterOption) is { } cluster ? ["run.executor=orleans", $"run.cluster={cluster}"] : Array.Empty<string>()];
            exit = await Guard(stderr, log, () => Commands.RunAsync(pr.GetValue(pipelineArg)!, sets, pr.GetValue(storeOption), stdout, log, ct, !pr.GetValue(noReportOption), live: LiveProgress.ForStderr(stderr))).ConfigureAwait(false);
        });
        report.SetAction(async (pr, token) =>
        {
            using var log = CreateLogger(stderr, pr.GetValue(verboseOption), pr.GetValue(quietOption));
            exit = await Guard(stderr, log, () => Commands.ReportAsync(pr.GetValue(storeOption) ?? PipelineLoader.DefaultStore, pr.GetValue(runArg)!, stdout, log, ct, LiveProgress.ForStderr(stderr))).ConfigureAwait(false);
        });
        bench.SetAction(async (pr, token) =>
        {
            using var log = CreateLogger(stderr, pr.GetValue(verboseOption), pr.GetValue(quietOption));
            var repeat = pr.GetValue(repeatOption);
            exit = repeat < 1
                ? await BadRepeat(stderr, repeat).ConfigureAwait(false)
                : await Guard(stderr, log, () => Bench.RunAsync(pr.GetValue(pipelineArg)!, pr.GetValue(setOption) ?? [], repeat, !pr.GetValue(noReferenceOption), pr.GetValue(appendOption), stdout, log, ct, pr.GetValue(exportOption))).ConfigureAwait(false);
        });
        hig.SetAction(async (pr, token) =>
        {
            using var log = CreateLogger(stderr, pr.GetValue(verboseOption), pr.GetValue(quietOption));
            exit = await Guard(stderr, log, () => Task.FromResult(pr.GetValue(higValidateOption)
                ? HigCommand.Validate(pr.GetValue(pipelineArg)!, stdout)
                : pr.GetValue(higHnn.Hnn)
                ? HigCommand.RunHnn(pr.GetValue(pipelineArg)!, higHnn, pr, pr.GetValue(higOutOption), stdout, log, ct)
                : HigCommand.Run(pr.GetValue(pipelineArg)!, pr.GetValue(higBudgetOption), pr.GetValue(higOutOption), stdout, log, ct))).ConfigureAwait(false);
        });
        validate.SetAction(pr => exit = GuardSync(stderr, () => Commands.Validate(pr.GetValue(pipelineArg)!, pr.GetValue(setOption) ?? [], stdout)));
        plan.SetAction(pr =>
        {
            using var log = CreateLogger(stderr, pr.GetValue(verboseOption), pr.GetValue(quietOption) || pr.GetValue(jsonOption));
            exit = GuardSync(stderr, () => PlanCommand.Run(pr.GetValue(pipelineArg)!, pr.GetValue(setOption) ?? [], pr.GetValue(storeOption), pr.GetValue(jsonOption), stdout, log));
        });
        list.SetAction(pr => exit = GuardSync(stderr, () => Commands.List(pr.GetValue(storeOption) ?? PipelineLoader.DefaultStore, stdout)));
        show.SetAction(pr => exit = GuardSync(stderr, () => Commands.Show(pr.GetValue(storeOption) ?? PipelineLoader.DefaultStore, pr.GetValue(runArg)!, stdout)));
        clean.SetAction(pr => exit = GuardSync(stderr, () => Commands.Clean(pr.GetValue(storeOption) ?? PipelineLoader.DefaultStore, pr.GetValue(dryRunOption), stdout)));
        systems.SetAction(pr => exit = GuardSync(stderr, () => Commands.Systems(stdout)));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One line (as every bad-input message): what was wrong, and the help of the command that was parsed.
            var names = new List<string>();
            for (var c = parsed.CommandResult; c is not null && c.Command is not RootCommand; c = c.Parent as System.CommandLine.Parsing.CommandResult)
            {
                names.Insert(0, c.Command.Name);
            }

            var path = string.Join(' ', names);
            await stderr.WriteLineAsync(CliChecks.ParseErrorLine(parsed.Errors.Select(e => e.Message), path)).ConfigureAwait(false);
            return Commands.BadInput;
        }

        // ProcessTerminationTimeout = null: signals are handled by Main (graceful stop, manifest written), not by
        // System.CommandLine, which would kill the process two seconds after a signal.
        // EnableDefaultExceptionHandler = false: an exception no command caught is not printed with its stack trace by
        // System.CommandLine but given the one-line form here (the trace goes to a file; -v / --verbose prints it too).
        int code;
        try
        {
            code = await parsed.InvokeAsync(
                new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return Commands.Failure;
        }
        catch (InputException e)
        {
            await stderr.WriteLineAsync($"error: {OneLine(e.Message)}").ConfigureAwait(false);
            return Commands.BadInput;
        }
        catch (Exception e) when (ErrorLog.IsInternal(e) || e is IOException or UnauthorizedAccessException)
        {
            var path = ErrorLog.IsInternal(e) ? ErrorLog.Write(e) : null;
            if (path is not null && args.Any(a => a is "-v" or "--verbose"))
            {
                await stderr.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            }

            await stderr.WriteLineAsync(path is null ? $"error: {OneLine(e.Message)}" : ErrorLog.Line(e, path)).ConfigureAwait(false);
            return Commands.Failure;
        }

        return code != 0 ? code : exit;
    }

    private const string LogTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}";

    private static async Task<int> BadRepeat(TextWriter stderr, int repeat)
    {
        await stderr.WriteLineAsync($"error: --repeat {repeat}: must be at least 1").ConfigureAwait(false);
        return Commands.BadInput;
    }

    private static Serilog.Core.Logger CreateLogger(TextWriter stderr, bool verbose, bool quiet)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? LogEventLevel.Debug : quiet ? LogEventLevel.Warning : LogEventLevel.Information)
            .Enrich.WithProperty("Stage", "-");

        // The console sink (colours) only when stderr is the process's console, and then through the live progress
        // display while one runs (Cli/LiveProgress.cs); otherwise log to the writer we were given.
        return (ReferenceEquals(stderr, Console.Error)
            ? config.WriteTo.Sink(LiveProgress.LogSink(
                new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Console(
                    outputTemplate: LogTemplate,
                    standardErrorFromLevel: LogEventLevel.Verbose,
                    formatProvider: System.Globalization.CultureInfo.InvariantCulture).CreateLogger(),
                LogTemplate))
            : config.WriteTo.Sink(new TextWriterSink(stderr)))
            .CreateLogger();
    }

    private sealed class TextWriterSink(TextWriter writer) : Serilog.Core.ILogEventSink
    {
        private readonly Serilog.Formatting.Display.MessageTemplateTextFormatter _formatter = new(LogTemplate, System.Globalization.CultureInfo.InvariantCulture);

        public void Emit(LogEvent logEvent)
        {
            lock (writer)
            {
                _formatter.Format(logEvent, writer);
                writer.Flush();
            }
        }
    }

    private static async Task<int> Guard(TextWriter stderr, ILogger log, Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (InputException e)
        {
            await stderr.WriteLineAsync($"error: {OneLine(e.Message)}").ConfigureAwait(false);
            return Commands.BadInput;
        }
        catch (OperationCanceledException)
        {
            log.Warning("interrupted: finished stages are in the store; run the same command again to resume");
            return Commands.Failure;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            await stderr.WriteLineAsync($"error: {OneLine(e.Message)}").ConfigureAwait(false);
            return Commands.BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The file system refused (disk full, permissions, a path that vanished): one line, as GuardSync does, not a stack trace.
            log.Error("failed: {Message}", OneLine(e.Message));
            return Commands.Failure;
        }
        catch (Exception e)
        {
            // An internal failure: one line (what failed, where the trace is); the trace in a file, on stderr only with -v.
            var path = ErrorLog.Write(e);
            if (log.IsEnabled(LogEventLevel.Debug))
            {
                log.Error(e, "failed: {Message}", OneLine(e.Message));
            }

            await stderr.WriteLineAsync(ErrorLog.Line(e, path)).ConfigureAwait(false);
            return Commands.Failure;
        }
    }

    private static int GuardSync(TextWriter stderr, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (InputException e)
        {
            stderr.WriteLine($"error: {OneLine(e.Message)}");
            return Commands.BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {OneLine(e.Message)}");
            return Commands.Failure;
        }
        catch (Exception e) when (ErrorLog.IsInternal(e))
        {
            stderr.WriteLine(ErrorLog.Line(e, ErrorLog.Write(e)));
            return Commands.Failure;
        }
    }

    private static string OneLine(string s) => s.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
