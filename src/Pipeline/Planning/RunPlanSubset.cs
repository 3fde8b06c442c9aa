namespace Hnn.Pipeline.Planning;

/// <summary>
/// Part of a plan, for executors that run a plan's experiments in several places (the cluster executor, src/Cluster):
/// the chosen experiments with exactly the nodes they read (their data, and the true-H rollouts when they have
/// rollouts), in the plan's order. Keys are the plan's: a subset computes the same artifacts as the whole plan.
/// </summary>
public static class RunPlanSubset
{
    /// <summary>
    /// The plan of experiments <paramref name="experiments"/> (indices into <see cref="RunPlan.Experiments"/>) only; with
    /// <paramref name="prepare"/> also every data node and the true-H rollouts (the nodes experiments share, computed once
    /// before they fan out; with no experiments that is all it runs).
    /// </summary>
    public static RunPlan Only(this RunPlan plan, IReadOnlyCollection<int> experiments, bool prepare = false)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(experiments);
        foreach (var i in experiments)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(i, nameof(experiments));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(i, plan.Experiments.Count, nameof(experiments));
        }

        var chosen = experiments.Distinct().Order().Select(i => plan.Experiments[i]).ToList();
        var data = prepare ? plan.Data : plan.Data.Where(d => chosen.Any(e => e.Data == d)).ToList();
        var truth = prepare || chosen.Any(e => e.Rollouts.Count > 0) ? plan.Truth : null;

        // The nodes they read: the closure over inputs of every node the chosen parts name.
        var keep = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<StageNode>();
        foreach (var d in data)
        {
            stack.Push(d.Source);
            if (d.Split is not null)
            {
                stack.Push(d.Split);
            }
        }

        if (truth is not null)
        {
            stack.Push(truth.SystemNode);
            stack.Push(truth.Reference);
            foreach (var (_, node) in truth.Exact)
            {
                stack.Push(node);
            }
        }

        foreach (var e in chosen)
        {
            foreach (var n in e.Chain.Nodes)
            {
                stack.Push(n);
            }

            stack.Push(e.Evaluate);
            foreach (var r in e.Rollouts)
            {
                stack.Push(r.Node);
                stack.Push(r.Exact);
            }
        }

        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (keep.Add(n.Id))
            {
                foreach (var i in n.Inputs)
                {
                    stack.Push(i);
                }
            }
        }

        return plan with
        {
            Nodes = [.. plan.Nodes.Where(n => keep.Contains(n.Id))],
            Data = [.. data],
            Truth = truth,
            Experiments = chosen,
        };
    }
}
