using System.Numerics.Tensors;
using Hnn.Stages.Model;

namespace Hnn.Stages.Training;

/// <summary>How the Bayesian output layer chooses its prior precision.</summary>
public enum PriorPrecisionChoice
{
    /// <summary>Maximise the marginal likelihood (evidence), the noise variance profiled out.</summary>
    Evidence,

    /// <summary>The ridge lambda that minimises generalised cross-validation.</summary>
    Gcv,

    /// <summary>The regularisation the fit chose (fixed or automatic): the posterior is centred on the reported solution.</summary>
    Chosen,
}

/// <summary>Where the Bayesian output layer's noise level (the scale of every band) comes from.</summary>
public enum NoiseSource
{
    /// <summary>The training residual: sigma^2 = ||A c - y||^2 / (m - gamma) (the default).</summary>
    TrainingResidual,

    /// <summary>
    /// Held-out rows: sigma^2 = mean_v r_v^2 / (1 + l_v), the maximum-likelihood scale of the validation rows'
    /// predictive distribution N(a_v . c, sigma^2 (1 + l_v)) (docs/ALGORITHM.md §2.5).
    /// </summary>
    Validation,

    /// <summary>
    /// Held-out trajectories, on the level of H itself: the true H is constant along a trajectory, so the learned
    /// H(x_n) - H(x_0) of its observations is pure error, predicted N(0, kappa^2 s_n^2 + v_n) (s_n the band of
    /// H(x_n) - H(x_0), v_n the variance the observation noise adds); kappa maximises that likelihood
    /// (docs/ALGORITHM.md §2.5, <see cref="BayesianOutputLayer.WithTrajectoryScale"/>).
    /// </summary>
    ValidationTrajectories,
}

/// <summary>
/// A Bayesian linear model on the output layer (docs/ALGORITHM.md §2.5): y = A c + e, e ~ N(0, sigma^2 I), prior
/// c ~ N(0, alpha^-1 I) on all N + 1 output weights. With mu = (lambda s_max)^2 = sigma^2 alpha the posterior is
/// N(c_ridge(lambda), sigma^2 (A^T A + mu I)^-1), computed from the SVD of the reduced triangle (A^T A = R^T R =
/// V diag(s^2) V^T): the posterior mean is the ridge solution, and the predictive variance of any linear functional
/// phi . c (H at a point: phi = [tanh(z_j), 1]; dH/dx_i: phi = [(1 - tanh^2 z_j) W_ij, 0]) is
/// sigma^2 sum_i (v_i . phi)^2 / (s_i^2 + mu). The noise variance is sigma^2 = ||A c - y||^2 / (m - gamma), gamma =
/// sum_i s_i^2 / (s_i^2 + mu) (the well-determined parameters; MacKay 1992), which at the evidence maximum is also
/// the maximum-likelihood value.
/// </summary>
public sealed class BayesianOutputLayer
{
    /// <summary>z of a central 95 % normal band: Phi^-1(0.975).</summary>
    public const double Z95 = 1.959963984540054;

    private readonly double[] _m; // row-major _mRows x n, covariance / sigma^2 = _m^T _m: row i = v_i^T sqrt(w_i), w_i = 1 / (s_i^2 + mu) (ridge) or 1 / s_i^2 kept, 0 dropped (truncation); the sandwich: F diag(w) V^T
    private readonly int _mRows;
    private readonly double[] _w; // the posterior's variance weights w_i per right singular direction (units of sigma^2)
    private readonly int _n;

    private BayesianOutputLayer(SpectralSolve solve, double lambda, PriorPrecisionChoice choice, double[] mean, double noiseSd, double logEvidence, double gamma,
        NoiseSource source = NoiseSource.TrainingResidual, double? trainingNoiseSd = null, int? truncatedRank = null, double[]? sandwich = null, double? observationNoiseSd = null)
    {
        ObservationNoiseSd = observationNoiseSd;
        Source = source;
        TrainingNoiseSd = trainingNoiseSd ?? noiseSd;
        Solve = solve;
        Lambda = lambda;
        Choice = choice;
        Mean = mean;
        NoiseSd = noiseSd;
        LogEvidence = logEvidence;
        WellDetermined = gamma;
        TruncatedRank = truncatedRank;
        _n = solve.N;
        var mu = SpectralSolve.Square(lambda * solve.SigmaMax);
        var s = solve.S;
        var vt = solve.VT;
        // The band's factor: the sandwich's F diag(w) V^T when given, else the rows v_i^T sqrt(w_i) filled below.
        _m = sandwich ?? new double[(long)_n * _n];
        _mRows = _m.Length / _n;
        _w = new double[_n];
        for (var i = 0; i < _n; i++)
        {
            double scale;
            if (truncatedRank is { } k)
            {
                scale = i < k && s[i] > 0 ? 1 / s[i] : 0;
                _w[i] = scale * scale;
            }
            else
            {
                var denominator = (s[i] * s[i]) + mu;
                scale = 1 / Math.Sqrt(denominator);
                _w[i] = denominator > 0 ? 1 / denominator : 0;
            }

            if (sandwich is null)
            {
                for (var j = 0; j < _n; j++)
                {
                    _m[(i * _n) + j] = vt[i + (j * _n)] * scale;
                }
            }
        }
    }

