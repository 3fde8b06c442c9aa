using Hnn.Stages.Numerics;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Config;

/// <summary>
/// <c>solver:</c> — the linear-algebra backend, the solve mode, QR chunk rows, QR lanes and the truncation of the reduced
/// triangle. Defaults: auto, structured, <see cref="OutputLayer.DefaultChunkRows"/> rows, <see cref="DefaultLanes"/>
/// lanes, svd. The backend is parsed here, once, into a <see cref="SolverBackend"/>; its name stays the YAML and output form.
/// </summary>
internal static class SolverSection
{
    public static readonly string[] Keys = ["backend", "mode", "chunk_rows", "lanes", "truncation"];

    public static readonly string[] Modes = ["structured", "full"];


    public const SolverBackend DefaultBackend = SolverBackend.Auto;

    public const SolveMode DefaultMode = SolveMode.Structured;

    public const int DefaultChunkRows = OutputLayer.DefaultChunkRows;

    /// <summary>Default QR lanes: two, whatever the machine (keys and results do not depend on the core count).</summary>
    public const int DefaultLanes = 2;

    /// <summary>solver.truncation's default: the SVD of the reduced triangle (<see cref="Truncation.Default"/>).</summary>
    public static Truncation DefaultTruncation => Truncation.Default;

    public const int MaxChunkRows = 10_000_000;

    public const int MaxLanes = 256;

    public static SolverSpec Read(SpecReader r, MapNode root)
    {
        var map = r.Map(root, "solver", "solver", required: false);
        r.CheckKeys(map, "solver", Keys);
        var backendName = r.String(map, "backend", "solver.backend", SolverBackends.ToName(DefaultBackend), SolverBackends.Names)!;
        var backend = SolverBackends.TryParse(backendName, out var b) ? b : DefaultBackend;
        var mode = r.String(map, "mode", "solver.mode", ModeName(DefaultMode), Modes) == ModeName(SolveMode.Full) ? SolveMode.Full : SolveMode.Structured;
        var chunkRows = (int)(r.Integer(map?["chunk_rows"], "solver.chunk_rows", 1, MaxChunkRows) ?? DefaultChunkRows);
        var lanes = (int)(r.Integer(map?["lanes"], "solver.lanes", 1, MaxLanes) ?? DefaultLanes);
        var truncation = Truncation.Find(r.String(map, "truncation", "solver.truncation", DefaultTruncation.Name, Truncation.Names)!) ?? DefaultTruncation;
        if (mode == SolveMode.Full && !truncation.IsDefault)
        {
            r.Problem("solver.truncation", $"{truncation.Name} truncates the structured solve's reduced triangle and is not allowed with solver.mode: full; use solver.mode: structured or solver.truncation: {DefaultTruncation.Name}");
        }

        return new SolverSpec(backend, mode, chunkRows, lanes) { Truncation = truncation };
    }

    public static string ModeName(SolveMode mode) => mode == SolveMode.Full ? "full" : "structured";

    /// <summary>The JSON form; solver.truncation only when it is not the default (so manifests from before are unchanged).</summary>
    public static object ToJson(SolverSpec s) => s.Truncation.IsDefault
        ? new { s.Backend, Mode = ModeName(s.Mode), s.ChunkRows, s.Lanes }
        : new { s.Backend, Mode = ModeName(s.Mode), s.ChunkRows, s.Lanes, Truncation = s.Truncation.Name };
}

/// <summary>solver.backend: which <see cref="ILinearAlgebra"/> runs the solves (see <see cref="LinearAlgebraBackends"/>).</summary>
public enum SolverBackend
{
    /// <summary>LAPACK if the library loads, else managed.</summary>
    Auto,

    /// <summary>Native LAPACK, or an error if it does not load.</summary>
    Lapack,

    /// <summary>The managed (MathNet) code.</summary>
    Managed,
}

/// <summary>The config names of <see cref="SolverBackend"/>: <see cref="LinearAlgebraBackends.Choices"/>.</summary>
public static class SolverBackends
{
    public static IReadOnlyList<string> Names => LinearAlgebraBackends.Choices;

    public static string ToName(this SolverBackend backend) => backend switch
    {
        SolverBackend.Lapack => "lapack",
        SolverBackend.Managed => "managed",
        _ => "auto",
    };

    public static bool TryParse(string name, out SolverBackend backend)
    {
        backend = name switch
        {
            "auto" => SolverBackend.Auto,
            "lapack" => SolverBackend.Lapack,
            "managed" => SolverBackend.Managed,
            _ => (SolverBackend)(-1),
        };
        return Enum.IsDefined(backend);
    }
}
