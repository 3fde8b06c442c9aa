namespace Hnn.Stages.Sampling;

/// <summary>
/// The samplers' weight scale s (<c>model.weight_scale</c>, docs/ALGORITHM.md §2.1a): ELM draws w = s N(0, 1), the SWIM
/// family w = s ln(3) (x_to - x_from) / ||x_to - x_from||^2 with the bias keeping tanh(z(x_from)) = -1/2. s = 1 is the
/// published sampler, bit for bit.
/// </summary>
public static class WeightScale
{
    /// <summary>The published samplers' scale.</summary>
    public const double Default = 1;

    /// <summary>Largest scale accepted (beyond it every tanh saturates between neighbouring points).</summary>
    public const double Max = 1e6;

    /// <summary>True if <paramref name="scale"/> is a usable weight scale: finite, in (0, <see cref="Max"/>].</summary>
    public static bool IsValid(double scale) => scale > 0 && scale <= Max;

    /// <summary>Throws unless <see cref="IsValid"/>.</summary>
    public static void Check(double scale)
    {
        if (!IsValid(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, $"the weight scale must be in (0, {Max:G}]");
        }
    }
}
