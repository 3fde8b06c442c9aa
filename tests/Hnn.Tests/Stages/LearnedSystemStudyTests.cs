using Hnn.Stages.Numerics;
using Hnn.Stages.Training;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Stages;

/// <summary>
/// The Kepler / FPUT harness (<see cref="LearnedSystemStudy"/>, `hnn learned-systems`) at small sizes. The true-H
/// checks follow from theory (the implicit midpoint rule conserves the quadratic invariant L exactly up to rounding; the
/// linear beat period 2 pi / (2 omega_1 - omega_2)); the learned-H bounds are this test's own measurements (printed)
/// with a margin, documenting today's (poor) accuracy (docs/RESULTS.md, "Kepler and FPUT learned from trajectories").
/// </summary>
public sealed class LearnedSystemStudyTests(ITestOutputHelper output)
{
    [Fact]
    public void Kepler_orbits_are_bound_with_the_drawn_eccentricities_and_the_true_rollout_keeps_L()
    {
        var system = new Hnn.Datasets.Kepler(1.0, 2);
        var x = LearnedSystemStudy.KeplerStates(200, 0.5, new Hnn.Datasets.Rng(7));
        for (var m = 0; m < 200; m++)
        {
            double[] state = [x[0][m], x[1][m], x[2][m], x[3][m]];
            var energy = system.Energy(state);
            // a in [0.8, 1.2] gives H = -1/(2a) in [-0.625, -0.4167]; e in [0, 0.5]; |q| >= a (1 - e) >= 0.4.
            Assert.InRange(energy, -0.625 - 1e-12, -0.41666 + 1e-12);
            Assert.InRange(system.Eccentricity(state), 0, 0.5 + 1e-12);
            Assert.True(Math.Sqrt((state[0] * state[0]) + (state[1] * state[1])) >= 0.4 - 1e-12);
        }

        var r = LearnedSystemStudy.Kepler(new ManagedLinearAlgebra(), new KeplerStudySettings(Trajectories: 100, Width: 150, TestTrajectories: 20, Rollouts: 2, RolloutTime: 5));
        Assert.NotNull(r.Learned);
        output.WriteLine($"test H {r.TestH:E3} / {r.TestHCorrected:E3}; L drift learned {r.Learned!.WorstAngularMomentum:E3} true {r.True.WorstAngularMomentum:E3}; |A| learned {r.Learned.WorstRungeLenz:E3} true {r.True.WorstRungeLenz:E3}");

        // Theory: the implicit midpoint rule conserves L = q x p (quadratic) exactly; rounding over 500 steps.
        Assert.True(r.True.WorstAngularMomentum < 1e-11);
        Assert.True(r.True.WorstRungeLenz < 1e-3); // |A| is not conserved by the rule: O(h^2) oscillation, measured 2.27e-4

        // The learned H at this size (100 orbits, width 150): test error measured 0.321 (asserted < 0.5). Its rollouts are
        // not yet physical (measured L drift 6.4e3: the learned orbit escapes; docs/RESULTS.md), so no bound is asserted on them.
        Assert.True(r.TestH < 0.5, $"test H {r.TestH:E3}");
        Assert.True(double.IsFinite(r.Learned.WorstAngularMomentum) && double.IsFinite(r.Learned.WorstRungeLenz));
    }

    /// <summary>
    /// The same small Kepler study with the separable layer (docs/ALGORITHM.md §2.1b; q scale 2, p scale 0.1): measured
    /// (managed backend, so no BLAS kernel enters) test H 8.79e-2 and over t &lt;= 5 L drift 2.01e-2, |A| drift 1.04e-1,
    /// where the full layer above measured 0.321, 6.4e3 and 5.7e5 (its orbit escapes); asserted with margin 2.5x.
    /// </summary>
    [Fact]
    public void Kepler_with_a_separable_layer_learns_h_and_keeps_l_at_small_size()
    {
        var r = LearnedSystemStudy.Kepler(new ManagedLinearAlgebra(), new KeplerStudySettings(Trajectories: 100, Width: 150, TestTrajectories: 20, Rollouts: 2, RolloutTime: 5,
            Separable: new Hnn.Stages.Sampling.SeparableLayer(2, 0.1)));
        Assert.NotNull(r.Learned);
        output.WriteLine($"test H {r.TestH:E3} / {r.TestHCorrected:E3}; L drift learned {r.Learned!.WorstAngularMomentum:E3}; |A| learned {r.Learned.WorstRungeLenz:E3}; rank {r.Rank}");
        Assert.InRange(r.TestH, 0, 0.22);
        Assert.InRange(r.Learned.WorstAngularMomentum, 0, 5e-2);
        Assert.InRange(r.Learned.WorstRungeLenz, 0, 0.26);
    }

