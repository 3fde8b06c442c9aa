namespace Hnn.Api;

/// <summary>
/// Settings of <see cref="SampledHnn.Fit(double[][], double[][], SampledHnnOptions)"/>. Each has the meaning and
/// default of the pipeline key named in its description, so the same settings give the same model as <c>hnn run</c>.
/// </summary>
public sealed class SampledHnnOptions
{
    /// <summary>How the hidden layer is sampled (<c>model.methods</c>). Default <see cref="HnnMethod.ASwim"/>.</summary>
    public HnnMethod Method { get; init; } = HnnMethod.ASwim;

    /// <summary>Hidden-layer width N (<c>model.widths</c>), at least 1. Default 1000.</summary>
    public int Width { get; init; } = 1000;

    /// <summary>Relative cut-off of the least-squares solve's singular values (<c>model.rcond</c>). Default 1e-13.</summary>
    public double Rcond { get; init; } = 1e-13;

    /// <summary>The model seed (<c>model.seeds</c>): every random draw of the sampling comes from it. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Where H is pinned (<c>anchor.x0</c>, <c>anchor.h0</c>). Default: H(0) = 0.</summary>
    public HnnAnchor? Anchor { get; init; }

    /// <summary>
    /// ELM only: the interval of the uniform biases (<c>model.elm_bias</c>). Default: [min, max] over the training
    /// points' coordinates. (<c>hnn run</c> with a <c>domain:</c> uses the domain's lowest and highest limit instead:
    /// give that interval here to reproduce such a run.)
    /// </summary>
    public (double Low, double High)? ElmBias { get; init; }

    /// <summary>Rows per block of the streamed QR (<c>solver.chunk_rows</c>; part of the rounding). Default 1024.</summary>
    public int ChunkRows { get; init; } = 1024;

    /// <summary>Partial QR factors merged at the end (<c>solver.lanes</c>; part of the rounding). Default 2.</summary>
    public int Lanes { get; init; } = 2;

    /// <summary>Linear algebra (<c>solver.backend</c>): "auto" (OpenBLAS's LAPACK when installed), "lapack" or "managed".</summary>
    public string Backend { get; init; } = "auto";
}