    private BayesianOutputLayer Rescaled(double noiseSd, NoiseSource source) =>
        new(Solve, Lambda, Choice, Mean, noiseSd, LogEvidence, WellDetermined, source, TrainingNoiseSd, TruncatedRank, IsSandwich ? _m : null, ObservationNoiseSd) { BiasPriorSd = BiasPriorSd, BiasPriorExponent = BiasPriorExponent };

    /// <summary>
    /// The posterior of the fit's solution (as <see cref="AtRegularisation"/>: same mean, same filter) under the correlated
    /// noise of trajectory rows (docs/ALGORITHM.md §2.6): observation noise e ~ N(0, s^2 diag(g_i^2)) per coordinate i
    /// (<paramref name="coordinateScales"/> g_i: the coordinates' RMS for relative noise, 1 for absolute), so the rows'
    /// noise has covariance Sigma = s^2 blockdiag_i(g_i^2 B B^T) and the solution c = G A^T y (G = (A^T A + mu)^-1, or the
    /// pseudo-inverse on the kept subspace) has the sandwich covariance C = G A^T Sigma A G, A^T Sigma A = s^2 sum_i g_i^2
    /// diag(d_i) R_D^T R_D diag(d_i) (R_D = <see cref="ReducedProblem.NoiseTriangle"/>, d_i the output block's diagonal,
    /// the anchor row noise-free). s^2 = ||A c - y||^2 / E with E = tr(Sigma / s^2) - sum_k w_k (2 - f_k) (V^T (A^T Sigma A / s^2) V)_kk,
    /// the residual's expectation under that model (f_k the filter factors). <see cref="NoiseSd"/> is then s, the
    /// relative observation noise (also <see cref="ObservationNoiseSd"/>), and every band is sd = s sqrt(phi^T (C / s^2) phi).
    /// </summary>
    /// <param name="la">The backend whose matrix product forms F and F diag(w) V^T.</param>
    /// <param name="solve">The SVD of <paramref name="problem"/>.</param>
    /// <param name="regularisation">The fit's regularisation.</param>
    /// <param name="hidden">The hidden layer.</param>
    /// <param name="problem">The reduced problem with its <see cref="ReducedProblem.NoiseTriangle"/>.</param>
    /// <param name="coordinateScales">g_i per coordinate.</param>
    /// <param name="withPrior">
    /// Also the ridge's shrinkage averaged over the prior of §2.5 (c ~ N(0, sigma_iid^2 / mu I), sigma_iid the iid model's
    /// training estimate): C + sigma_iid^2 mu G^2, which for iid noise makes the sum the §2.5 posterior sigma^2 G. Nothing
    /// for a truncation (mu = 0). A study option (docs/RESULTS.md), not used by the pipeline.
    /// </param>
    /// <param name="withBias">
    /// Also the regularisation's bias averaged over the prior v_k . c ~ N(0, tau_k^2), tau_k^2 = tau^2 (s_k / s_max)^-a, whose
    /// (tau, a) are fitted by empirical Bayes on the reduced SVD under the same correlated noise (docs/ALGORITHM.md §2.6,
    /// <see cref="BiasPriorSd"/>, <see cref="BiasPriorExponent"/>): the error of c is G A^T e - (I - G A^T A) c, so the band adds
    /// sum_k tau_k^2 (1 - f_k)^2 (v_k . phi)^2 (f_k the filter factors: the ridge's shrinkage, the truncation's dropped
    /// directions). The pipeline's band (error-bars version 3).
    /// </param>
    /// <param name="biasExponents">The exponents a the prior is fitted over (default <see cref="PowerLawExponents"/>; <see cref="IsotropicExponent"/>: a = 0).</param>
    public static BayesianOutputLayer CorrelatedAtRegularisation(Hnn.Stages.Numerics.ILinearAlgebra la, SpectralSolve solve, Regularisation regularisation, HiddenLayer hidden, ReducedProblem problem,
        IReadOnlyList<double> coordinateScales, bool withPrior = false, bool withBias = false, IReadOnlyList<double>? biasExponents = null)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(solve);
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(coordinateScales);
        var rd = problem.NoiseTriangle ?? throw new ArgumentException("the reduced problem has no noise triangle (trajectory rows only)", nameof(problem));
        var plain = AtRegularisation(solve, regularisation);
        var n = solve.N;
        var width = hidden.Width;
        var dim = hidden.InputDim;
        if (width + 1 != n || rd.Length != (long)width * width || coordinateScales.Count != dim)
        {
            throw new ArgumentException($"the layer ({width} neurons, {dim} coordinates), the solve ({n} weights), the noise triangle ({rd.Length} entries) and {coordinateScales.Count} coordinate scales do not match");
        }

