using Hnn.Datasets;
using Hnn.Stages.Rollout;
using Xunit;

namespace Hnn.Tests.Rollout;

/// <summary>
/// The Kepler and FPUT systems against closed forms (Kepler's third law, the conserved L and Laplace–Runge–Lenz vector,
/// the linear chain's normal modes, the near-resonance period of the FPUT-alpha mode exchange), and the invariant
/// diagnostics of src/Stages/Rollout/InvariantDiagnostics.cs. (Analytic gradients against finite differences: the
/// kepler and fput entries of PaperSystems in HamiltonianSystemTests.)
/// </summary>
public sealed class KeplerFputTests
{
    private static double[][] Column(double[] x) => [.. x.Select(v => new[] { v })];

    [Fact]
    public void Kepler_orbit_closes_after_the_closed_form_period_with_the_closed_form_aphelion()
    {
        var kepler = new Kepler();
        var x0 = kepler.DefaultRolloutStart!; // q = (1, 0), p = (0, 1.2)
        var energy = kepler.Energy(x0);
        Assert.Equal((1.2 * 1.2 / 2) - 1, energy, 15);

        // Closed form: a = -k/(2H) = 1/0.56, e = v^2 r/k - 1 = 0.44 at the perihelion r = 1, T = 2 pi sqrt(a^3/k).
        var a = 1 / 0.56;
        var period = kepler.Period(energy);
        Assert.Equal(2 * Math.PI * Math.Pow(a, 1.5), period, 12);
        Assert.Equal(0.44, kepler.Eccentricity(x0), 14);
        var trajectory = Rollouts.Reference(HamiltonianField.Exact(kepler), Column(x0), [period / 2, period], 1e-12);

        // Half a period later: the aphelion q = (-a (1 + e), 0), p = (0, -L / r_a) with L = 1.2.
        var aphelion = trajectory.State(0, 0);
        var ra = a * 1.44;
        Assert.Equal(-ra, aphelion[0], 8);
        Assert.Equal(0, aphelion[1], 8);
        Assert.Equal(-1.2 / ra, aphelion[3], 8);
        var back = trajectory.State(1, 0);
        for (var i = 0; i < 4; i++)
        {
            Assert.True(Math.Abs(back[i] - x0[i]) < 1e-8, $"coordinate {i}: {back[i]:R} vs {x0[i]:R}");
        }
    }

    [Fact]
    public void Kepler_3d_orbit_in_a_tilted_plane_conserves_the_vector_L_and_A()
    {
        var kepler = new Kepler(2, 3);

        // q = (1, 0, 0), p = 1.1 sqrt(2) (0, cos 30deg, sin 30deg): a bound orbit (H = 1.21 - 2 < 0) tilted 30 degrees.
        var v = 1.1 * Math.Sqrt(2);
        double[] x0 = [1, 0, 0, 0, v * Math.Cos(Math.PI / 6), v * Math.Sin(Math.PI / 6)];
        var period = kepler.Period(kepler.Energy(x0));
        var times = Enumerable.Range(1, 40).Select(k => k * period / 20).ToArray();
        var trajectory = Rollouts.Reference(HamiltonianField.Exact(kepler), Column(x0), times, 1e-12);
        var drift = InvariantDiagnostics.KeplerDrift(kepler, trajectory);
        Assert.True(drift.WorstAngularMomentum < 1e-9, $"L drift {drift.WorstAngularMomentum}");
        Assert.True(drift.WorstRungeLenz < 1e-9, $"|A| drift {drift.WorstRungeLenz}");

        // L = q x p = (0, -p3, p2), |A| = k e with e = v^2 r/k - 1 = 0.21 (perihelion, p orthogonal to q).
        var l = kepler.AngularMomentum(x0);
        Assert.Equal([0, -v * Math.Sin(Math.PI / 6), v * Math.Cos(Math.PI / 6)], l, new ToleranceComparer(1e-15));
        Assert.Equal(0.21, kepler.Eccentricity(x0), 13);
        var last = trajectory.State(trajectory.Length - 1, 0);
        Assert.True(Math.Abs(last[0] - 1) < 1e-7 && Math.Abs(last[1]) < 1e-7 && Math.Abs(last[2]) < 1e-7, "back at the start after two periods");
    }