    [Fact]
    public void Fput_true_rollout_recurs_at_the_beat_period_and_the_learned_one_is_measured()
    {
        var r = LearnedSystemStudy.Fput(new ManagedLinearAlgebra(), new FputStudySettings(0, Trajectories: 60, Width: 150, TestTrajectories: 10, RolloutTime: 70));
        Assert.NotNull(r.LearnedRecurrence);
        var (l, t) = (r.LearnedRecurrence, r.TrueRecurrence);
        output.WriteLine($"test H {r.TestH:E3}; true dip {t.DipMinimum:F4} at {t.DipTime} return {t.ReturnTime} peak {t.PeakTime}; learned dip {l.DipMinimum:F4} at {l.DipTime} return {l.ReturnTime} peak {l.PeakTime}");

        // The linear beat period of n = 8: 2 pi / (4 sin(pi/8) - 2 sin(pi/4)) = 53.92.
        Assert.Equal(53.92, r.BeatPeriod, 2);

        // The true H under the same integrator (implicit midpoint, dt 0.05): as with DOP853 in KeplerFputTests, mode 1's
        // share dips to ~0.973 near T/2 and is back above 0.999 before T (DOP853: 49.5).
        Assert.InRange(t.DipMinimum, 0.9, 0.995);
        Assert.InRange(t.DipTime, 0.4 * r.BeatPeriod, 0.6 * r.BeatPeriod);
        Assert.InRange(t.ReturnTime, 0.8 * r.BeatPeriod, 1.1 * r.BeatPeriod);
        // The learned H at this size (60 trajectories, width 150): test error measured 0.238 (asserted < 0.5); its rollout does
        // not reproduce the recurrence yet (measured: mode 1's share falls to 0.016), so nothing is asserted on it.
        Assert.True(r.TestH < 0.5, $"test H {r.TestH:E3}");
    }

    /// <summary>
    /// The weight scale on the FPUT study (docs/ALGORITHM.md §2.1a; docs/RESULTS.md, "The sampled weight scale"): 120
    /// trajectories x 20 steps of 0.1 (modal coefficients in [-0.4, 0.4]), U-SWIM width 400, midpoint rows; the published scale
    /// against s = 0.01. Bounds: this test's own measurement (printed; s = 1: 1.18e-1, s = 0.01: 3.26e-2, managed backend) with a
    /// margin. At this size the learned recurrence is not yet right; the study's sizes are in docs/RESULTS.md.
    /// </summary>
    [Fact]
    public void Fput_weight_scale_cuts_the_learned_h_error()
    {
        var la = new ManagedLinearAlgebra();
        FputStudyResult Run(double scale) => LearnedSystemStudy.Fput(la, new FputStudySettings(0, Trajectories: 120, Width: 400, Method: Hnn.Stages.Sampling.SamplingMethod.USwim, Amplitude: 0.4,
            TestTrajectories: 10, RolloutTime: 5, WeightScale: scale, StallTolerance: 1e-8));
        var (published, small) = (Run(1), Run(0.01));
        output.WriteLine($"test H corrected: s = 1: {published.TestHCorrected:E3}, s = 0.01: {small.TestHCorrected:E3}");
        Assert.True(published.TestHCorrected > 8e-2, $"s = 1: {published.TestHCorrected:E3}");
        Assert.True(small.TestHCorrected < 5e-2, $"s = 0.01: {small.TestHCorrected:E3}");
        Assert.True(small.TestHCorrected < published.TestHCorrected / 2, "the small scale must at least halve the error");
    }