        var vt = solve.VT;
        var sv = solve.S;
        var w = plain._w;

        // F = stacked g_i R_D diag(d_i) V_(0..N-1, :) (dim N x n, column-major, leading dimension dim N): A^T Sigma A / s^2 =
        // V (F^T F) V^T in the singular basis. Block o is one dgemm: (R_D diag(g_o d_o)) (N x N) times V's first N rows,
        // which are the transpose of V^T's first N columns (n x N, leading dimension n).
        var fRows = dim * width;
        var f = new double[(long)fRows * n];
        var scaled = new double[(long)width * width];
        for (var o = 0; o < dim; o++)
        {
            var g = coordinateScales[o];
            for (var j = 0; j < width; j++)
            {
                var dj = g * GradientSystem.DiagonalEntry(hidden, o, j);
                var column = scaled.AsSpan(j * width, width);
                for (var a = 0; a <= j; a++)
                {
                    column[a] = rd[a + (j * width)] * dj;
                }
            }

            la.Multiply(false, true, width, n, width, scaled, width, vt, n, f.AsSpan(o * width), fRows);
        }

        var diagonal = new double[n];
        for (var k = 0; k < n; k++)
        {
            var column = f.AsSpan(k * fRows, fRows);
            diagonal[k] = TensorPrimitives.Dot(column, column);
        }

        var traceSigma = problem.NoiseTrace * coordinateScales.Sum(g => g * g);
        var expected = traceSigma;
        for (var k = 0; k < n; k++)
        {
            var filter = w[k] * sv[k] * sv[k];
            expected -= w[k] * (2 - filter) * diagonal[k];
        }

        var kept = plain.TruncatedRank is { } rank ? solve.TruncationFilter(rank) : solve.Filter(regularisation);

        var residual = solve.ResidualSquared(kept);
        var s = expected > 0 ? Math.Sqrt(residual / expected) : double.NaN;

        // _m = F diag(w) V^T (dim N x n): phi^T (C / s^2) phi = ||_m phi||^2; with the prior n more rows
        // sqrt(mu) (sigma_iid / s) w_k v_k^T.
        var mu = plain.TruncatedRank is null ? SpectralSolve.Square(plain.Lambda * solve.SigmaMax) : 0;
        var priorRows = withPrior && mu > 0 ? n : 0;
        var (tau, exponent) = withBias ? EmpiricalBayesPrior(solve, diagonal, s, biasExponents ?? PowerLawExponents) : (double.NaN, double.NaN);
        var biasRows = withBias && tau > 0 ? n : 0;
        var m = new double[(long)(fRows + priorRows + biasRows) * n];
        for (var k = 0; k < priorRows; k++)
        {
            var c = Math.Sqrt(mu) * plain.NoiseSd / s * w[k];
            for (var j = 0; j < n; j++)
            {
                m[((fRows + k) * n) + j] = c * vt[k + (j * n)];
            }
        }

        // The bias rows (tau / s) (1 - f_k) v_k^T: their Gram is tau^2 (I - G A^T A)^2 / s^2 in units of s^2.
        for (var k = 0; k < biasRows; k++)
        {
            var c = sv[k] > 0 ? tau * Math.Pow(sv[k] / sv[0], -exponent / 2) / s * (1 - kept[k]) : 0;
            for (var j = 0; j < n; j++)
            {
                m[((fRows + priorRows + k) * n) + j] = c * vt[k + (j * n)];
            }
        }

        // F diag(w) in place, then _m^T = V (F diag(w))^T: n x dim N column-major, which is _m's row-major layout.
        for (var k = 0; k < n; k++)
        {
            TensorPrimitives.Multiply(f.AsSpan(k * fRows, fRows), w[k], f.AsSpan(k * fRows, fRows));
        }

        la.Multiply(true, true, n, fRows, n, vt, n, f, fRows, m, n);

