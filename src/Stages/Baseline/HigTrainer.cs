using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;

namespace Hnn.Stages.Baseline;

/// <summary>
/// The gradient-trained HNN of <see cref="AdamTrainer"/> (same network, loss, batches, initialisation and anchor), trained
/// by half-inverse gradients (Schnell, Holl and Thuerey, ICLR 2022) instead of Adam.
/// </summary>
/// <remarks>
/// <para>
/// Per step, on the batch's B rows: the predictions f_k = J grad H(x_k) (D = 2d values per row) and the Jacobian
/// Jf = d f / d theta, a (B D) x P matrix (row k D + o, theta = [w_0 | ... | w_(D-1) | b | c], P = (D + 2) N, the output
/// bias c_0 left out: it has no gradient and the anchor sets it). With r = dL/df = 2 (f - x') / (B D), the gradient of
/// <see cref="HnnLoss"/>'s L = 1/(B D) sum ||f - x'||^2 is Jf^T r; HIG replaces Jf^T by the truncated partial inverse
/// V S^e U^T of Jf = U S V^T (e = -1/2, singular values at or below truncation x s_max dropped; <see cref="PartialInverse"/>,
/// dgesdd through <see cref="ILinearAlgebra.Svd"/>): theta -= lr V S^e U^T r.
/// </para>
/// <para>
/// Jacobian (docs/ALGORITHM.md §2's notation: z_kj = w_j . x_k + b_j, t = tanh z, s = 1 - t^2, g = grad H with
/// g_ki = sum_j c_j s_kj w_ij; f_(q_i) = g_(p_i), f_(p_i) = -g_(q_i)): for output o of row k, with pi(o) the component of g
/// it reads and sigma(o) its sign,
/// d f_ko / d c_j = sigma s_kj w_(pi j); d f_ko / d b_j = -2 sigma c_j t_kj s_kj w_(pi j);
/// d f_ko / d w_lj = sigma c_j s_kj [l = pi] - 2 sigma c_j t_kj s_kj w_(pi j) x_kl
/// (tests/Hnn.Tests/Baseline/HigTrainerTests.cs checks it against central differences).
/// </para>
/// <para>
/// Deterministic for given data, settings, seed and BLAS kernel when no time budget is set (pass a one-thread
/// <see cref="ILinearAlgebra"/> view; the SVD is the only BLAS call). With a budget, how many steps fit depends on the clock.
/// </para>
/// </remarks>
public static class HigTrainer
{
    /// <summary>Progress is reported after every this many steps (and after the last).</summary>
    public const int ProgressEvery = 100;

    /// <summary>
    /// Trains a network of <paramref name="width"/> neurons, drawn from <paramref name="seed"/> as the Adam baseline draws
    /// it (<see cref="AdamTrainer.Initialize"/>), on column-major data (<c>x[i][k]</c>, <c>dx[i][k]</c>, D = 2d columns).
    /// <paramref name="seconds"/> reads the elapsed time for the budget (null: no clock; a budget then needs one).
    /// </summary>
    public static HigResult Train(
        double[][] x,
        double[][] dx,
        int width,
        Anchor anchor,
        HigSettings settings,
        ulong seed,
        ILinearAlgebra la,
        Func<double>? seconds,
        IProgress<AdamProgress>? progress,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        TrainingData.Check(x, dx);
        if (width < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, "width must be at least 1");
        }

