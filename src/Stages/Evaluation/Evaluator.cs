using Hnn.Stages.Model;

namespace Hnn.Stages.Evaluation;

/// <summary>Errors of a network on labelled data (docs/ALGORITHM.md §4). Chunk-wise; merge with <see cref="ErrorSums.Merge"/>.</summary>
public static class Evaluator
{
    /// <summary>
    /// Error sums on rows <c>start .. start + count</c>. True grad H comes from x' by Hamilton's equations
    /// (dH/dq = -dp/dt, dH/dp = dq/dt); the prediction of x' is J grad H_hat.
    /// </summary>
    public static ErrorSums Sums(Network network, double[][] x, double[][] dx, double[] h, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(network);
        var dim = network.InputDim;
        var d = dim / 2;
        if (x.Length != dim || dx.Length != dim)
        {
            throw new ArgumentException($"data has {x.Length} coordinates, the network expects {dim}");
        }

        var hHat = new double[count];
        var grad = new double[dim][];
        for (var i = 0; i < dim; i++)
        {
            grad[i] = new double[count];
        }

        network.Predict(x, start, count, hHat, grad);
        double hErr = 0, hRef = 0, gErr = 0, gRef = 0, xErr = 0, xRef = 0;
        for (var k = 0; k < count; k++)
        {
            var e = h[start + k] - hHat[k];
            hErr += e * e;
            hRef += h[start + k] * h[start + k];
        }

        for (var i = 0; i < d; i++)
        {
            var dq = dx[i];
            var dp = dx[d + i];
            var gq = grad[i];
            var gp = grad[d + i];
            for (var k = 0; k < count; k++)
            {
                // True gradient: dH/dq_i = -dp_i/dt, dH/dp_i = dq_i/dt.
                var tq = -dp[start + k];
                var tp = dq[start + k];
                gErr += ((gq[k] - tq) * (gq[k] - tq)) + ((gp[k] - tp) * (gp[k] - tp));
                gRef += (tq * tq) + (tp * tp);

                // Predicted x' = J grad H_hat: dq/dt = dH/dp, dp/dt = -dH/dq.
                var eq = gp[k] - dq[start + k];
                var ep = -gq[k] - dp[start + k];
                xErr += (eq * eq) + (ep * ep);
                xRef += (dq[start + k] * dq[start + k]) + (dp[start + k] * dp[start + k]);
            }
        }

        return new ErrorSums(hErr, hRef, gErr, gRef, xErr, xRef, count);
    }

    /// <summary>Errors over all rows, in chunks of <paramref name="chunkRows"/>.</summary>
    public static ErrorMetrics Evaluate(Network network, double[][] x, double[][] dx, double[] h, int chunkRows = 8192)
    {
        var total = default(ErrorSums);
        for (var s = 0; s < h.Length; s += chunkRows)
        {
            total = total.Merge(Sums(network, x, dx, h, s, Math.Min(chunkRows, h.Length - s)));
        }

        return total.ToMetrics();
    }
}
