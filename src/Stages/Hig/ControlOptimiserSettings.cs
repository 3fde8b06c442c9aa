using System.Globalization;

namespace Hnn.Stages.Hig;

/// <summary>Settings of one optimiser of the HIG control study.</summary>
/// <param name="Method">Which optimiser.</param>
/// <param name="BatchSize">Samples per update (consecutive slices of the training set, the remainder dropped, as in the study).</param>
/// <param name="LearningRate">Adam's lr (Adam, SIP) or SGD's (HIG).</param>
/// <param name="Truncation">
/// Singular values at or below this times the largest are dropped: SIP's pseudo-inverse of dP/du, HIG's half-inverse
/// of the joint Jacobian; unused by Adam.
/// </param>
public sealed record ControlOptimiserSettings(ControlOptimiser Method, int BatchSize, double LearningRate, double Truncation)
{
    /// <summary>The exponent applied to the kept singular values by HIG (the study: -1/2).</summary>
    public double Exponent { get; init; } = -0.5;

    /// <summary>The study's settings: Adam batch 256 lr 1e-3; SIP batch 256 lr 1e-3 truncation 1e-5; HIG batch 32 lr 1 truncation 1e-10.</summary>
    public static ControlOptimiserSettings Study(ControlOptimiser method) => method switch
    {
        ControlOptimiser.Adam => new(method, 256, 1e-3, 0),
        ControlOptimiser.Sip => new(method, 256, 1e-3, 1e-5),
        ControlOptimiser.Hig => new(method, 32, 1.0, 1e-10),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the field and what is allowed.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Method))
            throw new ArgumentException($"{nameof(Method)} is {Method}; allowed: {string.Join(", ", Enum.GetNames<ControlOptimiser>())}.");
        if (BatchSize < 1)
            throw new ArgumentException($"{nameof(BatchSize)} is {BatchSize.ToString(CultureInfo.InvariantCulture)}; allowed: an integer >= 1.");
        if (!double.IsFinite(LearningRate) || LearningRate <= 0)
            throw new ArgumentException($"{nameof(LearningRate)} is {LearningRate.ToString("R", CultureInfo.InvariantCulture)}; allowed: a finite number > 0.");
        if (!double.IsFinite(Truncation) || Truncation < 0 || Truncation >= 1)
            throw new ArgumentException($"{nameof(Truncation)} is {Truncation.ToString("R", CultureInfo.InvariantCulture)}; allowed: a number in [0, 1).");
        if (!double.IsFinite(Exponent) || Exponent >= 0)
            throw new ArgumentException($"{nameof(Exponent)} is {Exponent.ToString("R", CultureInfo.InvariantCulture)}; allowed: a finite number < 0.");
    }
}
