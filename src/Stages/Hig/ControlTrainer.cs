using Hnn.Stages.Numerics;

namespace Hnn.Stages.Hig;

/// <summary>
/// Trains the control network of the HIG study with Adam, SIP or HIG, as the study's <c>mini_batch_update</c> does, on
/// the loss per data point L = (1/B) sum_b ||y*_b - P(x_b; f(y*_b))||^2 with y* = x (the network sees the target).
/// Pure: the clock is injected (seconds, monotonic), and every random draw was made by the caller.
/// </summary>
public static class ControlTrainer
{
    /// <summary>Mean over <paramref name="data"/> of ||x - P(x; f(x))||^2.</summary>
    public static double Loss(OscillatorChain chain, ControlNetwork network, ReadOnlySpan<double> theta, ControlData data)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        var sum = 0.0;
        for (var i = 0; i < data.Count; i++)
        {
            var x = data.State(i);
            var y = chain.Simulate(x, network.Forward(theta, x));
            for (var k = 0; k < y.Length; k++)
                sum += (y[k] - x[k]) * (y[k] - x[k]);
        }

        return sum / data.Count;
    }

    /// <summary>
    /// Trains from <paramref name="initial"/> (not modified) until the budget is spent; evaluates before the first epoch
    /// and after epochs as <paramref name="budget"/> says. <paramref name="seconds"/> is read before and after each epoch.
    /// </summary>
    public static ControlRun Train(
        OscillatorChain chain,
        ControlNetwork network,
        ControlOptimiserSettings settings,
        ControlData train,
        ControlData test,
        ReadOnlySpan<double> initial,
        ILinearAlgebra la,
        Func<double> seconds,
        ControlBudget budget,
        Action<ControlRecord>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(seconds);
        ArgumentNullException.ThrowIfNull(budget);
        chain.Validate();
        settings.Validate();
        budget.Validate();
        if (network.Inputs != chain.StateSize || network.Outputs != chain.Steps || train.StateSize != chain.StateSize || test.StateSize != chain.StateSize)
            throw new ArgumentException("network, data and chain sizes do not match");
        if (settings.BatchSize > train.Count)
            throw new ArgumentException($"batch size {settings.BatchSize} exceeds the {train.Count} training samples");

        var step = new ControlStep(chain, network, settings, la, initial.ToArray());
        var history = new List<ControlRecord>();
        void Record(int epoch, double elapsed)
        {
            var record = new ControlRecord(epoch, step.Updates, elapsed, Loss(chain, network, step.Theta, train), Loss(chain, network, step.Theta, test));
            history.Add(record);
            progress?.Invoke(record);
        }

        Record(0, 0);
        var batches = train.Count / settings.BatchSize;
        var trained = 0.0;
        var epoch = 0;
        while (trained < budget.Seconds && epoch < budget.MaxEpochs)
        {
            var start = seconds();
            for (var b = 0; b < batches; b++)
                step.Update(train, b * settings.BatchSize);
            trained += seconds() - start;
            epoch++;
            var last = !(trained < budget.Seconds && epoch < budget.MaxEpochs);
            if (epoch <= 5 || epoch % budget.EvaluateEvery == 0 || last)
                Record(epoch, trained);
        }

        return new ControlRun(settings, history, step.Theta);
    }
}
