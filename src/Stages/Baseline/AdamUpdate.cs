namespace Hnn.Stages.Baseline;

/// <summary>
/// One step of torch.optim.Adam (amsgrad off, not maximising), element by element in the same operation order as
/// PyTorch's single-tensor implementation:
/// g = grad + wd p; m = lerp(m, g, 1 - beta1) = m + (1 - beta1)(g - m); v = beta2 v + (1 - beta2) g g;
/// p = p - (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + eps), t = 1, 2, ...
/// </summary>
internal static class AdamUpdate
{
    public static void Apply(
        Span<double> parameters, ReadOnlySpan<double> gradient, Span<double> m, Span<double> v, int step, double learningRate,
        double weightDecay)
    {
        if (gradient.Length != parameters.Length || m.Length != parameters.Length || v.Length != parameters.Length)
        {
            throw new ArgumentException("parameters, gradient and moments must have the same length");
        }

        const double b1 = AdamTrainer.Beta1, b2 = AdamTrainer.Beta2, eps = AdamTrainer.Epsilon;
        var biasCorrection1 = 1 - Math.Pow(b1, step);
        var biasCorrection2 = 1 - Math.Pow(b2, step);
        var stepSize = learningRate / biasCorrection1;
        var biasCorrection2Sqrt = Math.Sqrt(biasCorrection2);
        for (var i = 0; i < parameters.Length; i++)
        {
            var g = gradient[i] + (weightDecay * parameters[i]);
            m[i] += (1 - b1) * (g - m[i]);
            v[i] = (v[i] * b2) + ((1 - b2) * g * g);
            var denominator = (Math.Sqrt(v[i]) / biasCorrection2Sqrt) + eps;
            parameters[i] += -stepSize * (m[i] / denominator);
        }
    }
}