        return Train(x, dx, AdamTrainer.Initialize(x.Length, width, seed, settings.Init), anchor, settings, la, seconds, progress, ct);
    }

    /// <summary>Trains from the given <paramref name="initial"/> network (its output bias is replaced by the anchor's).</summary>
    public static HigResult Train(
        double[][] x,
        double[][] dx,
        Network initial,
        Anchor anchor,
        HigSettings settings,
        ILinearAlgebra la,
        Func<double>? seconds,
        IProgress<AdamProgress>? progress,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(anchor);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(la);
        settings.Validate();
        TrainingData.Check(x, dx);
        var dim = x.Length;
        if (initial.InputDim != dim)
        {
            throw new ArgumentException($"the initial network has {initial.InputDim} inputs, the data have {dim} columns", nameof(initial));
        }

        if (anchor.X0.Length != dim)
        {
            throw new ArgumentException($"anchor x0 has {anchor.X0.Length} coordinates, the data have {dim}", nameof(anchor));
        }

        if (settings.Seconds is not null && seconds is null)
        {
            throw new ArgumentException("a time budget needs a clock (seconds)", nameof(seconds));
        }

        var width = initial.Width;
        var rows = x[0].Length;
        var theta = Pack(initial);
        var batch = Math.Min(settings.BatchSize, rows);
        var jacobian = new double[batch * dim * theta.Length];
        var residual = new double[batch * dim];
        var steps = new List<int>();
        var losses = new List<double>();
        var times = new List<double>();
        var taken = 0;
        for (var step = 1; step <= settings.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            var now = seconds?.Invoke() ?? 0;
            if (settings.Seconds is { } budget && now >= budget)
            {
                break;
            }

            var (start, count) = AdamTrainer.Batch(step, settings.BatchSize, rows);
            var m = count * dim;
            var loss = Linearise(theta, dim, width, x, dx, start, count, jacobian.AsSpan(0, m * theta.Length), residual.AsSpan(0, m));
            if ((step - 1) % settings.LossEvery == 0 || step == settings.Steps)
            {
                steps.Add(step);
                losses.Add(loss);
                times.Add(now);
            }

            var svd = la.Svd(jacobian.AsSpan(0, m * theta.Length), m, theta.Length);
            var update = PartialInverse.Apply(svd, settings.Truncation, settings.Exponent, residual.AsSpan(0, m));
            for (var c = 0; c < theta.Length; c++)
            {
                theta[c] -= settings.LearningRate * update[c];
            }

            taken = step;
            if (step % ProgressEvery == 0 || step == settings.Steps)
            {
                progress?.Report(new AdamProgress(step, settings.Steps, loss));
            }
        }

        return new HigResult(AdamTrainer.Anchored(Unpack(theta, dim, width), anchor), [.. steps], [.. losses], [.. times], taken);
    }

    /// <summary>theta = [w_0 | ... | w_(D-1) | b | c] (no padding, no c_0), P = (D + 2) N.</summary>
    public static double[] Pack(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        int dim = network.InputDim, width = network.Width;
        var theta = new double[(dim + 2) * width];
        for (var i = 0; i < dim; i++)
        {
            network.Hidden.Weights[i].CopyTo(theta, i * width);
        }

        network.Hidden.Biases.CopyTo(theta, dim * width);
        network.Coefficients.CopyTo(theta, (dim + 1) * width);
        return theta;
    }

    /// <summary>The network with the parameters <paramref name="theta"/> (layout of <see cref="Pack"/>) and c_0 = 0.</summary>
    public static Network Unpack(ReadOnlySpan<double> theta, int dim, int width)
    {
        if (theta.Length != (dim + 2) * width)
        {
            throw new ArgumentException($"theta has {theta.Length} entries; {dim} inputs and width {width} need {(dim + 2) * width}", nameof(theta));
        }

        var weights = new double[dim][];
        for (var i = 0; i < dim; i++)
        {
            weights[i] = theta.Slice(i * width, width).ToArray();
        }

        return new Network(new HiddenLayer(weights, theta.Slice(dim * width, width).ToArray()), theta.Slice((dim + 1) * width, width).ToArray(), 0);
    }

    /// <summary>
    /// The batch's loss L = 1/(B D) sum ||f - x'||^2; writes the Jacobian d f / d theta ((B D) x P, column-major, row
    /// k D + o) into <paramref name="jacobian"/> and r = dL/df = 2 (f - x') / (B D) into <paramref name="residual"/>.
    /// </summary>
    public static double Linearise(
        ReadOnlySpan<double> theta, int dim, int width, double[][] x, double[][] dx, int start, int count, Span<double> jacobian, Span<double> residual)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dx);
        var p = (dim + 2) * width;
        var m = count * dim;
        if (theta.Length != p || jacobian.Length != m * p || residual.Length != m)
        {
            throw new ArgumentException($"need theta {p}, jacobian {m} x {p} and residual {m} entries for {count} rows, {dim} inputs, width {width}");
        }

        var d = dim / 2;
        var xk = new double[dim];
        var f = new double[m];
        jacobian.Clear();
        for (var j = 0; j < width; j++)
        {
            var bj = theta[(dim * width) + j];
            var cj = theta[((dim + 1) * width) + j];
            for (var k = 0; k < count; k++)
            {
                var z = bj;
                for (var l = 0; l < dim; l++)
                {
                    xk[l] = x[l][start + k];
                    z += theta[(l * width) + j] * xk[l];
                }

                var t = Math.Tanh(z);
                var s = 1 - (t * t);
                var curvature = -2 * cj * t * s; // d (c_j s) / d z
                for (var o = 0; o < dim; o++)
                {
                    // f_o = sigma g_pi: q-outputs read +g_p, p-outputs read -g_q.
                    var pi = o < d ? o + d : o - d;
                    var sigma = o < d ? 1.0 : -1.0;
                    var row = (k * dim) + o;
                    var wpi = theta[(pi * width) + j];
                    f[row] += sigma * cj * s * wpi;
                    jacobian[(((dim + 1) * width) + j) * m + row] = sigma * s * wpi;
                    jacobian[((dim * width) + j) * m + row] = sigma * curvature * wpi;
                    for (var l = 0; l < dim; l++)
                    {
                        var value = sigma * curvature * wpi * xk[l];
                        if (l == pi)
                        {
                            value += sigma * cj * s;
                        }

                        jacobian[((l * width) + j) * m + row] = value;
                    }
                }
            }
        }

        double loss = 0;
        var scale = 2.0 / m;
        for (var k = 0; k < count; k++)
        {
            for (var o = 0; o < dim; o++)
            {
                var e = f[(k * dim) + o] - dx[o][start + k];
                loss += e * e;
                residual[(k * dim) + o] = scale * e;
            }
        }

        return loss / m;
    }
}