        return new BayesianOutputLayer(solve, plain.Lambda, PriorPrecisionChoice.Chosen, plain.Mean, s, plain.LogEvidence, plain.WellDetermined,
            truncatedRank: plain.TruncatedRank, sandwich: m, observationNoiseSd: s)
        { BiasPriorSd = tau, BiasPriorExponent = exponent };
    }

    /// <summary>
    /// The prior of the bias term by empirical Bayes on the reduced SVD (docs/ALGORITHM.md §2.6): v_k . c ~ N(0, tau_k^2) with
    /// the power law tau_k^2 = tau^2 (s_k / s_max)^-a (a = 0: the isotropic prior c ~ N(0, tau^2 I)). beta_k = u_k^T Q^T y =
    /// s_k (v_k . c) + (noise), the noise of variance s^2 D_k / s_k^2 (D_k = (V^T A^T Sigma A V)_kk / s^2, the sandwich's
    /// diagonal), so marginally beta_k ~ N(0, s_k^2 tau_k^2 + s^2 D_k / s_k^2) (the noise's correlation between directions
    /// neglected); (tau^2, a) maximise that likelihood: for every a on <paramref name="exponents"/> tau^2 by a grid in log
    /// tau^2 around the moment estimate, golden-section refined, then the best a. Returns (tau, a); tau NaN when undefined.
    /// </summary>
    internal static (double Tau, double Exponent) EmpiricalBayesPrior(SpectralSolve solve, ReadOnlySpan<double> diagonal, double s, IReadOnlyList<double> exponents)
    {
        var sv = solve.S.ToArray();
        var beta = solve.Beta;
        var noise = new double[sv.Length];
        var relative = new double[sv.Length];
        for (var k = 0; k < sv.Length; k++)
        {
            noise[k] = sv[k] > 0 ? s * s * diagonal[k] / (sv[k] * sv[k]) : double.NaN;
            relative[k] = sv[k] / sv[0];
        }

        var best = (Tau: double.NaN, Exponent: double.NaN, Nll: double.PositiveInfinity);
        foreach (var a in exponents)
        {
            // The signal's scale per direction: s_k^2 (s_k / s_max)^-a; tau^2 multiplies it.
            var scale = new double[sv.Length];
            double b2 = 0, s2 = 0;
            for (var k = 0; k < sv.Length; k++)
            {
                scale[k] = sv[k] > 0 ? sv[k] * sv[k] * Math.Pow(relative[k], -a) : 0;
                b2 += beta[k] * beta[k];
                s2 += scale[k];
            }

            if (!(s2 > 0) || !(b2 > 0) || double.IsNaN(s) || !double.IsFinite(s2))
            {
                continue;
            }

            var t0 = b2 / s2;
            double Nll(double t)
            {
                double sum = 0;
                for (var k = 0; k < sv.Length; k++)
                {
                    if (sv[k] > 0)
                    {
                        var v = (scale[k] * t) + noise[k];
                        if (v > 0)
                        {
                            sum += Math.Log(v) + (beta[k] * beta[k] / v);
                        }
                    }
                }

                return sum;
            }

            var grid = Enumerable.Range(0, 121).Select(i => t0 * Math.Pow(10, -24 + (i * 0.25))).ToArray();
            var (t, y, _) = RegularisationChoice.MinimiseLog(grid, Nll);
            if (y < best.Nll)
            {
                best = (Math.Sqrt(t), a, y);
            }
        }

        return (best.Tau, best.Exponent);
    }

    /// <summary>The isotropic prior's tau alone (<see cref="EmpiricalBayesPrior"/> at a = 0).</summary>
    internal static double EmpiricalBayesPriorSd(SpectralSolve solve, ReadOnlySpan<double> diagonal, double s) =>
        EmpiricalBayesPrior(solve, diagonal, s, [0.0]).Tau;

    /// <summary>The exponents a of the power-law bias prior the pipeline's band fits over: 0, 0.05, ..., 3 (docs/ALGORITHM.md §2.6).</summary>
    public static IReadOnlyList<double> PowerLawExponents { get; } = [.. Enumerable.Range(0, 61).Select(i => i * 0.05)];

    /// <summary>The isotropic bias prior alone (a = 0; the study's earlier `withBias`).</summary>
    public static IReadOnlyList<double> IsotropicExponent { get; } = [0.0];

    /// <summary>The empirical-Bayes prior sd tau of the bias term (<see cref="CorrelatedAtRegularisation"/> with withBias); NaN without it.</summary>
    public double BiasPriorSd { get; private init; } = double.NaN;

    /// <summary>The exponent a of the bias prior's power law tau_k^2 = tau^2 (s_k / s_max)^-a (0: isotropic); NaN without the bias term.</summary>
    public double BiasPriorExponent { get; private init; } = double.NaN;

    /// <summary>
    /// The coverage one realisation would have if this posterior were exactly right: <paramref name="draws"/> errors
    /// delta c ~ N(0, covariance) (standard normals from <paramref name="seed"/>), each giving the fraction of the points whose
    /// |phi(x) . delta c| &lt;= z sd(x) — the spread of a single run's coverage under the model itself, for points whose errors
    /// are correlated (docs/RESULTS.md). <paramref name="sd"/> is <see cref="PredictiveSd"/>'s H at the same points and anchor.
    /// </summary>
    public double[] ModelCoverageDraws(HiddenLayer hidden, double[][] x, double[]? anchorX0, ReadOnlySpan<double> sd, int draws, ulong seed, double z = Z95)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(x);
        var dim = hidden.InputDim;
        var count = x.Length == 0 ? 0 : x[0].Length;
        if (sd.Length != count || hidden.Width + 1 != _n)
        {
            throw new ArgumentException($"{sd.Length} sd for {count} points, or the layer ({hidden.Width} neurons) does not match the model ({_n - 1})");
        }

        var phi0 = AnchorFeatures(hidden, anchorX0);

        // Rows phi(x_k)^T (count x n) once; each draw is delta c = NoiseSd _m^T zeta.
        var features = new double[(long)count * _n];
        var point = new double[dim];
        for (var k = 0; k < count; k++)
        {
            for (var i = 0; i < dim; i++)
            {
                point[i] = x[i][k];
            }

            var row = features.AsSpan(k * _n, _n);
            for (var j = 0; j < hidden.Width; j++)
            {
                row[j] = Math.Tanh(hidden.PreActivation(j, point)) - phi0[j];
            }

            row[hidden.Width] = 1 - phi0[hidden.Width];
        }

        var rng = new Hnn.Datasets.Rng(seed, "model-coverage");
        var result = new double[draws];
        var delta = new double[_n];
        for (var d = 0; d < draws; d++)
        {
            Array.Clear(delta);
            for (var r = 0; r < _mRows; r++)
            {
                TensorPrimitives.MultiplyAdd(_m.AsSpan(r * _n, _n), NoiseSd * rng.NextNormal(), delta, delta);
            }

            var inside = 0;
            for (var k = 0; k < count; k++)
            {
                if (Math.Abs(TensorPrimitives.Dot(features.AsSpan(k * _n, _n), delta)) <= z * sd[k])
                {
                    inside++;
                }
            }

            result[d] = count == 0 ? double.NaN : (double)inside / count;
        }

        return result;
    }

    /// <summary>A copy of the band's factor M (row-major, n columns; covariance / <see cref="NoiseSd"/>^2 = M^T M), for tests and benchmarks.</summary>
    public double[] Factor() => (double[])_m.Clone();

    /// <summary>True for the sandwich posterior of <see cref="CorrelatedAtRegularisation"/>.</summary>
    public bool IsSandwich => _mRows != _n || ObservationNoiseSd is not null;

    /// <summary>
    /// The correlated model's (<see cref="CorrelatedAtRegularisation"/>) relative observation noise s (coordinate i's
    /// observation noise sd is s g_i); null for the iid row models.
    /// </summary>
    public double? ObservationNoiseSd { get; }

    /// <summary>The posterior covariance of the n output weights in units of <see cref="NoiseSd"/>^2 (n x n, row-major; for tests and small n).</summary>
    public double[] UnitCovariance()
    {
        var c = new double[(long)_n * _n];
        for (var r = 0; r < _mRows; r++)
        {
            var row = _m.AsSpan(r * _n, _n);
            for (var a = 0; a < _n; a++)
            {
                for (var b = 0; b < _n; b++)
                {
                    c[(a * _n) + b] += row[a] * row[b];
                }
            }
        }

        return c;
    }

    /// <summary>
    /// Fits the model: lambda from <paramref name="choice"/> over <paramref name="lambdaGrid"/> (default
    /// <see cref="RegularisationChoice.DefaultLambdaGrid"/>, refined by golden section), then the noise level.
    /// </summary>
    public static BayesianOutputLayer Fit(SpectralSolve solve, PriorPrecisionChoice choice = PriorPrecisionChoice.Evidence, IReadOnlyList<double>? lambdaGrid = null)
    {
        ArgumentNullException.ThrowIfNull(solve);
        var grid = lambdaGrid ?? RegularisationChoice.DefaultLambdaGrid;
        double lambda;
        if (choice == PriorPrecisionChoice.Evidence)
        {
            (lambda, _, _) = RegularisationChoice.MinimiseLog(grid, l => -LogEvidenceOf(solve, l));
        }
        else
        {
            lambda = RegularisationChoice.Choose(solve, RegularisationKind.Ridge, AutoCriterion.Gcv, null, grid).Chosen.Value;
        }

        return At(solve, lambda, choice);
    }

    /// <summary>
    /// The posterior of the solution the fit chose (<see cref="PriorPrecisionChoice.Chosen"/>; docs/ALGORITHM.md §2.5): for
    /// ridge (lambda &gt; 0) the model of <see cref="At"/>; for truncation at rcond (keeping the k = rank(rcond) largest singular
    /// directions) the Gaussian model restricted to span(v_1..v_k) with a flat prior there: mean = the truncated solution,
    /// covariance sigma^2 sum_(i&lt;k) v_i v_i^T / s_i^2, sigma^2 = ||A c - y||^2 / (m - k). Either way the mean is exactly the
    /// fitted solution, so the band describes the H the fit reports.
    /// </summary>
    public static BayesianOutputLayer AtRegularisation(SpectralSolve solve, Regularisation regularisation)
    {
        ArgumentNullException.ThrowIfNull(solve);
        regularisation.Checked();
        if (regularisation.Kind == RegularisationKind.Ridge && regularisation.Value > 0)
        {
            var filter = solve.Filter(regularisation);
            var gamma = SpectralSolve.EffectiveDof(filter);
            var free = solve.Rows - gamma;
            var sigma2 = free > 0 ? solve.ResidualSquared(filter) / free : double.NaN;
            return new BayesianOutputLayer(solve, regularisation.Value, PriorPrecisionChoice.Chosen, solve.SolveFiltered(filter), Math.Sqrt(sigma2),
                LogEvidenceOf(solve, regularisation.Value), gamma);
        }

        // Truncation (ridge with lambda = 0 is the plain least-squares solve: truncation at rank(0)).
        var rank = solve.Rank(regularisation.Kind == RegularisationKind.Rcond ? regularisation.Value : 0);
        var kept = solve.TruncationFilter(rank);
        var freeRows = solve.Rows - rank;
        var s2 = freeRows > 0 ? solve.ResidualSquared(kept) / freeRows : double.NaN;
        return new BayesianOutputLayer(solve, 0, PriorPrecisionChoice.Chosen, solve.SolveFiltered(kept), Math.Sqrt(s2), double.NaN, rank, truncatedRank: rank);
    }

    /// <summary>The model at a given relative lambda (&gt; 0).</summary>
    public static BayesianOutputLayer At(SpectralSolve solve, double lambda, PriorPrecisionChoice choice = PriorPrecisionChoice.Evidence)
    {
        ArgumentNullException.ThrowIfNull(solve);
        if (!(lambda > 0) || !double.IsFinite(lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "lambda must be finite and > 0 (the prior must be proper)");
        }

        var filter = solve.Filter(Regularisation.Ridge(lambda));
        var gamma = SpectralSolve.EffectiveDof(filter);
        var free = solve.Rows - gamma;
        var sigma2 = free > 0 ? solve.ResidualSquared(filter) / free : double.NaN;
        return new BayesianOutputLayer(solve, lambda, choice, solve.SolveFiltered(filter), Math.Sqrt(sigma2), LogEvidenceOf(solve, lambda), gamma);
    }

    /// <summary>
    /// The same posterior (mean, lambda) with the noise level re-estimated on held-out rows (<see cref="NoiseSource.Validation"/>):
    /// sigma_v^2 = (1 / m_v) sum_v r_v^2 / (1 + l_v) with r_v the residual of the posterior mean on row v and l_v its
    /// leverage (<see cref="ValidationRows.Predictive"/>). Every band scales by sigma_v / sigma. The rows must be projected
    /// for this layer's solve.
    /// </summary>
    public BayesianOutputLayer WithValidationNoise(ValidationRows validation)
    {
        ArgumentNullException.ThrowIfNull(validation);
        if (!ReferenceEquals(validation.Solve, Solve))
        {
            throw new ArgumentException("the validation rows were projected for another solve", nameof(validation));
        }

        var filter = TruncatedRank is { } k ? Solve.TruncationFilter(k) : Solve.Filter(Regularisation.Ridge(Lambda));

        var (r, l) = validation.Predictive(filter, _w);
        double sum = 0;
        for (var v = 0; v < r.Length; v++)
        {
            sum += r[v] * r[v] / (1 + l[v]);
        }

        return Rescaled(Math.Sqrt(sum / r.Length), NoiseSource.Validation);
    }

    /// <summary>
    /// The same posterior with every band scaled by kappa, fitted on held-out trajectories (<see cref="NoiseSource.ValidationTrajectories"/>):
    /// for every trajectory j and observation n &gt;= 1 the residual d = H^(x_(j,n)) - H^(x_(j,0)) (the learned H, e.g.
    /// corrected, at the observations: <paramref name="energies"/>[j][n]) is predicted N(0, kappa^2 s^2 + v) with s the band
    /// of H(x_(j,n)) - H(x_(j,0)) (<see cref="PredictiveSd"/> anchored at x_(j,0)) and v = <paramref name="noiseVariance"/>[j][n]
    /// (what the observation noise of both states adds, e.g. sum_i sigma_i^2 (dH/dx_i(x_n)^2 + dH/dx_i(x_0)^2); null: 0);
    /// kappa maximises the likelihood (golden section in log kappa over [1e-3, 1e6]); with <paramref name="minimumScale"/> the
    /// maximum over kappa &gt;= that bound (the likelihood is maximised on the grid first, then clamped: the constrained maximum
    /// of a likelihood unimodal in log kappa).
    /// </summary>
    public BayesianOutputLayer WithTrajectoryScale(HiddenLayer hidden, IReadOnlyList<double[][]> states, IReadOnlyList<double[]> energies,
        IReadOnlyList<double[]>? noiseVariance = null, double minimumScale = 0)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(energies);
        if (states.Count != energies.Count || states.Count == 0)
        {
            throw new ArgumentException($"{states.Count} trajectories with {energies.Count} energy series; need the same number >= 1");
        }

        var d = new List<double>();
        var s2 = new List<double>();
        var v = new List<double>();
        for (var j = 0; j < states.Count; j++)
        {
            var x = states[j];
            var length = x[0].Length;
            var x0 = new double[x.Length];
            for (var i = 0; i < x.Length; i++)
            {
                x0[i] = x[i][0];
            }

            var (sd, _) = PredictiveSd(hidden, x, x0);
            for (var n = 1; n < length; n++)
            {
                d.Add(energies[j][n] - energies[j][0]);
                s2.Add(sd[n] * sd[n]);
                v.Add(noiseVariance?[j][n] ?? 0);
            }
        }

        double NegativeLogLikelihood(double kappa)
        {
            double sum = 0;
            for (var k = 0; k < d.Count; k++)
            {
                var variance = Math.Max((kappa * kappa * s2[k]) + v[k], 1e-300);
                sum += Math.Log(variance) + (d[k] * d[k] / variance);
            }

            return 0.5 * sum;
        }

        var grid = Enumerable.Range(0, 37).Select(i => Math.Pow(10, -3 + (i / 4.0))).ToArray();
        var (best, _, _) = RegularisationChoice.MinimiseLog(grid, NegativeLogLikelihood);
        return Rescaled(Math.Max(best, minimumScale) * NoiseSd, NoiseSource.ValidationTrajectories);
    }

    /// <summary>
    /// Log marginal likelihood at relative lambda with sigma^2 profiled out (its maximiser sigma^2 = E / m):
    /// -1/2 sum_i ln(1 + s_i^2 / mu) - m/2 ln(E / m) - m/2 (1 + ln 2 pi), E = ||A c - y||^2 + mu ||c||^2, mu = (lambda s_max)^2.
    /// </summary>
    public static double LogEvidenceOf(SpectralSolve solve, double lambda)
    {
        ArgumentNullException.ThrowIfNull(solve);
        var mu = SpectralSolve.Square(lambda * solve.SigmaMax);
        var filter = solve.Filter(Regularisation.Ridge(lambda));
        var e = solve.ResidualSquared(filter) + (mu * solve.SolutionNormSquared(filter));
        var m = (double)solve.Rows;
        double logDet = 0;
        foreach (var s in solve.S)
        {
            logDet += Math.Log(1 + (s * s / mu));
        }

        return (-0.5 * logDet) - (0.5 * m * Math.Log(e / m)) - (0.5 * m * (1 + Math.Log(2 * Math.PI)));
    }

    /// <summary>The solve the model was fitted on.</summary>
    public SpectralSolve Solve { get; }

    /// <summary>Relative ridge parameter: mu = (lambda s_max)^2 = sigma^2 alpha.</summary>
    public double Lambda { get; }

    /// <summary>How lambda was chosen.</summary>
    public PriorPrecisionChoice Choice { get; }

    /// <summary>Posterior mean of the n output weights (c_1..c_N, c_0 last) = the ridge solution at <see cref="Lambda"/>.</summary>
    public double[] Mean { get; }

    /// <summary>Estimated noise standard deviation sigma of a row (the scale of every band; from <see cref="Source"/>).</summary>
    public double NoiseSd { get; }

    /// <summary>Where <see cref="NoiseSd"/> comes from.</summary>
    public NoiseSource Source { get; }

    /// <summary>The training-residual estimate sigma^2 = ||A c - y||^2 / (m - gamma), whatever <see cref="Source"/> is.</summary>
    public double TrainingNoiseSd { get; }

    /// <summary>Prior precision alpha = mu / sigma^2.</summary>
    public double PriorPrecision => SpectralSolve.Square(Lambda * Solve.SigmaMax) / (NoiseSd * NoiseSd);

    /// <summary>Log evidence at <see cref="Lambda"/> (sigma^2 profiled).</summary>
    public double LogEvidence { get; }

    /// <summary>gamma = sum_i s_i^2 / (s_i^2 + mu) (the rank k for a truncated posterior).</summary>
    public double WellDetermined { get; }

    /// <summary>The rank k of a truncated posterior (<see cref="AtRegularisation"/> with rcond); null for the ridge posterior.</summary>
    public int? TruncatedRank { get; }

    /// <summary>The posterior mean as a network on <paramref name="hidden"/> (width n - 1).</summary>
    public Network MeanNetwork(HiddenLayer hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        if (hidden.Width + 1 != _n)
        {
            throw new ArgumentException($"the layer has {hidden.Width} neurons, the model {_n - 1}", nameof(hidden));
        }

        return new Network(hidden, Mean.AsSpan(0, hidden.Width).ToArray(), Mean[hidden.Width]);
    }

    /// <summary>Posterior standard deviation of phi . c for a feature vector phi (n entries).</summary>
    public double StandardDeviation(ReadOnlySpan<double> features)
    {
        if (features.Length != _n)
        {
            throw new ArgumentException($"{features.Length} features, the model has {_n} weights", nameof(features));
        }

        double v = 0;
        for (var i = 0; i < _mRows; i++)
        {
            var t = TensorPrimitives.Dot(_m.AsSpan(i * _n, _n), features);
            v += t * t;
        }

        return NoiseSd * Math.Sqrt(v);
    }

    /// <summary>phi(x0) = (tanh(w . x0 + b), 1) of the anchor, subtracted from every feature row; zeros without an anchor.</summary>
    private double[] AnchorFeatures(HiddenLayer hidden, double[]? anchorX0)
    {
        var phi0 = new double[_n];
        if (anchorX0 is null)
        {
            return phi0;
        }

        if (anchorX0.Length != hidden.InputDim)
        {
            throw new ArgumentException($"the anchor has {anchorX0.Length} coordinates, the layer {hidden.InputDim}", nameof(anchorX0));
        }

        for (var j = 0; j < hidden.Width; j++)
        {
            phi0[j] = Math.Tanh(hidden.PreActivation(j, anchorX0));
        }

        phi0[hidden.Width] = 1;
        return phi0;
    }

    /// <summary>
    /// Predictive (posterior) standard deviations of H and of every dH/dx_i at the points <paramref name="x"/>
    /// (columns, as everywhere): <c>H[k]</c>, <c>Gradient[i][k]</c>. Cost O(points x dim x n^2).
    /// </summary>
    /// <param name="hidden">The hidden layer the model was fitted on.</param>
    /// <param name="x">The points.</param>
    /// <param name="anchorX0">
    /// The anchor point, or null. H is only defined up to a constant, which the anchor row fixes by convention
    /// (H(x0) = H0 exactly), so the meaningful band is that of H(x) - H(x0): with the anchor given, the features of H are
    /// phi(x) - phi(x0). Without it the band also carries the uncertainty of the constant (about sigma, the noise of the
    /// single anchor row).
    /// </param>
    public (double[] H, double[][] Gradient) PredictiveSd(HiddenLayer hidden, double[][] x, double[]? anchorX0 = null)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(x);
        if (hidden.Width + 1 != _n)
        {
            throw new ArgumentException($"the layer has {hidden.Width} neurons, the model {_n - 1}", nameof(hidden));
        }

        var dim = hidden.InputDim;
        var count = x.Length == 0 ? 0 : x[0].Length;
        var h = new double[count];
        var grad = new double[dim][];
        for (var i = 0; i < dim; i++)
        {
            grad[i] = new double[count];
        }

        var point = new double[dim];
        var phi = new double[_n];
        var psi = new double[_n];
        var phi0 = AnchorFeatures(hidden, anchorX0);

        for (var k = 0; k < count; k++)
        {
            for (var i = 0; i < dim; i++)
            {
                point[i] = x[i][k];
            }

            var t = new double[hidden.Width];
            for (var j = 0; j < hidden.Width; j++)
            {
                t[j] = Math.Tanh(hidden.PreActivation(j, point));
                phi[j] = t[j] - phi0[j];
            }

            phi[hidden.Width] = 1 - phi0[hidden.Width];
            h[k] = StandardDeviation(phi);
            for (var i = 0; i < dim; i++)
            {
                var w = hidden.Weights[i];
                for (var j = 0; j < hidden.Width; j++)
                {
                    psi[j] = (1 - (t[j] * t[j])) * w[j];
                }

                psi[hidden.Width] = 0;
                grad[i][k] = StandardDeviation(psi);
            }
        }

        return (h, grad);
    }

    /// <summary>
    /// Fraction of points whose true value lies in mean +- z sd (z = <see cref="Z95"/> for the 95 % band). All three
    /// arrays must have the same length &gt;= 1.
    /// </summary>
    public static double Coverage(ReadOnlySpan<double> truth, ReadOnlySpan<double> mean, ReadOnlySpan<double> sd, double z = Z95)
    {
        if (truth.Length == 0 || mean.Length != truth.Length || sd.Length != truth.Length)
        {
            throw new ArgumentException($"coverage needs equal non-empty lengths, got {truth.Length}, {mean.Length}, {sd.Length}");
        }

        var inside = 0;
        for (var k = 0; k < truth.Length; k++)
        {
            if (Math.Abs(truth[k] - mean[k]) <= z * sd[k])
            {
                inside++;
            }
        }

        return (double)inside / truth.Length;
    }
}
