namespace Hnn.Datasets;

/// <summary>
/// One observed trajectory: its id, its observation times (strictly increasing, at least two) and the states there,
/// column-major: <c>States[i][n]</c> is coordinate i (q_1..q_d, p_1..p_d) at <c>Times[n]</c>. Steps may be uneven.
/// The arrays are not copied: treat them as read-only once built.
/// </summary>
public sealed record TrajectorySeries
{
    /// <summary>Checks the shapes and the times; throws <see cref="ArgumentException"/> naming the problem.</summary>
    public TrajectorySeries(string id, double[] times, double[][] states)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(states);
        if (times.Length < 2)
        {
            throw new ArgumentException($"trajectory '{id}' has {times.Length} observation(s); at least 2 are needed (one step)", nameof(times));
        }

        if (states.Length < 2 || states.Length % 2 != 0)
        {
            throw new ArgumentException($"trajectory '{id}' has {states.Length} coordinates; expected 2d >= 2 (q and p)", nameof(states));
        }

        for (var i = 0; i < states.Length; i++)
        {
            if (states[i] is null || states[i].Length != times.Length)
            {
                throw new ArgumentException($"trajectory '{id}' coordinate {i} has {states[i]?.Length ?? 0} values for {times.Length} times", nameof(states));
            }

            for (var n = 0; n < times.Length; n++)
            {
                if (!double.IsFinite(states[i][n]))
                {
                    throw new ArgumentException($"trajectory '{id}' coordinate {i} at observation {n} is {Guard.Format(states[i][n])}; states must be finite", nameof(states));
                }
            }
        }

        for (var n = 0; n < times.Length; n++)
        {
            if (!double.IsFinite(times[n]))
            {
                throw new ArgumentException($"trajectory '{id}' time {n} is {Guard.Format(times[n])}; times must be finite", nameof(times));
            }

            if (n > 0 && !(times[n] > times[n - 1]))
            {
                throw new ArgumentException(
                    $"trajectory '{id}' times must be strictly increasing: t[{n - 1}] = {Guard.Format(times[n - 1])}, t[{n}] = {Guard.Format(times[n])}", nameof(times));
            }
        }

        Id = id;
        Times = times;
        States = states;
    }

    /// <summary>The trajectory's id (the <c>traj</c> column of a file, or its index when generated).</summary>
    public string Id { get; }

    /// <summary>Observation times, strictly increasing.</summary>
    public double[] Times { get; }

    /// <summary><c>States[i][n]</c>: coordinate i at <c>Times[n]</c>.</summary>
    public double[][] States { get; }

    /// <summary>Degrees of freedom d.</summary>
    public int Dof => States.Length / 2;

    /// <summary>Number of observations.</summary>
    public int Length => Times.Length;

    /// <summary>Number of steps (observations - 1).</summary>
    public int Steps => Times.Length - 1;
}

/// <summary>
/// Trajectories of one Hamiltonian system with d degrees of freedom: the data of the trajectory formulations
/// (docs/ALGORITHM.md §6). Splits are by trajectory, never by row.
/// </summary>
public sealed class TrajectorySet
{
    /// <summary>Checks that there is at least one trajectory and that all have the same d.</summary>
    public TrajectorySet(IReadOnlyList<TrajectorySeries> trajectories)
    {
        ArgumentNullException.ThrowIfNull(trajectories);
        if (trajectories.Count == 0)
        {
            throw new ArgumentException("a trajectory set needs at least one trajectory", nameof(trajectories));
        }

        var dof = trajectories[0].Dof;
        foreach (var t in trajectories)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(trajectories));
            if (t.Dof != dof)
            {
                throw new ArgumentException($"trajectory '{t.Id}' has {t.Dof} degree(s) of freedom, '{trajectories[0].Id}' has {dof}", nameof(trajectories));
            }
        }

        Trajectories = [.. trajectories];
        Dof = dof;
    }

    /// <summary>The trajectories, in order.</summary>
    public IReadOnlyList<TrajectorySeries> Trajectories { get; }

    /// <summary>Degrees of freedom d.</summary>
    public int Dof { get; }

    /// <summary>Number of trajectories.</summary>
    public int Count => Trajectories.Count;

    /// <summary>Total number of steps (pairs of consecutive observations) over all trajectories.</summary>
    public long StepCount => Trajectories.Sum(t => (long)t.Steps);

    /// <summary>The trajectories at <paramref name="indices"/>, in that order.</summary>
    public TrajectorySet Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return new TrajectorySet([.. indices.Select(i => Trajectories[i])]);
    }

    /// <summary>
    /// Splits by trajectory: a permutation of 0..Count-1 from <c>Rng.Derive(seed, "trajectories/split")</c>; its first
    /// <paramref name="test"/> entries are the test set, the next <paramref name="validation"/> the validation set (empty
    /// when 0), the rest the training set; each part keeps the original order. No row of a trajectory is ever in two
    /// parts.
    /// </summary>
    /// <exception cref="ArgumentException">Negative counts, or fewer than one trajectory left to train on.</exception>
    public TrajectorySplit Split(int validation, int test, ulong seed)
    {
        if (validation < 0 || test < 0 || (long)validation + test >= Count)
        {
            throw new ArgumentException(
                $"cannot hold out {validation} validation and {test} test trajectories of {Count}: at least one must remain to train on");
        }

        var order = Enumerable.Range(0, Count).ToArray();
        new Rng(Rng.Derive(seed, "trajectories/split")).Shuffle(order.AsSpan());
        var testIdx = order[..test].Order().ToArray();
        var validationIdx = order[test..(test + validation)].Order().ToArray();
        var trainIdx = order[(test + validation)..].Order().ToArray();
        return new TrajectorySplit(Subset(trainIdx), validation == 0 ? null : Subset(validationIdx), test == 0 ? null : Subset(testIdx));
    }
}

/// <summary>A split by trajectory: training, validation (or null) and test (or null) trajectories.</summary>
public sealed record TrajectorySplit(TrajectorySet Train, TrajectorySet? Validation, TrajectorySet? Test);
