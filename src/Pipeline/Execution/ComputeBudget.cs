namespace Hnn.Pipeline.Execution;

/// <summary>
/// The cores a run may use and how they are handed out, decided once per run (the only place that reads the core
/// count). Two kinds of number come out of it, kept apart on purpose:
/// <list type="bullet">
/// <item>BLAS threads per call (<see cref="LaneBlasThreads"/>, <see cref="SolveBlasThreads"/>): they fix how OpenBLAS
/// splits, so rounds, its work, so they depend on the machine's cores and the fit's lanes only — never on
/// <c>run.parallelism</c> or on what else runs — and every call runs under exactly that count
/// (<see cref="Hnn.Stages.Numerics.ILinearAlgebra.WithThreads"/>).</item>
/// <item>Concurrency (<see cref="ConcurrentLanes"/>, <see cref="ChunkDegree"/>): how many pieces run at once. Pieces
/// write disjoint outputs or are merged in a fixed order, so this changes speed, never a result.</item>
/// </list>
/// </summary>
/// <param name="Cores">Cores of the machine (at least 1).</param>
/// <param name="Parallelism">Experiments running at once (<c>run.parallelism</c>, at least 1).</param>
public sealed record ComputeBudget(int Cores, int Parallelism)
{
    /// <summary>The budget for this machine (<see cref="Environment.ProcessorCount"/>) and <paramref name="parallelism"/>.</summary>
    public static ComputeBudget ForMachine(int parallelism) => new(Math.Max(1, Environment.ProcessorCount), Math.Max(1, parallelism));

    /// <summary>Cores one experiment's parallel loops may use: all divided by the experiments running at once.</summary>
    public int ChunkDegree => Math.Max(1, Cores / Parallelism);

    /// <summary>What the fit needs of this budget: its cores and the lanes' share of them (handed to <see cref="Hnn.Stages.Training.StructuredSolve"/>).</summary>
    public Hnn.Stages.Training.SolveBudget Solve => new(Cores, ChunkDegree);

    /// <summary>Lanes of a fit that run at once (scheduling only).</summary>
    public int ConcurrentLanes(int lanes) => Solve.ConcurrentLanes(lanes);

    /// <summary>BLAS threads inside each lane's calls: the cores shared by the lanes (a function of cores and lanes only).</summary>
    public int LaneBlasThreads(int lanes) => Solve.LaneBlasThreads(lanes);

    /// <summary>BLAS threads of the reduced solve (one large factorisation wants every core).</summary>
    public int SolveBlasThreads => Solve.SolveBlasThreads;

    /// <summary>For logs and the manifest, e.g. "2 cores; BLAS threads: 1 per lane call (2 lanes), 2 in the reduced solve".</summary>
    public string Describe(int lanes) =>
        $"{Cores} cores, {Parallelism} experiment(s) at once; BLAS threads: {LaneBlasThreads(lanes)} per lane call ({lanes} lanes), {SolveBlasThreads} in the reduced solve";
}
