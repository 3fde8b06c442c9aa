using System.Globalization;

namespace Hnn.Stages.Baseline;

/// <summary>Settings of the Adam-trained HNN baseline (defaults: the paper's reference HNN).</summary>
/// <param name="LearningRate">Adam's lr.</param>
/// <param name="BatchSize">Rows per mini-batch: consecutive slices of the training rows, truncated at the end of the data (<see cref="AdamTrainer.Batch"/>).</param>
/// <param name="WeightDecay">L2 term added to every trained parameter's gradient (hidden weights and biases, output weights; not the output bias, which has no gradient): g += wd * param.</param>
/// <param name="Steps">Optimiser steps (0 returns the initial network, anchored).</param>
/// <param name="LossEvery">Record the loss every this many steps (1 keeps the full history).</param>
public sealed record AdamSettings(double LearningRate, int BatchSize, double WeightDecay, int Steps, int LossEvery)
{
    /// <summary>The scheme of the seeded initial network (default: PyTorch's, as the reference trains from).</summary>
    public AdamInit Init { get; init; } = AdamInit.TorchDefault;

    /// <summary>lr 5e-4, batch 2048, weight decay 1e-13, 15000 steps, the loss of every step.</summary>
    public static AdamSettings Default { get; } = new(5e-4, 2048, 1e-13, 15000, 1);

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

        if (!double.IsFinite(WeightDecay) || WeightDecay < 0)
        {
            throw Invalid(nameof(WeightDecay), Format(WeightDecay), "a finite number >= 0");
        }

        if (Steps < 0)
        {
            throw Invalid(nameof(Steps), Format(Steps), "an integer >= 0");
        }

        if (LossEvery < 1)
        {
            throw Invalid(nameof(LossEvery), Format(LossEvery), "an integer >= 1");
        }

        if (!Enum.IsDefined(Init))
        {
            throw Invalid(nameof(Init), Init.ToString(), string.Join(", ", Enum.GetNames<AdamInit>()));
        }
    }

    private static ArgumentException Invalid(string field, string value, string allowed) =>
        new($"{nameof(AdamSettings)}.{field} is {value}; allowed: {allowed}.", field);

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
}
