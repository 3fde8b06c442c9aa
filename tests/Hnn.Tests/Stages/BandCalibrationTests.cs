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
}
