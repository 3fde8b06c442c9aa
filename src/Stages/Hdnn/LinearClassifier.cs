namespace Hnn.Stages.Hdnn;

/// <summary>
/// The linear classifier on the last state, logit = W . y_N + mu, trained with binary cross-entropy on the logits
/// (torch's BCEWithLogitsLoss, mean over the batch) plus the reference's ridge term alpha_c / 2 (||W||^2 + mu^2).
/// Parameters are packed as [W_0 .. W_{nf-1}, mu].
/// </summary>
public static class LinearClassifier
{
    /// <summary>The logit of row <paramref name="i"/>.</summary>
    public static double Logit(ReadOnlySpan<double> theta, ReadOnlySpan<double> y, int i)
    {
        var nf = theta.Length - 1;
        var sum = theta[nf];
        for (var c = 0; c < nf; c++)
        {
            sum += theta[c] * y[(i * nf) + c];
        }

        return sum;
    }

    /// <summary>Numerically stable BCE on a logit: max(l, 0) - l t + log(1 + exp(-|l|)).</summary>
    public static double CrossEntropy(double logit, double target) =>
        Math.Max(logit, 0) - (logit * target) + Math.Log(1 + Math.Exp(-Math.Abs(logit)));

    /// <summary>
    /// Mean BCE over the rows plus <paramref name="ridge"/> / 2 ||theta||^2. Adds d/dtheta to
    /// <paramref name="gradTheta"/> and, when not empty, d/dy (per row) to <paramref name="gradY"/>.
    /// </summary>
    public static double Loss(
        ReadOnlySpan<double> theta, ReadOnlySpan<double> y, ReadOnlySpan<int> labels, int count, double ridge,
        Span<double> gradTheta, Span<double> gradY)
    {
        var nf = theta.Length - 1;
        double loss = 0;
        for (var i = 0; i < count; i++)
        {
            var l = Logit(theta, y, i);
            loss += CrossEntropy(l, labels[i]);
            var d = (Sigmoid(l) - labels[i]) / count;
            if (!gradTheta.IsEmpty)
            {
                for (var c = 0; c < nf; c++)
                {
                    gradTheta[c] += d * y[(i * nf) + c];
                }

                gradTheta[nf] += d;
            }

            if (!gradY.IsEmpty)
            {
                for (var c = 0; c < nf; c++)
                {
                    gradY[(i * nf) + c] += d * theta[c];
                }
            }
        }

        double norm = 0;
        for (var c = 0; c <= nf; c++)
        {
            norm += theta[c] * theta[c];
            if (!gradTheta.IsEmpty)
            {
                gradTheta[c] += ridge * theta[c];
            }
        }

        return (loss / count) + (ridge / 2 * norm);
    }

    /// <summary>Fraction of rows whose prediction (logit &gt;= 0 means class 1, as the reference) equals the label.</summary>
    public static double Accuracy(ReadOnlySpan<double> theta, ReadOnlySpan<double> y, ReadOnlySpan<int> labels, int count)
    {
        var correct = 0;
        for (var i = 0; i < count; i++)
        {
            if ((Logit(theta, y, i) >= 0 ? 1 : 0) == labels[i])
            {
                correct++;
            }
        }

        return (double)correct / count;
    }

    private static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
}
