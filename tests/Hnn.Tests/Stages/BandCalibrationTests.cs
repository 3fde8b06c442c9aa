using Hnn.Datasets;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Stages;

/// <summary>
/// The band calibrations of docs/ALGORITHM.md §2.5-2.6 at a small size: the noise level re-estimated on validation rows
/// (<see cref="BayesianOutputLayer.WithValidationNoise"/>), the H-level scale from validation trajectories
/// (<see cref="BayesianOutputLayer.WithTrajectoryScale"/>), and the whitened integral rows of noisy trajectories
/// (<see cref="IntegralRows"/>) against the plain midpoint rows. Single pendulum on [-pi, pi] x [-1, 1], A-SWIM width 100,
/// model seed 992472, data seed 3943; the expected values are this test's own measurements (printed), with margins.
/// </summary>
public sealed class BandCalibrationTests(ITestOutputHelper output)
{
    private static readonly Domain Box = Domain.Uniform(1, new Interval(-Math.PI, Math.PI), new Interval(-1, 1));

    private static RegularisationStudySettings Settings(int train, int validation, double noise, TrajectoryRows? trajectories) =>
        new(new SinglePendulum(), Box, new Anchor([0.0, 0.0], 0.0), train, validation, 500, 100, "a-swim", noise, 3943, 992472) { Trajectories = trajectories };

    [Fact]
    public void Validation_noise_recovers_the_true_noise_of_derivative_rows()
    {
        var r = RegularisationStudy.Run(new ManagedLinearAlgebra(), Settings(1000, 300, 1e-2, null));
        output.WriteLine($"train sigma/true {r.Bayes.NoiseSd / r.Bayes.TrueNoiseSd:F3}, validation sigma/true {r.Bayes.ValidationNoiseSd / r.Bayes.TrueNoiseSd:F3}, cover {r.Bayes.CoverageH:F3} / {r.Bayes.ValidationCoverageH:F3}");

        // Independent noise of known sd (1e-2 x RMS(x')) on held-out rows: the held-out estimate is within 10 % of it
        // (measured 1.049; the residual's 1.000), and its band covers 90-100 % of the true H (measured 0.924).
        Assert.InRange(r.Bayes.ValidationNoiseSd / r.Bayes.TrueNoiseSd, 0.9, 1.1);
        Assert.InRange(r.Bayes.ValidationCoverageH, 0.90, 1.0);
    }

    [Fact]
    public void Whitened_rows_of_noisy_trajectories_fit_and_cover_where_midpoint_rows_fail()
    {
        var la = new ManagedLinearAlgebra();
        var plain = RegularisationStudy.Run(la, Settings(100, 30, 1e-2, new TrajectoryRows(0.1, 10)));
        var whitened = RegularisationStudy.Run(la, Settings(100, 30, 1e-2, new TrajectoryRows(0.1, 10, Whitened: true)));
        output.WriteLine($"plain: mean test H {plain.Bayes.MeanTestH:E3}, cover {plain.Bayes.CoverageH:F3} / {plain.Bayes.ValidationCoverageH:F3}, sigma/true {plain.Bayes.NoiseSd / plain.Bayes.TrueNoiseSd:F3}");
        output.WriteLine($"whitened: mean test H {whitened.Bayes.MeanTestH:E3}, cover {whitened.Bayes.CoverageH:F3} / {whitened.Bayes.ValidationCoverageH:F3}, sigma/true {whitened.Bayes.NoiseSd / whitened.Bayes.TrueNoiseSd:F3} / {whitened.Bayes.ValidationNoiseSd / whitened.Bayes.TrueNoiseSd:F3}");
        // Measured: mean test H error 7.08e-3 (whitened) vs 2.28e-2 (midpoint rows), i.e. 3.2x better; asserted 2x.
        Assert.True(whitened.Bayes.MeanTestH < 0.5 * plain.Bayes.MeanTestH, $"{whitened.Bayes.MeanTestH:E3} vs {plain.Bayes.MeanTestH:E3}");

        // Every whitened row has noise sd sigma (relative noise): the residual recovers it (measured 0.992), within 10 %.
        Assert.InRange(whitened.Bayes.NoiseSd / whitened.Bayes.TrueNoiseSd, 0.9, 1.1);

        // The band with the held-out scale covers more than with the training scale (measured 0.862 vs 0.760).
        Assert.True(whitened.Bayes.ValidationCoverageH > whitened.Bayes.CoverageH);
    }