    [Fact]
    public void Kepler_drift_diagnostic_sees_forward_euler_break_the_invariants()
    {
        var kepler = new Kepler();
        var x0 = Column(kepler.DefaultRolloutStart!);
        var field = HamiltonianField.Exact(kepler);
        var euler = InvariantDiagnostics.KeplerDrift(kepler, Rollouts.Integrate(field, x0, 0.01, 1500, Integrator.Euler, saveEvery: 10));
        var verlet = InvariantDiagnostics.KeplerDrift(kepler, Rollouts.Integrate(field, x0, 0.01, 1500, Integrator.Verlet, saveEvery: 10));

        // Forward Euler spirals outwards (L and e change at O(h) per orbit); Verlet conserves L exactly for a central
        // force (up to rounding) and |A| to O(h^2).
        Assert.True(euler.WorstAngularMomentum > 1e-2, $"Euler L drift {euler.WorstAngularMomentum}");
        Assert.True(euler.WorstRungeLenz > 1e-2, $"Euler |A| drift {euler.WorstRungeLenz}");
        Assert.True(verlet.WorstAngularMomentum < 1e-12, $"Verlet L drift {verlet.WorstAngularMomentum}");
        Assert.True(verlet.WorstRungeLenz < 1e-2, $"Verlet |A| drift {verlet.WorstRungeLenz}");
        Assert.Equal(0, euler.AngularMomentum[0][0]);
        Assert.Equal(1.2, euler.Scale[0], 15);
    }

    [Fact]
    public void Kepler_domains_must_avoid_the_singularity()
    {
        var kepler = new Kepler();
        var box = Domain.Uniform(2, new Interval(-2, 2), new Interval(-1, 1));
        var ex = Assert.Throws<ArgumentException>(() => kepler.CheckDomain(box));
        Assert.Contains("contains q = 0", ex.Message);
        Assert.Contains("[-2, 2] x [-2, 2]", ex.Message);
        kepler.CheckDomain(new Domain([new Interval(0.5, 2), new Interval(-2, 2)], [new Interval(-1, 1), new Interval(-1, 1)]));
        var generate = Assert.Throws<ArgumentException>(() => DataGenerator.Sample(kepler, box, 10, 1));
        Assert.Contains("contains q = 0", generate.Message);
        new Kepler(1, 3).CheckDomain(Domain.Uniform(3, new Interval(0.1, 1), new Interval(-1, 1)));
        Assert.Throws<ArgumentException>(() => kepler.SampleShell(0, 2, new Interval(-1, 1), 10, 1));
        Assert.Throws<ArgumentException>(() => kepler.SampleShell(2, 1, new Interval(-1, 1), 10, 1));

        // Uniform by area in 2-D: E|q|^2 = (r_min^2 + r_max^2)/2 = 2.5 for the annulus 1..2; 4000 draws, sd of the mean ~0.014.
        var x = kepler.SampleShell(1, 2, new Interval(-0.5, 0.5), 4000, 7);
        var r2 = Enumerable.Range(0, 4000).Select(k => (x[0][k] * x[0][k]) + (x[1][k] * x[1][k])).ToArray();
        Assert.All(r2, v => Assert.InRange(v, 1, 4));
        Assert.InRange(r2.Average(), 2.5 - 0.06, 2.5 + 0.06);
        Assert.All(x[2].Concat(x[3]), p => Assert.InRange(p, -0.5, 0.5));
        var shell = new Kepler(1, 3).SampleShell(0.5, 1, new Interval(-1, 1), 200, 8);
        Assert.All(Enumerable.Range(0, 200), k => Assert.InRange(Math.Sqrt((shell[0][k] * shell[0][k]) + (shell[1][k] * shell[1][k]) + (shell[2][k] * shell[2][k])), 0.5, 1));
        Assert.Equal(shell[0], new Kepler(1, 3).SampleShell(0.5, 1, new Interval(-1, 1), 200, 8)[0]); // seeded
    }

