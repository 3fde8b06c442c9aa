using Hnn.Datasets;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;
using Xunit;

namespace Hnn.Tests.Stages;

/// <summary>
/// The regularised output-layer solves of docs/ALGORITHM.md §2.4-2.5, each checked against an independent dense
/// computation (normal equations, explicit hat matrix, explicit Gaussian log-density) written out in this file.
/// </summary>
public sealed class RegularisationTests
{
    public static TheoryData<string> Backends => ["managed", "lapack"];

    private static ILinearAlgebra La(string name)
    {
        if (name == "lapack" && !LapackLinearAlgebra.TryCreate(out _, out _))
        {
            return new ManagedLinearAlgebra(); // the managed half still runs; LAPACK-only checks live elsewhere
        }

        return StageTestSupport.Backend(name);
    }

    /// <summary>A random m x n system (entries N(0,1), seeded) with y = A c_true + noise.</summary>
    private static LinearSystem RandomSystem(int m, int n, double noise, ulong seed, out double[] cTrue)
    {
        var rng = new Rng(seed);
        var a = new double[m * n];
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = rng.NextNormal();
        }

        cTrue = new double[n];
        for (var j = 0; j < n; j++)
        {
            cTrue[j] = rng.NextNormal();
        }

        var y = new double[m];
        for (var i = 0; i < m; i++)
        {
            double s = 0;
            for (var j = 0; j < n; j++)
            {
                s += a[i + (j * m)] * cTrue[j];
            }

            y[i] = s + (noise * rng.NextNormal());
        }