    [Fact]
    public void H_level_scale_from_validation_trajectories_calibrates_the_noise_free_band()
    {
        var r = RegularisationStudy.Run(new ManagedLinearAlgebra(), Settings(100, 30, 0, new TrajectoryRows(0.1, 10)));
        output.WriteLine($"cover train {r.Bayes.CoverageH:F3}, held-out rows {r.Bayes.ValidationCoverageH:F3}, H-level {r.Bayes.TrajectoryCoverageH:F3} (kappa {r.Bayes.TrajectoryScale:F2})");
        // Measured: training scale 0.644, held-out rows 0.916, H-level scale 0.988 (kappa 4.85); the full-size study gives
        // 0.943-0.978 on every noise-free trajectory run (docs/RESULTS.md). Asserted: the H-level band covers 0.90-1.0 and
        // more than the training band; kappa well above 1 (the rows' residual underestimates the H error).
        Assert.InRange(r.Bayes.TrajectoryCoverageH, 0.90, 1.0);
        Assert.True(r.Bayes.TrajectoryCoverageH > r.Bayes.CoverageH);
        Assert.InRange(r.Bayes.TrajectoryScale, 2, 20);
    }

    [Fact]
    public void Validation_inside_the_domain_chooses_ridge_within_1_5x_of_the_best_fixed_value_where_all_validation_rows_do_not()
    {
        var r = RegularisationStudy.Run(new ManagedLinearAlgebra(), Settings(120, 30, 1e-4, new TrajectoryRows(0.1, 10)));
        var best = r.BestFixedOverall.TestH;
        double Ratio(string name) => r.Auto.Single(a => a.Name == name).Result.TestH / best;
        output.WriteLine($"best {best:0.000e+00}; " + string.Join(", ", r.Auto.Select(a => $"{a.Name} {a.Result.TestH / best:F2}")));

        // Measured (this size, sigma = 1e-4 relative): best fixed 4.71e-4; ridge by all validation rows 1.96x, by the rows of
        // the validation trajectories' parts inside the box 1.16x (the full-size study: 5.13x -> 1.06x on data seed 3943,
        // docs/RESULTS.md). At this size truncation does not gain (rcond 1.80x either way; 1.22x at full size). Margins:
        // domain <= 1.5 (the done-means bound), all rows >= 1.5.
        Assert.InRange(Ratio("ridge/domain"), 0.5, 1.5);
        Assert.True(Ratio("ridge/validation") > 1.5, $"all validation rows {Ratio("ridge/validation"):F2}");
    }

    [Fact]
    public void The_band_at_a_chosen_regularisation_is_centred_on_that_solution()
    {
        var la = new ManagedLinearAlgebra();
        var rng = new Rng(7, "at-regularisation");
        const int m = 60, n = 12;
        var a = new double[m * n];
        var b = new double[m];
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < m; i++)
            {
                a[i + (j * m)] = rng.NextNormal() * Math.Pow(10, -j / 2.0); // singular values spread over 6 decades
            }
        }

        for (var i = 0; i < m; i++)
        {
            b[i] = rng.NextNormal();
        }

        var solve = SpectralSolve.Create(la, ReducedProblem.FromSystem(la, new LinearSystem(a, m, n, b)));
        var rcond = Regularisation.Rcond(1e-3);
        var truncated = BayesianOutputLayer.AtRegularisation(solve, rcond);
        var k = solve.Rank(1e-3);
        Assert.Equal(solve.Solve(rcond), truncated.Mean);
        Assert.Equal(k, truncated.TruncatedRank);

        // The truncated posterior has no variance along the dropped directions: sd(v_i . c) = sigma / s_i kept, 0 dropped,
        // with sigma^2 = ||A c - y||^2 / (m - k) (docs/ALGORITHM.md §2.5).
        var s = solve.SingularValues;
        var vt = solve.VT.ToArray();
        var filter = solve.Filter(rcond);
        var sigma = Math.Sqrt(solve.ResidualSquared(filter) / (m - k));
        for (var i = 0; i < n; i++)
        {
            var vi = Enumerable.Range(0, n).Select(j => vt[i + (j * n)]).ToArray();
            Assert.Equal(i < k ? sigma / s[i] : 0, truncated.StandardDeviation(vi), 1e-9 * sigma / s[n - 1]);
        }

        // Ridge: the same as the model at that lambda, mean = the ridge solution.
        var ridge = BayesianOutputLayer.AtRegularisation(solve, Regularisation.Ridge(1e-4));
        var at = BayesianOutputLayer.At(solve, 1e-4);
        Assert.Equal(at.Mean, ridge.Mean);
        Assert.Equal(at.NoiseSd, ridge.NoiseSd);
        Assert.Equal(solve.Solve(Regularisation.Ridge(1e-4)), ridge.Mean);
        Assert.Null(ridge.TruncatedRank);
    }
}
