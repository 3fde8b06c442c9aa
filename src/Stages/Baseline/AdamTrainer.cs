using Hnn.Datasets;
using Hnn.Stages.Model;
using Hnn.Stages.Training;
using Hnn.Stages.Numerics;

namespace Hnn.Stages.Baseline;

/// <summary>
/// The gradient-trained HNN of the paper's reference code, as a pure stage: the architecture of <see cref="Network"/>,
/// trained on x' = J grad H by Adam on the loss of <see cref="HnnLoss"/>, then anchored so that H(x0) = H0.
/// </summary>
/// <remarks>
/// Matches the PyTorch reference (its HNN trained by torch 1.13's Adam in float64): PyTorch's default initialisation
/// (<see cref="AdamInit.TorchDefault"/>, or Xavier-normal with zero biases, or given parameters); torch.optim.Adam with
/// weight decay as an L2 term on every trained parameter, in torch 1.13's operation order (<see cref="AdamUpdate"/>);
/// the output bias c_0 has no gradient, so it is not among the optimised parameters at all (torch skips it, weight decay
/// included) and is set by the anchor at the end; mini-batches are consecutive slices of the training rows in order (see
/// <see cref="Batch"/>: the reference's <c>get_batch</c>, not a DataLoader, so after a short slice at the end the next one
/// does not restart at row 0 unless K is a multiple of B); float64 throughout. Deterministic: the result depends on the
/// data, the settings, the seed (or the initial network) and the machine's SIMD width, not on <c>threads</c>. From the
/// reference's own initial parameters it tracks the reference's loss of every step to rounding over thousands of steps
/// (tests/Hnn.Tests/Baseline/AdamExactnessTests.cs).
/// </remarks>
public static class AdamTrainer
{
    /// <summary>Adam's beta1 (torch default).</summary>
    public const double Beta1 = 0.9;

    /// <summary>Adam's beta2 (torch default).</summary>
    public const double Beta2 = 0.999;

    /// <summary>Adam's eps (torch default).</summary>
    public const double Epsilon = 1e-8;

    /// <summary>Progress is reported after every this many steps (and after the last).</summary>
    public const int ProgressEvery = 100;

    /// <summary>
    /// Trains a network of <paramref name="width"/> neurons on column-major data (<c>x[i][k]</c>, <c>dx[i][k]</c>,
    /// D = 2d columns). Work is split over <paramref name="threads"/> workers; <paramref name="ct"/> is checked before
    /// every step (<see cref="OperationCanceledException"/>).
    /// </summary>
    public static AdamResult Train(
        double[][] x,
        double[][] dx,
        int width,
        Anchor anchor,
        AdamSettings settings,
        ulong seed,
        int threads,
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

        return Train(x, dx, Initialize(x.Length, width, seed, settings.Init), anchor, settings, threads, progress, ct);
    }

    /// <summary>
    /// Trains from the given <paramref name="initial"/> network (its width and its w, b, c; its output bias is not used:
    /// it has no gradient and the anchor replaces it), e.g. the initial parameters of a PyTorch run. <c>settings.Init</c>
    /// is ignored. Otherwise as the seeded overload.
    /// </summary>
    public static AdamResult Train(
        double[][] x,
        double[][] dx,
        Network initial,
        Anchor anchor,
        AdamSettings settings,
        int threads,
        IProgress<AdamProgress>? progress,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(anchor);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        TrainingData.Check(x, dx);
        var dim = x.Length;
        var width = initial.Width;
        if (initial.InputDim != dim)
        {
            throw new ArgumentException($"the initial network has {initial.InputDim} inputs, the data have {dim} columns", nameof(initial));
        }

        if (threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be at least 1");
        }

        if (anchor.X0.Length != dim)
        {
            throw new ArgumentException($"anchor x0 has {anchor.X0.Length} coordinates, the data have {dim}", nameof(anchor));
        }

        if (!double.IsFinite(anchor.H0))
        {
            throw new ArgumentException($"anchor H0 is {anchor.H0}; allowed: a finite number", nameof(anchor));
        }

        var rows = x[0].Length;
        var batch = Math.Min(settings.BatchSize, rows);
        var layout = new ParameterLayout(dim, width);
        var theta = new AlignedBuffer(layout.Length);
        layout.Pack(initial, theta.Span);
        var gradient = new AlignedBuffer(layout.Length);
        var m = new double[layout.Length];
        var v = new double[layout.Length];
        var engine = new BatchGradient(layout, batch, threads);

        var lossSteps = RecordedSteps(settings.Steps, settings.LossEvery);
        var losses = new double[lossSteps.Length];
        var r = 0;
        for (var step = 1; step <= settings.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            var (start, count) = Batch(step, settings.BatchSize, rows);
            var loss = engine.Compute(theta, x, dx, start, count, gradient.Span);
            if (r < lossSteps.Length && lossSteps[r] == step)
            {
                losses[r++] = loss;
            }

            AdamUpdate.Apply(theta.Span, gradient.Span, m, v, step, settings.LearningRate, settings.WeightDecay);
            if (step % ProgressEvery == 0 || step == settings.Steps)
            {
                progress?.Report(new AdamProgress(step, settings.Steps, loss));
            }
        }

        return new AdamResult(Anchored(layout.Unpack(theta.Span, 0), anchor), lossSteps, losses);
    }

