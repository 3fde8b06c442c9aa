namespace Hnn.Stages.Hdnn;

/// <summary>Shape of an H-DNN: layer type, state dimension, depth and final time; the step is h = t_end / layers.</summary>
public sealed record HdnnArchitecture
{
    /// <summary>Validates and stores the shape.</summary>
    public HdnnArchitecture(HdnnKind kind, int nf, int layers, double tEnd)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nf, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        if (!(tEnd > 0) || !double.IsFinite(tEnd))
        {
            throw new ArgumentOutOfRangeException(nameof(tEnd), "t_end must be positive and finite");
        }

        if (kind is HdnnKind.H1J1 or HdnnKind.H2 or HdnnKind.MS1 && nf % 2 != 0)
        {
            throw new ArgumentException($"{kind} needs an even nf, got {nf}", nameof(nf));
        }

        Kind = kind;
        Nf = nf;
        Layers = layers;
        TEnd = tEnd;
    }

    public HdnnKind Kind { get; }

    public int Nf { get; }

    public int Layers { get; }

    public double TEnd { get; }

    /// <summary>Step size h = t_end / layers.</summary>
    public double H => TEnd / Layers;

    /// <summary>Half the state dimension (the block size of H2 and MS1).</summary>
    public int Half => Nf / 2;

    /// <summary>
    /// The interconnection matrix J of H1 (row-major nf x nf). J1 is [[0, -I], [I, 0]], the matrix the reference code
    /// builds (DecodEPFL/HamiltonianNet, integrators.py, H1: torch.cat of the block columns (0; I) and (-I; 0)), although
    /// its comment writes [[0, I], [-I, 0]]; the sign decides the sense in which the flow turns the data. J2: +1 above the
    /// diagonal, -1 below. (Any of them serves for H2's symplecticity check: Phi^T J Phi = J holds for J and -J alike.)
    /// </summary>
    public double[] InterconnectionMatrix()
    {
        var j = new double[Nf * Nf];
        for (var r = 0; r < Nf; r++)
        {
            for (var c = 0; c < Nf; c++)
            {
                j[(r * Nf) + c] = Kind == HdnnKind.H1J2
                    ? Math.Sign(c - r)
                    : (c == r + Half ? -1 : (r == c + Half ? 1 : 0));
            }
        }

        return j;
    }

    /// <summary>
    /// Whether entry (r, c) of a layer's nf x nf K is a free parameter: all of it for H1, the two diagonal blocks for
    /// H2, the top-left m x m block (Kt) for MS1.
    /// </summary>
    public bool IsFree(int r, int c) => Kind switch
    {
        HdnnKind.H2 => (r < Half) == (c < Half),
        HdnnKind.MS1 => r < Half && c < Half,
        _ => true,
    };
}