    /// <summary>
    /// The study's regularisation choice and pairs across trajectories (`--fput-regularisation`, `--fput-swim-pairs`) at the
    /// size of <see cref="Fput_weight_scale_cuts_the_learned_h_error"/>: auto-ridge by validation trajectories reports the
    /// sweep of one SVD (rcond 1e-13 and ridge 1e-14..1e-4), and its choice is near the best of that sweep in hindsight.
    /// Bounds: this test's own measurements (printed; managed backend, 2026-12-03: published rcond 3.26e-2, auto-ridge
    /// 3.33e-2 at lambda 1.5e-9, best of the sweep 3.26e-2, pairs across trajectories 2.52e-2) with a margin.
    /// </summary>
    [Fact]
    public void Fput_auto_ridge_and_pairs_across_trajectories_are_measured()
    {
        var la = new ManagedLinearAlgebra();
        FputStudyResult Run(string regularisation, bool across) => LearnedSystemStudy.Fput(la, new FputStudySettings(0, Trajectories: 120, Width: 400, Method: Hnn.Stages.Sampling.SamplingMethod.USwim,
            Amplitude: 0.4, TestTrajectories: 10, RolloutTime: 5, WeightScale: 0.01, StallTolerance: 1e-8, Regularisation: regularisation, PairsAcrossTrajectories: across));
        var published = Run("rcond", false);
        var auto = Run("auto-ridge", false);
        var across = Run("rcond", true);
        output.WriteLine($"published {published.TestHCorrected:E3} ({published.Solve}); auto {auto.TestHCorrected:E3} ({auto.Solve}); across {across.TestHCorrected:E3}");
        output.WriteLine(string.Join("; ", auto.Sweep.Select(x => $"{x.Regularisation} {x.TestHCorrected:E3}")));
        Assert.Empty(published.Sweep);
        Assert.Equal("rcond=1E-13", published.Solve);
        Assert.Equal(12, auto.Sweep.Count);
        Assert.StartsWith("ridge=", auto.Solve, StringComparison.Ordinal);
        // The sweep's rcond 1e-13 is the same truncation as the published solve (SVD of the reduced triangle instead of
        // the structured solve: equal to rounding at full rank).
        Assert.Equal(published.TestHCorrected, auto.Sweep[0].TestHCorrected, 1e-6);
        Assert.True(auto.TestHCorrected <= 1.5 * auto.Sweep.Min(x => x.TestHCorrected), $"auto {auto.TestHCorrected:E3}");
        Assert.True(across.TestHCorrected < 0.9 * published.TestHCorrected, $"across {across.TestHCorrected:E3}, published {published.TestHCorrected:E3}");
    }

    /// <summary>
    /// The separable layer on the quartic chain (beta = 1; `--fput-separable`, docs/ALGORITHM.md §2.1b): H = T(p) + V(q) with T
    /// exactly quadratic, so the layer needs the quartic coefficients of V on the 7-D q-space only, not those of the 14-D
    /// state space (docs/RESULTS.md, "Kepler and FPUT learned from trajectories"). 120 trajectories, U-SWIM width 400,
    /// s = 0.01. Bounds: this test's own measurements (printed; managed backend, 2026-12-03: full layer 9.14e-2, separable
    /// 3.55e-2) with a margin; at the study's sizes the gap is 80x (docs/RESULTS.md).
    /// </summary>
    [Fact]
    public void Fput_separable_layer_cuts_the_quartic_chains_error()
    {
        var la = new ManagedLinearAlgebra();
        FputStudyResult Run(bool separable) => LearnedSystemStudy.Fput(la, new FputStudySettings(1, Trajectories: 120, Width: 400, Method: Hnn.Stages.Sampling.SamplingMethod.USwim,
            Amplitude: 0.4, TestTrajectories: 10, RolloutTime: 5, WeightScale: 0.01, StallTolerance: 1e-6,
            Separable: separable ? new Hnn.Stages.Sampling.SeparableLayer(0.01, 0.01) : null));
        var (full, separableFit) = (Run(false), Run(true));
        output.WriteLine($"beta 1 test H corrected: full layer {full.TestHCorrected:E3}, separable {separableFit.TestHCorrected:E3}");
        Assert.True(full.TestHCorrected > 7e-2, $"full {full.TestHCorrected:E3}");
        Assert.True(separableFit.TestHCorrected < 5e-2, $"separable {separableFit.TestHCorrected:E3}");
        Assert.True(separableFit.TestHCorrected < full.TestHCorrected / 2, $"separable {separableFit.TestHCorrected:E3}, full {full.TestHCorrected:E3}");
    }
}
