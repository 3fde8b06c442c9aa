using Hnn.Stages.Model;

namespace Hnn.Stages.Baseline;

/// <summary>A HIG-trained network and its loss history.</summary>
/// <param name="Network">The network, with c_0 set so that H(x0) = H0.</param>
/// <param name="LossSteps">The 1-based steps whose loss is recorded: 1, 1 + LossEvery, ... and the last of <see cref="HigSettings.Steps"/> (a run cut short by its time budget ends at its last recorded step).</param>
/// <param name="Loss">The mini-batch loss of each recorded step, before that step's update.</param>
/// <param name="LossSeconds">The injected clock's reading when each recorded step started (0 without a clock).</param>
/// <param name="StepsTaken">Updates made: <see cref="HigSettings.Steps"/>, or fewer when the time budget ran out.</param>
public sealed record HigResult(Network Network, int[] LossSteps, double[] Loss, double[] LossSeconds, int StepsTaken);
