using Hnn.Datasets;
using Hnn.Stages.Numerics;

namespace Hnn.Stages.Hdnn;

/// <summary>How the sampled H-DNN draws each layer's K_j, b_j.</summary>
public enum SampledHdnnMethod
{
    /// <summary>
    /// SWIM-style: column c of K_j is Scale (y_a - y_b) / ||y_a - y_b|| for a random pair of current training states of
    /// different classes, and b_j[c] = -K_j[:, c] . (y_a + y_b) / 2, so the pre-activation changes sign between the two.
    /// </summary>
    Swim,

    /// <summary>ELM-like: K_j and b_j standard normal (the reference's initialisation, left untrained).</summary>
    Elm,
}

/// <summary>What the least-squares classifier reads.</summary>
public enum SampledHdnnReadout
{
    /// <summary>[y_N, 1]: the same linear classifier of the last state as the trained H-DNN.</summary>
    LastState,

    /// <summary>[y_N, tanh(K_j^T y_j + b_j) for every layer j, 1]: the hidden activations of all layers as features.</summary>
    AllActivations,
}

/// <summary>Settings of <see cref="SampledHdnn"/> (an H1, J1 network; our contribution, not in the reference).</summary>
public sealed record SampledHdnnSettings
{
    public int Nf { get; init; } = 4;

    public int Layers { get; init; } = 64;

    public double TEnd { get; init; } = 1.2;

    public SampledHdnnMethod Method { get; init; } = SampledHdnnMethod.Swim;

    public SampledHdnnReadout Readout { get; init; } = SampledHdnnReadout.AllActivations;

    /// <summary>Norm of each SWIM column of K (ignored by ELM).</summary>
    public double Scale { get; init; } = 3;

    /// <summary>Relative singular-value cut-off of the least-squares solve (dgelsd's rcond).</summary>
    public double Rcond { get; init; } = 1e-10;

    public ulong Seed { get; init; }
}

/// <summary>Result of <see cref="SampledHdnn.Fit"/>: the sampled weights, the readout weights and the accuracies.</summary>
public sealed record SampledHdnnResult(HdnnParameters Parameters, double[] Readout, double TrainAccuracy, double TestAccuracy);

/// <summary>
/// A sampled H-DNN: layer by layer, K_j and b_j are drawn from the current training states (<see cref="SampledHdnnMethod"/>),
/// the states are advanced through the layer, and at the end only a linear classifier is fitted, by least squares on
/// targets +-1 (prediction: sign). No backpropagation.
/// </summary>
public static class SampledHdnn
{
    /// <summary>Samples the network on the training rows, fits the readout, reports train and test accuracy.</summary>
    public static SampledHdnnResult Fit(
        SampledHdnnSettings settings, double[] trainX, int[] trainLabels, double[] testX, int[] testLabels, ILinearAlgebra linearAlgebra)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(trainX);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(linearAlgebra);
        var architecture = new HdnnArchitecture(HdnnKind.H1J1, settings.Nf, settings.Layers, settings.TEnd);
        int nf = settings.Nf, n = trainLabels.Length;
        var parameters = new HdnnParameters(architecture, new double[settings.Layers * nf * nf], new double[settings.Layers * nf]);
        var rng = new Rng(settings.Seed, "sampled-hdnn");
        var zeros = Enumerable.Range(0, n).Where(i => trainLabels[i] == 0).ToArray();
        var ones = Enumerable.Range(0, n).Where(i => trainLabels[i] == 1).ToArray();
        if (settings.Method == SampledHdnnMethod.Swim && (zeros.Length == 0 || ones.Length == 0))
        {
            throw new ArgumentException("SWIM sampling needs training points of both classes");
        }

        var y = (double[])trainX.Clone();
        for (var j = 0; j < settings.Layers; j++)
        {
            SampleLayer(parameters, j, y, zeros, ones, settings, rng);
            HdnnForward.Step(parameters, j, y, n);
        }

