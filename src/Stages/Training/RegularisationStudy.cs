using Hnn.Datasets;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Sampling;

namespace Hnn.Stages.Training;

/// <summary>
/// The settings of one run of the regularisation study (docs/RESULTS.md, "Noise, regularisation and error bars"): exact
/// derivative data of <paramref name="System"/> on <paramref name="Domain"/> with Gaussian noise of standard deviation
/// <paramref name="NoiseRelative"/> x RMS(x') added to every x' entry of the training and validation points.
/// </summary>
/// <param name="Method">elm, u-swim or a-swim (A-SWIM's first stage solves with rcond 1e-13, as in production).</param>
public sealed record RegularisationStudySettings(
    HamiltonianSystem System,
    Domain Domain,
    Anchor Anchor,
    int Train,
    int Validation,
    int Test,
    int Width,
    string Method,
    double NoiseRelative,
    ulong DataSeed,
    ulong ModelSeed)
{
    /// <summary>Fixed rcond values compared in hindsight: 1e-16, 1e-15, ..., 1e-2.</summary>
    public IReadOnlyList<double> RcondGrid { get; init; } = [.. Enumerable.Range(0, 15).Select(i => Math.Pow(10, -16 + i))];

    /// <summary>Fixed lambda values compared in hindsight: 1e-16, 10^-15.5, ..., 1e-1.</summary>
    public IReadOnlyList<double> LambdaGrid { get; init; } = [.. Enumerable.Range(0, 31).Select(i => Math.Pow(10, -16 + (i / 2.0)))];
}

/// <summary>Test error of one regularisation (relative L2 errors of H and grad H on the exact test points).</summary>
public readonly record struct StudyPoint(Regularisation Regularisation, double TestH, double TestGrad, double EffectiveDof);

/// <summary>An automatic choice and the test error of its solution.</summary>
public sealed record StudyAuto(string Name, AutoChoice Choice, StudyPoint Result);

/// <summary>The Bayesian output layer's summary: lambda, the noise it estimated and the true one, band coverage, error of its mean.</summary>
public sealed record StudyBayes(
    double Lambda,
    double NoiseSd,
    double TrueNoiseSd,
    double CoverageH,
    double CoverageGrad,
    double MeanTestH,
    double MedianSdH);

/// <summary>Everything one study run measured.</summary>
public sealed record RegularisationStudyResult(
    RegularisationStudySettings Settings,
    IReadOnlyList<StudyPoint> Fixed,
    IReadOnlyList<StudyAuto> Auto,
    StudyBayes Bayes)
{
    /// <summary>The best fixed point of one kind (lowest test H error).</summary>
    public StudyPoint BestFixed(RegularisationKind kind) => Fixed.Where(p => p.Regularisation.Kind == kind).MinBy(p => p.TestH);

    /// <summary>The best fixed point of either kind.</summary>
    public StudyPoint BestFixedOverall => Fixed.MinBy(p => p.TestH);
}

/// <summary>
/// The harness of the done-means 3: fixed rcond / lambda grids against the automatic choices (validation rows
/// and GCV, for truncation and ridge) and the Bayesian band's coverage of the true H and grad H on test points. Pure:
/// every random draw comes from the settings' seeds. Used by the tests (small sizes) and scripts/regularisation-study.sh.
/// </summary>
public static class RegularisationStudy
{
    /// <summary>Runs the study.</summary>
    public static RegularisationStudyResult Run(ILinearAlgebra la, RegularisationStudySettings settings)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(settings);
        var system = settings.System;
        var all = DataGenerator.Sample(system, settings.Domain, settings.Train + settings.Validation + settings.Test, settings.DataSeed);
        var train = Slice(all, 0, settings.Train);
        var validation = Slice(all, settings.Train, settings.Validation);
        var test = Slice(all, settings.Train + settings.Validation, settings.Test);

        // Noise: one scale for every x' entry (relative to the RMS of the exact training derivatives).
        double sum = 0;
        foreach (var column in train.Dx)
        {
            sum += column.Sum(v => v * v);
        }