    /// <summary>
    /// The rows of step <paramref name="step"/> (1-based), as the reference's <c>get_batch(x, step - 1, B)</c>:
    /// start = ((step - 1) B) mod K, rows start .. min(start + B, K). With K = 10000 and B = 2048: 0, 2048, 4096, 6144,
    /// then 8192 (1808 rows), then 240, 2288, ...
    /// </summary>
    public static (int Start, int Count) Batch(int step, int batchSize, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        var start = (int)((long)(step - 1) * batchSize % rows);
        return (start, Math.Min(batchSize, rows - start));
    }

    /// <summary>The steps whose loss is kept: 1, 1 + every, 1 + 2 every, ... and always the last.</summary>
    internal static int[] RecordedSteps(int steps, int every)
    {
        var recorded = new List<int>();
        for (long step = 1; step <= steps; step += every)
        {
            recorded.Add((int)step);
        }

        if (steps > 0 && recorded[^1] != steps)
        {
            recorded.Add(steps);
        }

        return [.. recorded];
    }

    /// <summary>
    /// The initial network, drawn from <c>Rng(seed, "adam/init")</c> by <paramref name="init"/>:
    /// <list type="bullet">
    /// <item><see cref="AdamInit.TorchDefault"/> (PyTorch's default nn.Linear init, kaiming_uniform_(a = sqrt 5) and its
    /// bias rule): hidden w ~ U(-1/sqrt(D), 1/sqrt(D)), b likewise, then c ~ U(-1/sqrt(N), 1/sqrt(N)), c_0 likewise;
    /// drawn in torch's order W1 (neuron by neuron, inputs inner: the row-major N x D weight), b1, W2, b2. The
    /// distribution is torch's; the draws are ours (torch's generator is not reproduced).</item>
    /// <item><see cref="AdamInit.Xavier"/> (torch.nn.init.xavier_normal_, zero biases): hidden w ~ N(0, 2 / (D + N)),
    /// output c ~ N(0, 2 / (N + 1)), b = 0, c_0 = 0; hidden weights neuron by neuron (inputs inner), then c_1..c_N.</item>
    /// </list>
    /// </summary>
    public static Network Initialize(int inputDim, int width, ulong seed, AdamInit init = AdamInit.TorchDefault)
    {
        if (inputDim < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, "input dimension must be at least 1");
        }

        if (width < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, "width must be at least 1");
        }

        var rng = new Rng(seed, "adam/init");
        var weights = new double[inputDim][];
        for (var i = 0; i < inputDim; i++)
        {
            weights[i] = new double[width];
        }

        var biases = new double[width];
        var coefficients = new double[width];
        switch (init)
        {
            case AdamInit.TorchDefault:
                {
                    var hidden = 1 / Math.Sqrt(inputDim);
                    var output = 1 / Math.Sqrt(width);
                    for (var j = 0; j < width; j++)
                    {
                        for (var i = 0; i < inputDim; i++)
                        {
                            weights[i][j] = rng.NextUniform(-hidden, hidden);
                        }
                    }

                    for (var j = 0; j < width; j++)
                    {
                        biases[j] = rng.NextUniform(-hidden, hidden);
                    }

                    for (var j = 0; j < width; j++)
                    {
                        coefficients[j] = rng.NextUniform(-output, output);
                    }

                    return new Network(new HiddenLayer(weights, biases), coefficients, rng.NextUniform(-output, output));
                }

            case AdamInit.Xavier:
                {
                    var hiddenStd = Math.Sqrt(2.0 / (inputDim + width));
                    var outputStd = Math.Sqrt(2.0 / (width + 1));
                    for (var j = 0; j < width; j++)
                    {
                        for (var i = 0; i < inputDim; i++)
                        {
                            weights[i][j] = hiddenStd * rng.NextNormal();
                        }
                    }

                    for (var j = 0; j < width; j++)
                    {
                        coefficients[j] = outputStd * rng.NextNormal();
                    }

                    return new Network(new HiddenLayer(weights, biases), coefficients, 0);
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(init), init, "unknown initialisation");
        }
    }

    /// <summary>The same network with c_0 = H0 - sum_j c_j tanh(w_j . x0 + b_j), so that H(x0) = H0.</summary>
    public static Network Anchored(Network network, Anchor anchor)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(anchor);
        if (anchor.X0.Length != network.InputDim)
        {
            throw new ArgumentException($"anchor x0 has {anchor.X0.Length} coordinates, the network expects {network.InputDim}", nameof(anchor));
        }

        var point = new double[network.InputDim][];
        for (var i = 0; i < point.Length; i++)
        {
            point[i] = [anchor.X0[i]];
        }

        var withoutBias = (network with { OutputBias = 0 }).Energy(point)[0];
        return network with { OutputBias = anchor.H0 - withoutBias };
    }
}