        var features = Features(parameters, trainX, n, settings.Readout, out var width);
        var targets = trainLabels.Select(l => l == 1 ? 1.0 : -1.0).ToArray();
        var solution = linearAlgebra.SolveLeastSquares(features, n, width, targets, 1, settings.Rcond).X;
        var trainAccuracy = Accuracy(features, n, width, solution, trainLabels);
        var testFeatures = Features(parameters, testX, testLabels.Length, settings.Readout, out _);
        var testAccuracy = Accuracy(testFeatures, testLabels.Length, width, solution, testLabels);
        return new SampledHdnnResult(parameters, solution, trainAccuracy, testAccuracy);
    }

    /// <summary>Readout scores (&gt;= 0 means class 1) of a fitted sampled H-DNN on new rows.</summary>
    public static double[] Scores(SampledHdnnResult result, SampledHdnnReadout readout, double[] x, int count)
    {
        ArgumentNullException.ThrowIfNull(result);
        var f = Features(result.Parameters, x, count, readout, out var width);
        var scores = new double[count];
        for (var i = 0; i < count; i++)
        {
            for (var c = 0; c < width; c++)
            {
                scores[i] += f[(c * count) + i] * result.Readout[c];
            }
        }

        return scores;
    }

    private static void SampleLayer(HdnnParameters p, int j, double[] y, int[] zeros, int[] ones, SampledHdnnSettings settings, Rng rng)
    {
        var nf = p.Architecture.Nf;
        var k = p.K.AsSpan(j * nf * nf, nf * nf);
        var b = p.B.AsSpan(j * nf, nf);
        for (var c = 0; c < nf; c++)
        {
            if (settings.Method == SampledHdnnMethod.Elm)
            {
                for (var r = 0; r < nf; r++)
                {
                    k[(r * nf) + c] = rng.NextNormal();
                }

                b[c] = rng.NextNormal();
                continue;
            }

            // A pair of different classes at a positive distance (at most 100 tries; coincident states are unlikely).
            double norm = 0;
            int ia = 0, ib = 0;
            for (var attempt = 0; attempt < 100 && norm == 0; attempt++)
            {
                ia = zeros[rng.NextInt(zeros.Length)];
                ib = ones[rng.NextInt(ones.Length)];
                norm = 0;
                for (var r = 0; r < nf; r++)
                {
                    var d = y[(ib * nf) + r] - y[(ia * nf) + r];
                    norm += d * d;
                }

                norm = Math.Sqrt(norm);
            }

            double bias = 0;
            for (var r = 0; r < nf; r++)
            {
                var w = norm == 0 ? 0 : settings.Scale * (y[(ib * nf) + r] - y[(ia * nf) + r]) / norm;
                k[(r * nf) + c] = w;
                bias -= w * (y[(ia * nf) + r] + y[(ib * nf) + r]) / 2;
            }

            b[c] = bias;
        }
    }

    /// <summary>The readout's design matrix, column-major count x width.</summary>
    private static double[] Features(HdnnParameters p, double[] x, int count, SampledHdnnReadout readout, out int width)
    {
        var a = p.Architecture;
        var nf = a.Nf;
        width = readout == SampledHdnnReadout.LastState ? nf + 1 : nf + 1 + (a.Layers * nf);
        var f = new double[count * width];
        var y = (double[])x.Clone();
        Span<double> s = stackalloc double[nf];
        for (var j = 0; j < a.Layers; j++)
        {
            if (readout == SampledHdnnReadout.AllActivations)
            {
                var k = p.K.AsSpan(j * nf * nf, nf * nf);
                var b = p.B.AsSpan(j * nf, nf);
                for (var i = 0; i < count; i++)
                {
                    Matrix.TransposeTimes(k, nf, 0, 0, nf, y.AsSpan(i * nf, nf), b, s);
                    for (var c = 0; c < nf; c++)
                    {
                        f[((nf + 1 + (j * nf) + c) * count) + i] = Math.Tanh(s[c]);
                    }
                }
            }

            HdnnForward.Step(p, j, y, count);
        }

        for (var i = 0; i < count; i++)
        {
            for (var c = 0; c < nf; c++)
            {
                f[(c * count) + i] = y[(i * nf) + c];
            }

            f[(nf * count) + i] = 1;
        }

        return f;
    }

    private static double Accuracy(double[] f, int count, int width, double[] w, int[] labels)
    {
        var correct = 0;
        for (var i = 0; i < count; i++)
        {
            double s = 0;
            for (var c = 0; c < width; c++)
            {
                s += f[(c * count) + i] * w[c];
            }

            if ((s >= 0 ? 1 : 0) == labels[i])
            {
                correct++;
            }
        }

        return (double)correct / count;
    }
}
