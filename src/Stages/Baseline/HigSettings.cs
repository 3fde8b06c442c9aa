using System.Globalization;
using Hnn.Stages.Numerics;

namespace Hnn.Stages.Baseline;

/// <summary>
/// Settings of the HIG-trained HNN baseline (<see cref="HigTrainer"/>). Defaults: the half-inverse-gradient study's HIG
/// settings (batch 32, lr 1, singular values below 1e-10 x the largest dropped, exponent -1/2), 15000 steps, no time
/// budget.
/// </summary>
/// <param name="LearningRate">Step length: theta -= lr (J)^(exponent) r.</param>
/// <param name="BatchSize">Rows per mini-batch: consecutive slices of the training rows as the Adam baseline takes them (<see cref="AdamTrainer.Batch"/>).</param>
/// <param name="Truncation">Singular values s_i &lt;= truncation x s_max of the batch Jacobian are dropped.</param>
/// <param name="Steps">Most updates (0 returns the initial network, anchored).</param>
/// <param name="LossEvery">Record the loss every this many steps (1 keeps the full history).</param>
public sealed record HigSettings(double LearningRate, int BatchSize, double Truncation, int Steps, int LossEvery)
{
    /// <summary>The exponent of the singular values (-1/2: half-inverse; -1: Gauss-Newton with a pseudo-inverse).</summary>
    public double Exponent { get; init; } = PartialInverse.HalfExponent;

    /// <summary>
    /// Wall-clock budget in seconds of the injected clock: no step starts once it is used up (null: steps only). The
    /// result then depends on the clock, so runs with a budget are not reproducible to the bit; runs without one are.
    /// </summary>
    public double? Seconds { get; init; }

    /// <summary>The scheme of the seeded initial network (the Adam baseline's: the same seed gives the same start).</summary>
    public AdamInit Init { get; init; } = AdamInit.TorchDefault;

    /// <summary>lr 1, batch 32, truncation 1e-10, 15000 steps, the loss of every step.</summary>
    public static HigSettings Default { get; } = new(1.0, 32, 1e-10, 15000, 1);

    /// <summary>Throws <see cref="ArgumentException"/> naming the field, its value and what is allowed.</summary>
    public void Validate()
    {
        if (!double.IsFinite(LearningRate) || LearningRate <= 0)
        {
            throw Invalid(nameof(LearningRate), Format(LearningRate), "a finite number > 0");
        }

        if (BatchSize < 1)
        {
            throw Invalid(nameof(BatchSize), Format(BatchSize), "an integer >= 1");
        }

        if (!double.IsFinite(Truncation) || Truncation < 0 || Truncation >= 1)
        {
            throw Invalid(nameof(Truncation), Format(Truncation), "a number in [0, 1)");
        }

        if (Steps < 0)
        {
            throw Invalid(nameof(Steps), Format(Steps), "an integer >= 0");
        }

        if (LossEvery < 1)
        {
            throw Invalid(nameof(LossEvery), Format(LossEvery), "an integer >= 1");
        }

        if (!double.IsFinite(Exponent) || Exponent >= 0)
        {
            throw Invalid(nameof(Exponent), Format(Exponent), "a finite number < 0");
        }

        if (Seconds is { } s && (!double.IsFinite(s) || s < 0))
        {
            throw Invalid(nameof(Seconds), Format(s), "a finite number >= 0, or none");
        }

        if (!Enum.IsDefined(Init))
        {
            throw Invalid(nameof(Init), Init.ToString(), string.Join(", ", Enum.GetNames<AdamInit>()));
        }
    }

    private static ArgumentException Invalid(string field, string value, string allowed) =>
        new($"{nameof(HigSettings)}.{field} is {value}; allowed: {allowed}.", field);

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
}