    [Fact]
    public void Harmonic_chain_is_fput_with_fixed_ends_and_the_opposite_bond_sign()
    {
        var rng = new Rng(91);
        foreach (var n in new[] { 2, 5 })
        {
            var chain = new HarmonicChain(n, 0.25);
            var fput = new Fput(n, -0.25, 0, periodic: false);
            var x = Enumerable.Range(0, 2 * n).Select(_ => rng.NextUniform(-1, 1)).ToArray();
            Assert.Equal(chain.Energy(x), fput.Energy(x), 14);
            var g1 = new double[2 * n];
            var g2 = new double[2 * n];
            chain.Gradient(x, g1);
            fput.Gradient(x, g2);
            Assert.Equal(g1, g2, new ToleranceComparer(1e-14));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Linear_chain_mode_energies_sum_to_H_and_are_each_conserved(bool periodic)
    {
        var chain = new Fput(8, 0, 0, periodic);
        var rng = new Rng(92);
        var x0 = Enumerable.Range(0, 16).Select(_ => rng.NextUniform(-0.5, 0.5)).ToArray();

        // An orthogonal change of variables: the mode energies of the linear chain add up to H exactly.
        Assert.Equal(chain.Energy(x0), chain.ModeEnergies(x0).Sum(), 13);
        var times = Enumerable.Range(1, 20).Select(k => k * 1.7).ToArray();
        var series = InvariantDiagnostics.ModeEnergies(chain, Rollouts.Reference(HamiltonianField.Exact(chain), Column(x0), times, 1e-12));
        var start = chain.ModeEnergies(x0);
        Assert.Equal(periodic ? 5 : 8, start.Length);
        foreach (var e in series.Energies[0])
        {
            Assert.Equal(start, e, new ToleranceComparer(1e-10));
        }
    }

    /// <summary>
    /// FPUT n = 8, alpha = 0.25, periodic, started in the lowest mode: energy leaves mode 1 for mode 2 and comes back. At
    /// small amplitude the exchange is the beat of the near-resonance 2 omega_1 ~ omega_2 (the alpha term couples wavenumber
    /// 1 + 1 -> 2): mode 1's share is lowest at T/2 and back at its maximum at T = 2 pi / (2 omega_1 - omega_2) = 53.92
    /// (omega_k = 2 sin(pi k / 8)). The quartic beta = 1 term only adds a frequency shift of order beta A^2 at A = 0.3.
    /// </summary>
    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Fput_alpha_mode_energy_returns_to_mode_one_at_the_resonance_beat_period(double beta)
    {
        var fput = new Fput(8, 0.25, beta, periodic: true);
        var beat = 2 * Math.PI / ((2 * fput.ModeFrequency(1)) - fput.ModeFrequency(2));
        Assert.Equal(53.92, beat, 2);
        var x0 = fput.LowestModeState(0.3);
        var times = Enumerable.Range(1, 320).Select(k => k * 0.25).ToArray();
        var trajectory = Rollouts.Reference(HamiltonianField.Exact(fput), Column(x0), times, 1e-11);
        var series = InvariantDiagnostics.ModeEnergies(fput, trajectory);
        var f1 = series.Fraction(0, 1);
        var f2 = series.Fraction(0, 2);

        // The dip: mode 1 gives a few per cent to mode 2 (none to the others), lowest near T/2.
        var low = Array.IndexOf(f1, f1.Min());
        Assert.InRange(f1[low], 0.9, 0.995);
        Assert.InRange(times[low], 0.4 * beat, 0.6 * beat);
        Assert.True(f2[low] > 0.8 * (1 - f1[low]), $"mode 2 holds {f2[low]} of the {1 - f1[low]} that left mode 1");

        // The return: after the dip, mode 1's share is back above 0.999 by about T and peaks there.
        var (back, _) = InvariantDiagnostics.FirstRecurrence(times, f1, 1 - ((1 - f1[low]) / 2), 0.999);
        Assert.InRange(back, 0.8 * beat, 1.1 * beat);
        var afterDip = Enumerable.Range(low, times.Length - low).Where(k => times[k] < times[low] + (0.75 * beat)).ToArray();
        var peak = afterDip.MaxBy(k => f1[k]);
        Assert.InRange(times[peak], 0.9 * beat, 1.1 * beat);

        // H itself is conserved by the reference rollout.
        var h = HamiltonianField.Exact(fput).Energy(trajectory.Last)[0];
        Assert.Equal(fput.Energy(x0), h, 9);
    }

    [Fact]
    public void First_recurrence_finds_the_return_and_reports_none_without_one()
    {
        double[] t = [0, 1, 2, 3, 4, 5];
        Assert.Equal((3.0, 0.2), InvariantDiagnostics.FirstRecurrence(t, [1, 0.5, 0.2, 0.95, 0.1, 1], 0.6, 0.9));
        Assert.True(double.IsNaN(InvariantDiagnostics.FirstRecurrence(t, [1, 0.5, 0.2, 0.3, 0.1, 0.2], 0.6, 0.9).Time));
        Assert.True(double.IsNaN(InvariantDiagnostics.FirstRecurrence(t, [1, 1, 1, 1, 1, 1], 0.6, 0.9).Time));
        Assert.Throws<ArgumentOutOfRangeException>(() => InvariantDiagnostics.FirstRecurrence(t, new double[6], 0.9, 0.6));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
