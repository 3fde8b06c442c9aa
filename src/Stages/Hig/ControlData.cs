using Hnn.Datasets;

namespace Hnn.Stages.Hig;

/// <summary>
/// Initial states of the control study, row-major (sample i at i * StateSize); each is also its own target (the chain
/// must return to where it started after Nt steps).
/// </summary>
/// <param name="States">Count x StateSize values.</param>
/// <param name="Count">Samples.</param>
/// <param name="StateSize">2N.</param>
public sealed record ControlData(double[] States, int Count, int StateSize)
{
    /// <summary>Sample i.</summary>
    public ReadOnlySpan<double> State(int i) => States.AsSpan(i * StateSize, StateSize);

    /// <summary>
    /// <paramref name="count"/> states uniform in [0, 1)^(2N) from the stream <c>Rng(seed, label)</c> (the study draws
    /// 4096 with numpy's <c>rand</c>; use distinct labels for the training and test sets).
    /// </summary>
    public static ControlData Uniform(ulong seed, string label, int count, int stateSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stateSize, 1);
        var rng = new Rng(seed, label);
        var states = new double[count * stateSize];
        for (var i = 0; i < states.Length; i++)
            states[i] = rng.NextDouble();
        return new ControlData(states, count, stateSize);
    }
}
