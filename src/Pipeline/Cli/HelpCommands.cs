using System.CommandLine;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// <c>hnn help [command]</c> (the help of a command, as <c>hnn command --help</c> prints it) and
/// <c>hnn completion bash|zsh</c> (a shell function that asks hnn for completions through System.CommandLine's
/// <c>[suggest]</c> directive; README, "Shell completion").
/// </summary>
internal static class HelpCommands
{
    public static Command[] Build(RootCommand root, TextWriter stdout, TextWriter stderr, Action<int> setExit)
    {
        var topic = new Argument<string[]>("command") { Description = "The command to explain (none: the list of commands)", Arity = ArgumentArity.ZeroOrMore };
        var help = new Command("help", "Show the help of a command, e.g. 'hnn help run' (the same as 'hnn run --help')") { topic };
        help.SetAction(pr =>
        {
            var words = pr.GetValue(topic) ?? [];
            Command target = root;
            foreach (var w in words)
            {
                var next = target.Subcommands.FirstOrDefault(c => c.Name == w || c.Aliases.Contains(w));
                if (next is null)
                {
                    var under = target == root ? string.Empty : $" under '{target.Name}'";
                    var allowed = target.Subcommands.Count == 0
                        ? $"'{target.Name}' has no subcommands; try 'hnn help {target.Name}'"
                        : $"commands: {string.Join(", ", target.Subcommands.Select(c => c.Name))}";
                    stderr.WriteLine($"error: help {Config.Shown.Cut(string.Join(" ", words))}: no command '{Config.Shown.Cut(w)}'{under}; {allowed}");
                    setExit(Commands.BadInput);
                    return;
                }

                target = next;
            }

            setExit(root.Parse([.. words, "--help"]).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr }));
        });

        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var completion = new Command("completion", "Print a shell completion script: eval \"$(hnn completion bash)\" (or zsh) in your shell's rc file") { shell };
        completion.SetAction(pr => stdout.Write(Script(pr.GetValue(shell)!)));
        return [help, completion];
    }

    /// <summary>
    /// The completion function: it rewrites the line so that it starts with "hnn" (however hnn was called: a path, a
    /// link), asks <c>hnn [suggest:POSITION] "LINE"</c> for the words that fit at the cursor, and falls back to file
    /// names (pipelines, data files) when there are none.
    /// </summary>
    public static string Script(string shell)
    {
        const string Function = """
            _hnn_complete() {
              local first=${COMP_WORDS[0]}
              local line="hnn${COMP_LINE:${#first}}"
              local point=$(( COMP_POINT - ${#first} + 3 ))
              local cur=${COMP_WORDS[COMP_CWORD]}
              local IFS=$'\n'
              COMPREPLY=( $(compgen -W "$("$first" "[suggest:$point]" "$line" 2>/dev/null)" -- "$cur") )
            }
            complete -o default -F _hnn_complete hnn

            """;
        return shell == "zsh"
            ? "# hnn completion for zsh (through bash completion emulation)\nautoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + Function
            : "# hnn completion for bash\n" + Function;
    }
}