        return new LinearSystem(a, m, n, y);
    }

    /// <summary>Dense Gaussian elimination with partial pivoting (row-major n x n), the independent solver of the checks.</summary>
    private static double[] SolveDense(double[,] matrix, double[] rhs)
    {
        var n = rhs.Length;
        var a = (double[,])matrix.Clone();
        var b = (double[])rhs.Clone();
        for (var k = 0; k < n; k++)
        {
            var p = k;
            for (var i = k + 1; i < n; i++)
            {
                if (Math.Abs(a[i, k]) > Math.Abs(a[p, k]))
                {
                    p = i;
                }
            }

            for (var j = 0; j < n; j++)
            {
                (a[k, j], a[p, j]) = (a[p, j], a[k, j]);
            }

            (b[k], b[p]) = (b[p], b[k]);
            for (var i = k + 1; i < n; i++)
            {
                var f = a[i, k] / a[k, k];
                for (var j = k; j < n; j++)
                {
                    a[i, j] -= f * a[k, j];
                }

                b[i] -= f * b[k];
            }
        }

        var x = new double[n];
        for (var i = n - 1; i >= 0; i--)
        {
            var s = b[i];
            for (var j = i + 1; j < n; j++)
            {
                s -= a[i, j] * x[j];
            }

            x[i] = s / a[i, i];
        }

        return x;
    }

    /// <summary>A^T A + mu I (row-major) and A^T y.</summary>
    private static (double[,] Normal, double[] Aty) NormalEquations(LinearSystem s, double mu)
    {
        var n = s.Cols;
        var g = new double[n, n];
        var aty = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double v = 0;
                for (var r = 0; r < s.Rows; r++)
                {
                    v += s.A[r + (i * s.Rows)] * s.A[r + (j * s.Rows)];
                }

                g[i, j] = v + (i == j ? mu : 0);
            }

            for (var r = 0; r < s.Rows; r++)
            {
                aty[i] += s.A[r + (i * s.Rows)] * s.B[r];
            }
        }

        return (g, aty);
    }

    private static double Residual(LinearSystem s, double[] c)
    {
        double r2 = 0;
        for (var r = 0; r < s.Rows; r++)
        {
            var v = -s.B[r];
            for (var j = 0; j < s.Cols; j++)
            {
                v += s.A[r + (j * s.Rows)] * c[j];
            }

            r2 += v * v;
        }

        return Math.Sqrt(r2);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Reduced_problem_of_the_gradient_system_matches_the_production_triangle_bit_for_bit_and_keeps_the_residual(string backend)
    {
        var la = La(backend);
        var hidden = StageTestSupport.RandomLayer(2, 30, 0.7, 1.5, 11);
        var x = StageTestSupport.UniformPoints(2, 300, -2, 2, 12);
        var dx = StageTestSupport.UniformPoints(2, 300, -1, 1, 13); // arbitrary targets: a large, known residual
        var anchor = new Anchor([0.1, -0.2], 0.3);
        var problem = ReducedProblem.FromRows(la, hidden, x, dx, anchor);

        var acc = la.CreateQrAccumulator(hidden.Width + 2);
        for (var start = 0; start < 300; start += OutputLayer.DefaultChunkRows)
        {
            var count = Math.Min(OutputLayer.DefaultChunkRows, 300 - start);
            acc.Absorb(GradientSystem.AugmentedBlock(hidden, x, dx, start, count), count);
        }

        var r = acc.GetR(out var rRows);
        var triangle = GradientSystem.ReducedTriangle(la, hidden, r, rRows, anchor);
        Assert.Equal(triangle.Rows, problem.N);
        Assert.Equal(triangle.A, problem.R);
        Assert.Equal(triangle.B, problem.Qty);
        Assert.Equal((2 * 300) + 1, problem.Rows);

        // Pythagoras: ||y||^2 = ||Q^T y (first n)||^2 + residual^2 for the full system's right-hand side y.
        var full = GradientSystem.Full(hidden, x, dx, anchor);
        var y2 = full.B.Sum(v => v * v);
        var kept = problem.Qty.Sum(v => v * v);
        Assert.Equal(y2, kept + (problem.Residual * problem.Residual), 1e-10 * y2);

        // And the residual is the least-squares residual of the full system (dgelsd with rcond 0 on 30 + 1 unknowns).
        var ls = la.SolveLeastSquares(full.A, full.Rows, full.Cols, full.B, 1, 0);
        Assert.Equal(Residual(full, ls.X), problem.Residual, 1e-8 * problem.Residual);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Truncation_from_the_svd_equals_dgelsd_on_the_triangle(string backend)
    {
        var la = La(backend);
        var hidden = StageTestSupport.RandomLayer(2, 60, 1.0, 2.0, 21);
        var x = StageTestSupport.UniformPoints(2, 500, -2, 2, 22);
        var system = DataGenerator.Evaluate(new SinglePendulum(), x);
        var problem = ReducedProblem.FromRows(la, hidden, system.X, system.Dx, new Anchor([0.0, 0.0], 0.0));
        var solve = SpectralSolve.Create(la, problem);
        foreach (var rcond in new[] { 1e-4, 1e-7, 1e-10 })
        {
            var expected = la.SolveLeastSquares(problem.R, problem.N, problem.N, problem.Qty, 1, rcond);
            Assert.Equal(expected.Rank, solve.Rank(rcond));
            var c = solve.Solve(Regularisation.Rcond(rcond));

            // Two SVDs of the same triangle; the truncated solution's condition is at most 1/rcond.
            Assert.True(StageTestSupport.RelativeDifference(c, expected.X) < 1e-14 / rcond, $"rcond {rcond}");
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Ridge_solution_residual_and_gcv_equal_the_dense_formulas(string backend)
    {
        var la = La(backend);
        var system = RandomSystem(80, 7, 0.3, 31, out _);
        var problem = ReducedProblem.FromSystem(la, system);
        var solve = SpectralSolve.Create(la, problem);
        foreach (var lambda in new[] { 1e-3, 0.05, 0.4 })
        {
            var mu = Math.Pow(lambda * solve.SigmaMax, 2);
            var (normal, aty) = NormalEquations(system, mu);
            var expected = SolveDense(normal, aty);
            var filter = solve.Filter(Regularisation.Ridge(lambda));
            var c = solve.SolveFiltered(filter);
            Assert.True(StageTestSupport.RelativeDifference(c, expected) < 1e-11, $"lambda {lambda}");
            var residual = Residual(system, expected);
            Assert.Equal(residual * residual, solve.ResidualSquared(filter), 1e-10 * residual * residual);

            // GCV with the explicit hat matrix H = A (A^T A + mu I)^-1 A^T: m ||(I - H) y||^2 / trace(I - H)^2.
            double trace = 0;
            for (var r = 0; r < system.Rows; r++)
            {
                var row = new double[system.Cols];
                for (var j = 0; j < system.Cols; j++)
                {
                    row[j] = system.A[r + (j * system.Rows)];
                }

                var z = SolveDense(normal, row);
                trace += row.Zip(z).Sum(p => p.First * p.Second);
            }

            var gcv = system.Rows * residual * residual / Math.Pow(system.Rows - trace, 2);
            Assert.Equal(gcv, solve.Gcv(filter), 1e-9 * gcv);
            Assert.Equal(trace, SpectralSolve.EffectiveDof(filter), 1e-9);
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Validation_errors_equal_the_direct_residuals_for_every_rank_and_lambda(string backend)
    {
        var la = La(backend);
        var system = RandomSystem(60, 9, 0.5, 41, out var cTrue);
        var held = RandomSystemWith(cTrue, 25, 0.5, 42);
        var solve = SpectralSolve.Create(la, ReducedProblem.FromSystem(la, system));
        var rows = new ValidationRows(solve, held);
        var byRank = rows.ErrorsByRank();
        var yNorm = Math.Sqrt(held.B.Sum(v => v * v));
        var s = solve.SingularValues;
        for (var k = 1; k <= 9; k++)
        {
            var rcond = k < 9 ? Math.Sqrt(s[k - 1] * s[k]) / s[0] : 0;
            var c = solve.Solve(Regularisation.Rcond(rcond));
            Assert.Equal(Residual(held, c) / yNorm, byRank[k - 1], 1e-12);
        }

        var ridge = solve.Filter(Regularisation.Ridge(0.2));
        Assert.Equal(Residual(held, solve.SolveFiltered(ridge)) / yNorm, rows.Error(ridge), 1e-12);
    }

    private static LinearSystem RandomSystemWith(double[] c, int m, double noise, ulong seed)
    {
        var rng = new Rng(seed);
        var n = c.Length;
        var a = new double[m * n];
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = rng.NextNormal();
        }

        var y = new double[m];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                y[i] += a[i + (j * m)] * c[j];
            }

            y[i] += noise * rng.NextNormal();
        }

        return new LinearSystem(a, m, n, y);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Auto_choice_finds_the_grid_minimum_and_reports_its_rank(string backend)
    {
        var la = La(backend);

        // Decaying columns (column j scaled by 10^-j) make the rank choice matter; y = A c_true + 1e-2 noise.
        var system = RandomSystem(200, 12, 0.0, 51, out var cTrue);
        var noisy = new Rng(52);
        for (var r = 0; r < 200; r++)
        {
            system.B[r] = 1e-2 * noisy.NextNormal();
            for (var j = 0; j < 12; j++)
            {
                system.A[r + (j * 200)] *= Math.Pow(10, -j);
                system.B[r] += system.A[r + (j * 200)] * cTrue[j];
            }
        }

        var solve = SpectralSolve.Create(la, ReducedProblem.FromSystem(la, system));
        var gcv = RegularisationChoice.Choose(solve, RegularisationKind.Rcond, AutoCriterion.Gcv);
        Assert.Equal(gcv.Candidates.Min(c => c.Score), gcv.Score);
        Assert.Equal(solve.Rank(gcv.Chosen.Value), (int)gcv.EffectiveDof);
        Assert.Equal(gcv.Score, solve.Gcv(gcv.Chosen), 1e-14 * gcv.Score);

        // s_j ~ sqrt(200) 10^-j, so direction j carries signal ~ 14 x 10^-j against noise 1e-2 per direction: the first
        // three are far above the noise (dropping one raises GCV by orders of magnitude), directions 5.. are pure noise
        // (GCV drops a pure-noise direction unless its beta^2 exceeds ~2 sigma^2): a middle rank.
        Assert.InRange(gcv.EffectiveDof, 3, 9);
        var ridge = RegularisationChoice.Choose(solve, RegularisationKind.Ridge, AutoCriterion.Gcv);
        Assert.True(ridge.Score <= ridge.Candidates.Min(c => c.Score), "golden refinement never ends above the grid minimum");
        Assert.Throws<ArgumentException>(() => RegularisationChoice.Choose(solve, RegularisationKind.Ridge, AutoCriterion.Validation));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Bayesian_posterior_mean_is_the_ridge_solution_and_its_sd_the_dense_posterior(string backend)
    {
        var la = La(backend);
        var system = RandomSystem(120, 6, 0.2, 61, out _);
        var solve = SpectralSolve.Create(la, ReducedProblem.FromSystem(la, system));
        var bayes = BayesianOutputLayer.Fit(solve);

        // Textbook posterior (Bishop, PRML eq. 3.53-3.54): S_N = (alpha I + beta A^T A)^-1, m_N = beta S_N A^T y.
        var beta = 1 / (bayes.NoiseSd * bayes.NoiseSd);
        var alpha = bayes.PriorPrecision;
        var (normal, aty) = NormalEquations(system, alpha / beta);
        var mean = SolveDense(normal, aty);
        Assert.True(StageTestSupport.RelativeDifference(bayes.Mean, mean) < 1e-11);
        Assert.True(StageTestSupport.RelativeDifference(bayes.Mean, solve.Solve(Regularisation.Ridge(bayes.Lambda))) < 1e-15);

        var phi = new[] { 0.3, -1.0, 0.5, 2.0, 0.0, 0.7 };
        var z = SolveDense(normal, phi); // (A^T A + (alpha/beta) I)^-1 phi; S_N = that / beta
        var variance = phi.Zip(z).Sum(p => p.First * p.Second) / beta;
        Assert.Equal(Math.Sqrt(variance), bayes.StandardDeviation(phi), 1e-10 * Math.Sqrt(variance));

        // The noise estimate recovers the true 0.2 (120 rows, 6 unknowns: relative sd of the estimate ~ 1/sqrt(2 x 114)).
        Assert.InRange(bayes.NoiseSd, 0.2 * 0.8, 0.2 * 1.2);
    }

    [Fact]
    public void Log_evidence_equals_the_gaussian_log_density_of_y_and_is_maximised()
    {
        var la = new ManagedLinearAlgebra();
        var system = RandomSystem(30, 4, 0.5, 71, out _);
        var solve = SpectralSolve.Create(la, ReducedProblem.FromSystem(la, system));
        const double Lambda = 0.1;
        var mu = Math.Pow(Lambda * solve.SigmaMax, 2);

        // The profiled sigma^2 = E / m at this lambda; then y ~ N(0, sigma^2 (I + A A^T / mu)).
        var filter = solve.Filter(Regularisation.Ridge(Lambda));
        var sigma2 = (solve.ResidualSquared(filter) + (mu * solve.SolutionNormSquared(filter))) / 30;
        var cov = new double[30, 30];
        for (var i = 0; i < 30; i++)
        {
            for (var j = 0; j < 30; j++)
            {
                double aat = 0;
                for (var k = 0; k < 4; k++)
                {
                    aat += system.A[i + (k * 30)] * system.A[j + (k * 30)];
                }

                cov[i, j] = sigma2 * ((i == j ? 1 : 0) + (aat / mu));
            }
        }

        var (logDet, quad) = CholeskyLogDetAndQuad(cov, system.B);
        var expected = -0.5 * (logDet + quad + (30 * Math.Log(2 * Math.PI)));
        Assert.Equal(expected, BayesianOutputLayer.LogEvidenceOf(solve, Lambda), 1e-9 * Math.Abs(expected));

        var fit = BayesianOutputLayer.Fit(solve);
        foreach (var l in RegularisationChoice.DefaultLambdaGrid)
        {
            Assert.True(BayesianOutputLayer.LogEvidenceOf(solve, l) <= fit.LogEvidence + 1e-12, $"lambda {l}");
        }
    }

    private static (double LogDet, double Quad) CholeskyLogDetAndQuad(double[,] c, double[] y)
    {
        var n = y.Length;
        var l = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var s = c[i, j];
                for (var k = 0; k < j; k++)
                {
                    s -= l[i, k] * l[j, k];
                }

                l[i, j] = i == j ? Math.Sqrt(s) : s / l[j, j];
            }
        }

        var z = new double[n];
        double logDet = 0, quad = 0;
        for (var i = 0; i < n; i++)
        {
            var s = y[i];
            for (var k = 0; k < i; k++)
            {
                s -= l[i, k] * z[k];
            }

            z[i] = s / l[i, i];
            logDet += 2 * Math.Log(l[i, i]);
            quad += z[i] * z[i];
        }

        return (logDet, quad);
    }

    [Fact]
    public void Bad_parameters_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Regularisation.Rcond(1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Regularisation.Ridge(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => Regularisation.Ridge(-1e-3));
        Assert.Equal("ridge=1E-08", Regularisation.Ridge(1e-8).ToString());
        Assert.Throws<ArgumentException>(() => new ReducedProblem(new double[4], 2, new double[3], 0, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReducedProblem(new double[4], 2, new double[2], -1, 5));
    }
}
