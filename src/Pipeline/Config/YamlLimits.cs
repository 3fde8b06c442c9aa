using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Hnn.Pipeline.Config;

/// <summary>
/// A pass over the YAML parser's events, before any tree is built: rejects nesting deeper than <see cref="MaxDepth"/>
/// (the tree builders recurse, so a file nested 10,000 deep would overflow the stack) and more than
/// <see cref="MaxNodes"/> nodes counting every alias as the whole subtree it stands for (a "billion laughs" file of
/// under 1 KB expands to 10^9 nodes). The pass itself is iterative and keeps one small record per open collection
/// and per anchor.
/// </summary>
public static class YamlLimits
{
    /// <summary>Deepest nesting of mappings and sequences (aliases count as the depth they expand to).</summary>
    public const int MaxDepth = 64;

    /// <summary>Most nodes (scalars, mappings, sequences; aliases expanded) in one file or --set value.</summary>
    public const int MaxNodes = 100_000;

    /// <summary>Throws an <see cref="InputException"/> naming <paramref name="source"/> and the line if a limit is passed.</summary>
    public static void Check(string text, string source)
    {
        using var reader = new StringReader(text);
        var scanner = new Scanner(reader);
        try
        {
            Walk(new Parser(scanner), source);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (not a YamlException) for some unclosed flow collections.
            var at = scanner.CurrentPosition;
            throw new InputException($"{source}:{at.Line}:{at.Column}: malformed YAML: unclosed '[' or '{{' (unbalanced brackets?)");
        }
    }

    private static void Walk(Parser parser, string source)
    {
        var anchors = new Dictionary<string, (long Nodes, int Height)>(StringComparer.Ordinal);
        var open = new Stack<Frame>();
        long total = 0;
        while (parser.MoveNext())
        {
            var e = parser.Current!;
            switch (e)
            {
                case MappingStart or SequenceStart:
                    if (open.Count + 1 > MaxDepth)
                    {
                        throw new InputException($"{source}:{e.Start.Line}:{e.Start.Column}: YAML nested more than {MaxDepth} levels deep; at most {MaxDepth} are allowed");
                    }

                    open.Push(new Frame(((NodeEvent)e).Anchor));
                    Add(ref total, 1, e, source, open);
                    break;
                case MappingEnd or SequenceEnd:
                    var done = open.Pop();
                    Remember(anchors, done.Anchor, done.Nodes, done.Height + 1);
                    if (open.TryPeek(out var parent))
                    {
                        parent.Nodes += done.Nodes;
                        parent.Height = Math.Max(parent.Height, done.Height + 1);
                    }

                    break;
                case Scalar s:
                    Remember(anchors, s.Anchor, 1, 0);
                    Add(ref total, 1, e, source, open);
                    break;
                case AnchorAlias a:
                    // An alias inside the collection it names would make the tree cyclic (and its builders recurse forever).
                    if (open.Any(f => !f.Anchor.IsEmpty && f.Anchor.Value == a.Value.Value))
                    {
                        throw new InputException($"{source}:{e.Start.Line}:{e.Start.Column}: alias *{Shown.Cut(a.Value.Value)} is inside the collection it names (a recursive alias); not allowed");
                    }

                    // An unknown alias is left to the tree builder, which reports it as malformed YAML.
                    if (anchors.TryGetValue(a.Value.Value, out var target))
                    {
                        if (open.Count + target.Height > MaxDepth)
                        {
                            throw new InputException($"{source}:{e.Start.Line}:{e.Start.Column}: alias *{Shown.Cut(a.Value.Value)} expands to YAML nested more than {MaxDepth} levels deep; at most {MaxDepth} are allowed");
                        }

                        Add(ref total, target.Nodes, e, source, open);
                        if (open.TryPeek(out var p))
                        {
                            p.Height = Math.Max(p.Height, target.Height);
                        }
                    }

                    break;
            }
        }
    }

    private static void Add(ref long total, long nodes, ParsingEvent e, string source, Stack<Frame> open)
    {
        total += nodes;
        if (total > MaxNodes)
        {
            throw new InputException($"{source}:{e.Start.Line}:{e.Start.Column}: YAML has more than {MaxNodes} nodes (aliases expanded); at most {MaxNodes} are allowed (an alias bomb?)");
        }

        // The node counts toward every collection it is in; the innermost one passes it up when it closes.
        if (open.TryPeek(out var innermost) && !(e is MappingStart or SequenceStart))
        {
            innermost.Nodes += nodes;
        }
    }

    private static void Remember(Dictionary<string, (long, int)> anchors, AnchorName anchor, long nodes, int height)
    {
        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = (nodes, height);
        }
    }

    private sealed class Frame(AnchorName anchor)
    {
        public AnchorName Anchor { get; } = anchor;

        /// <summary>Nodes in this collection, itself included.</summary>
        public long Nodes { get; set; } = 1;

        /// <summary>Collection levels below this one.</summary>
        public int Height { get; set; }
    }
}