        var noiseSd = settings.NoiseRelative * Math.Sqrt(sum / (train.Dx.Length * (double)train.Count));
        var rng = new Rng(settings.DataSeed, "regularisation-study/noise");
        var trainDx = AddNoise(train.Dx, noiseSd, rng);
        var validationDx = AddNoise(validation.Dx, noiseSd, rng);

        var hidden = Hidden(la, settings, train.X, trainDx);
        var problem = Reduce(la, hidden, train.X, trainDx, settings.Anchor);
        var solve = SpectralSolve.Create(la, problem);
        var rows = new ValidationRows(solve, GradientSystem.Full(hidden, validation.X, validationDx, settings.Anchor));

        StudyPoint Evaluate(Regularisation reg)
        {
            var filter = solve.Filter(reg);
            var (h, g) = TestErrors(ToNetwork(hidden, solve.SolveFiltered(filter)), test);
            return new StudyPoint(reg, h, g, SpectralSolve.EffectiveDof(filter));
        }

        var fixedPoints = settings.RcondGrid.Select(r => Evaluate(Regularisation.Rcond(r)))
            .Concat(settings.LambdaGrid.Select(l => Evaluate(Regularisation.Ridge(l)))).ToArray();
        var auto = new List<StudyAuto>();
        foreach (var kind in new[] { RegularisationKind.Rcond, RegularisationKind.Ridge })
        {
            foreach (var criterion in new[] { AutoCriterion.Validation, AutoCriterion.Gcv })
            {
                var choice = RegularisationChoice.Choose(solve, kind, criterion, rows);
                var name = (kind == RegularisationKind.Rcond ? "rcond" : "ridge") + "/" + (criterion == AutoCriterion.Validation ? "validation" : "gcv");
                auto.Add(new StudyAuto(name, choice, Evaluate(choice.Chosen)));
            }
        }

        var bayes = BayesianOutputLayer.Fit(solve);
        var mean = bayes.MeanNetwork(hidden);
        var (sdH, sdGrad) = bayes.PredictiveSd(hidden, test.X, settings.Anchor.X0);
        var gradHat = new double[test.X.Length][];
        for (var i = 0; i < gradHat.Length; i++)
        {
            gradHat[i] = new double[test.Count];
        }

        var hHat = new double[test.Count];
        mean.Predict(test.X, 0, test.Count, hHat, gradHat);
        var gradTruth = GradientOf(test.Dx);
        var insideGrad = 0.0;
        for (var i = 0; i < gradHat.Length; i++)
        {
            insideGrad += BayesianOutputLayer.Coverage(gradTruth[i], gradHat[i], sdGrad[i]);
        }

