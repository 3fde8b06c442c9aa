using Hnn.Stages.Model;

namespace Hnn.Stages.Baseline;

/// <summary>A trained network and its loss history.</summary>
/// <param name="Network">The network, with c_0 set so that H(x0) = H0.</param>
/// <param name="LossSteps">The 1-based steps whose loss is recorded: 1, 1 + LossEvery, 1 + 2 LossEvery, ... and the last.</param>
/// <param name="Loss">The mini-batch loss of each recorded step, before that step's update.</param>
public sealed record AdamResult(Network Network, int[] LossSteps, double[] Loss);
