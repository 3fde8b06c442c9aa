namespace Hnn.Pipeline.Models;

/// <summary>
/// What a learned Hamiltonian was trained on and where it came from (everything in a model file besides the weights;
/// schema: docs/SCHEMA.md, "Model files").
/// </summary>
/// <param name="Dof">Degrees of freedom d; states are x = (q1..qd, p1..pd).</param>
/// <param name="Method">Training method: elm, u-swim, a-swim, swim, adam or hig.</param>
/// <param name="Width">Hidden-layer width N.</param>
/// <param name="DataSeed">Data seed of the experiment.</param>
/// <param name="ModelSeed">Model seed of the experiment.</param>
/// <param name="System">The system's name, or null when the run learned from a data file without one.</param>
/// <param name="SystemParams">The system's parameters (empty without a system).</param>
/// <param name="DomainQ">The [low, high] interval of each q (null without a domain).</param>
/// <param name="DomainP">The [low, high] interval of each p (null without a domain).</param>
/// <param name="AnchorX0">Where H is pinned.</param>
/// <param name="AnchorH0">H(x0), or null when the run used the true H at x0 (then the system gives it).</param>
/// <param name="RunId">The run the model was exported from (null for a model built in code).</param>
/// <param name="Artifact">The network's artifact, "&lt;stage&gt;/&lt;key&gt;" (null for a model built in code).</param>
public sealed record ModelInfo(
    int Dof,
    string Method,
    int Width,
    ulong DataSeed,
    ulong ModelSeed,
    string? System,
    IReadOnlyDictionary<string, double> SystemParams,
    IReadOnlyList<double[]>? DomainQ,
    IReadOnlyList<double[]>? DomainP,
    double[] AnchorX0,
    double? AnchorH0,
    string? RunId,
    string? Artifact)
{
    /// <summary>One line naming the experiment, e.g. "swim width 100 model seed 1 data seed 2 (fit/ab12…)".</summary>
    public string Describe() =>
        $"{Method} width {Width} model seed {ModelSeed} data seed {DataSeed}{(Artifact is null ? "" : $" ({Artifact})")}";
}