        var (meanH, _) = TestErrors(mean, test);
        var summary = new StudyBayes(
            bayes.Lambda,
            bayes.NoiseSd,
            noiseSd,
            BayesianOutputLayer.Coverage(test.H, hHat, sdH),
            insideGrad / gradHat.Length,
            meanH,
            Median(sdH));
        return new RegularisationStudyResult(settings, fixedPoints, auto, summary);
    }

    /// <summary>The hidden layer of the settings' method (seeds derived from the model seed as in the pipeline's samplers).</summary>
    private static HiddenLayer Hidden(ILinearAlgebra la, RegularisationStudySettings settings, double[][] x, double[][] dx)
    {
        switch (settings.Method)
        {
            case "elm":
                return ElmSampler.Sample(x.Length, settings.Width, settings.Domain.MinLimit, settings.Domain.MaxLimit, settings.ModelSeed);
            case "u-swim":
                return SwimStages.Sample(x, null, settings.Width, settings.ModelSeed);
            case "a-swim":
                var first = SwimStages.Sample(x, null, settings.Width, settings.ModelSeed);
                var (r, rRows) = Tsqr(la, first, x, dx);
                var (network, _) = GradientSystem.SolveReduced(la, first, r, rRows, settings.Anchor, 1e-13);
                return SwimStages.Sample(x, network.Energy(x), settings.Width, settings.ModelSeed); // A-SWIM: resampled on the first network's H-hat
            default:
                throw new ArgumentException($"method '{settings.Method}' is not one of elm, u-swim, a-swim", nameof(settings));
        }
    }

    /// <summary>The reduced problem of the gradient system on (x, dx) — the TSQR in chunks of <see cref="OutputLayer.DefaultChunkRows"/>.</summary>
    public static ReducedProblem Reduce(ILinearAlgebra la, HiddenLayer hidden, double[][] x, double[][] dx, Anchor anchor)
    {
        ArgumentNullException.ThrowIfNull(x);
        var (r, rRows) = Tsqr(la, hidden, x, dx);
        return ReducedProblem.FromGradientR(la, hidden, r, rRows, anchor, x[0].Length);
    }

    private static (double[] R, int Rows) Tsqr(ILinearAlgebra la, HiddenLayer hidden, double[][] x, double[][] dx)
    {
        var k = x[0].Length;
        var acc = la.CreateQrAccumulator(hidden.Width + dx.Length);
        for (var start = 0; start < k; start += OutputLayer.DefaultChunkRows)
        {
            var count = Math.Min(OutputLayer.DefaultChunkRows, k - start);
            acc.Absorb(GradientSystem.AugmentedBlock(hidden, x, dx, start, count), count);
        }

        var r = acc.GetR(out var rows);
        return (r, rows);
    }

    /// <summary>The network of an output-weight vector (c_1..c_N, c_0 last).</summary>
    public static Network ToNetwork(HiddenLayer hidden, double[] c)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(c);
        return new Network(hidden, c.AsSpan(0, hidden.Width).ToArray(), c[hidden.Width]);
    }

    /// <summary>Relative L2 errors of H and grad H on the test set.</summary>
    private static (double H, double Grad) TestErrors(Network network, DataSet test)
    {
        var h = new double[test.Count];
        var grad = new double[test.X.Length][];
        for (var i = 0; i < grad.Length; i++)
        {
            grad[i] = new double[test.Count];
        }

        network.Predict(test.X, 0, test.Count, h, grad);
        var truth = GradientOf(test.Dx);
        double eh = 0, nh = 0, eg = 0, ng = 0;
        for (var k = 0; k < test.Count; k++)
        {
            eh += SpectralSolve.Square(h[k] - test.H[k]);
            nh += SpectralSolve.Square(test.H[k]);
            for (var i = 0; i < grad.Length; i++)
            {
                eg += SpectralSolve.Square(grad[i][k] - truth[i][k]);
                ng += SpectralSolve.Square(truth[i][k]);
            }
        }

        return (Math.Sqrt(eh / nh), Math.Sqrt(eg / ng));
    }

    /// <summary>grad H from exact time derivatives (Hamilton's equations): dH/dq = -dp/dt, dH/dp = dq/dt.</summary>
    private static double[][] GradientOf(double[][] dx)
    {
        var d = dx.Length / 2;
        var g = new double[dx.Length][];
        for (var i = 0; i < d; i++)
        {
            g[i] = [.. dx[d + i].Select(v => -v)];
            g[d + i] = (double[])dx[i].Clone();
        }

        return g;
    }

    private static DataSet Slice(DataSet data, int start, int count) =>
        new(data.Dof, [.. data.X.Select(c => c.AsSpan(start, count).ToArray())], [.. data.Dx.Select(c => c.AsSpan(start, count).ToArray())], data.H.AsSpan(start, count).ToArray());

    private static double[][] AddNoise(double[][] dx, double sd, Rng rng)
    {
        var noisy = dx.Select(c => (double[])c.Clone()).ToArray();
        if (sd > 0)
        {
            for (var k = 0; k < noisy[0].Length; k++)
            {
                for (var i = 0; i < noisy.Length; i++)
                {
                    noisy[i][k] += sd * rng.NextNormal();
                }
            }
        }

        return noisy;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
