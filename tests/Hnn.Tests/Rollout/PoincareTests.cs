using Hnn.Datasets;
using Hnn.Stages.Rollout;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Rollout;

/// <summary>Poincaré sections q_1 = 0, p_1 &gt; 0: known crossings of a hand-made trajectory, and Hénon–Heiles' energy surface.</summary>
public sealed class PoincareTests(ITestOutputHelper output)
{
    /// <summary>H = (q1^2 + p1^2)/2 + p2: q1 = sin(t + phase), p1 = cos(t + phase), q2 = q2(0) + t, p2 constant.</summary>
    private sealed record RotorAndDrift : HamiltonianField
    {
        public override int Dof => 2;

        protected override void EnergyCore(double[][] x, int count, Span<double> h)
        {
            for (var m = 0; m < count; m++)
            {
                h[m] = ((x[0][m] * x[0][m]) + (x[2][m] * x[2][m])) / 2 + x[3][m];
            }
        }

        protected override void GradientCore(double[][] x, int count, double[][] grad)
        {
            for (var m = 0; m < count; m++)
            {
                grad[0][m] = x[0][m];
                grad[1][m] = 0;
                grad[2][m] = x[2][m];
                grad[3][m] = 1;
            }
        }
    }

    private static readonly double[] Phases = [0.0, 1.0];

    /// <summary>The closed-form trajectory, saved every 0.1 on [0, 20] (not integrated).</summary>
    private static Trajectory HandMade()
    {
        var times = Enumerable.Range(0, 201).Select(k => 0.1 * k).ToArray();
        var states = times.Select(t => new[]
        {
            Phases.Select(phase => Math.Sin(t + phase)).ToArray(),
            Phases.Select(_ => 0.5 + t).ToArray(),
            Phases.Select(phase => Math.Cos(t + phase)).ToArray(),
            Phases.Select(_ => 0.3).ToArray(),
        }).ToArray();
        return new Trajectory(times, states);
    }

    [Fact]
    public void Hand_made_trajectory_crosses_where_expected()
    {
        var trajectory = HandMade();
        var hermite = RolloutDiagnostics.Poincare(trajectory, new RotorAndDrift());
        var linear = RolloutDiagnostics.Poincare(trajectory);

        for (var m = 0; m < Phases.Length; m++)
        {
            // Upward crossings of sin(t + phase) = 0 in (0, 20]: t = 2 pi j - phase. Downward ones (p1 = -1) are not kept,
            // nor is t = 0 where the first trajectory starts on the section.
            var expected = Enumerable.Range(1, 3).Select(j => (2 * Math.PI * j) - Phases[m]).ToArray();
            Assert.Equal(expected.Length, hermite.Times[m].Length);
            Assert.Equal(expected.Length, linear.Times[m].Length);
            var (q2, p2) = hermite.Plane(m, 1, 3);
            var worstHermite = 0.0;
            var worstLinear = 0.0;
            for (var c = 0; c < expected.Length; c++)
            {
                var point = hermite.Points[m][c];
                Assert.Equal(0.0, point[0]);
                Assert.Equal(expected[c], hermite.Times[m][c], 1e-6);
                Assert.Equal(0.5 + expected[c], q2[c], 1e-6);
                Assert.Equal(0.3, p2[c], 14);
                worstHermite = Math.Max(worstHermite, Math.Abs(point[2] - 1));
                worstLinear = Math.Max(worstLinear, Math.Abs(linear.Points[m][c][2] - 1));
                Assert.Equal(expected[c], linear.Times[m][c], 1e-3);
            }

            // p1 = cos(0) = 1 at every crossing: Hermite error O(dt^4), linear O(dt^2) (measured 2.6e-7 and 1.25e-3).
            output.WriteLine($"phase {Phases[m]}: |p1 - 1| Hermite {worstHermite:e2}, linear {worstLinear:e2}");
            Assert.True(worstHermite < 1e-6, $"Hermite p1 error {worstHermite:e2}");
            Assert.True(worstLinear < 2e-3, $"linear p1 error {worstLinear:e2}");
        }
    }

    [Fact]
    public void Henon_Heiles_section_points_lie_on_the_energy_surface()
    {
        // E = 1/8, alpha = 1, starts on the section q1 = 0 with p1 > 0 solved from the energy.
        const double E = 0.125;
        var system = new HenonHeiles();
        var field = HamiltonianField.Exact(system);
        static double V(double q2) => (q2 * q2 / 2) - (q2 * q2 * q2 / 3); // the potential on q1 = 0
        static double P1(double q2, double p2) => Math.Sqrt((2 * (E - V(q2))) - (p2 * p2));
        (double Q2, double P2)[] starts = [(0.1, 0.1), (-0.2, 0.0), (0.3, -0.2)];
        var x0 = InitialConditions.FromStates(starts.Select(s => new[] { 0.0, s.Q2, P1(s.Q2, s.P2), s.P2 }).ToArray());
        Assert.All(field.Energy(x0), h => Assert.Equal(E, h, 15));

        var times = Enumerable.Range(1, 4000).Select(k => 0.05 * k).ToArray(); // t in (0, 200]
        var trajectory = Rollouts.Reference(field, x0, times);
        var section = RolloutDiagnostics.Poincare(trajectory, field);

        var worstEnergy = 0.0;
        var worstP1 = 0.0;
        for (var m = 0; m < starts.Length; m++)
        {
            Assert.True(section.Points[m].Length > 20, $"only {section.Points[m].Length} crossings for start {m}");
            foreach (var point in section.Points[m])
            {
                Assert.Equal(0.0, point[0]);
                Assert.True(point[2] > 0);
                worstEnergy = Math.Max(worstEnergy, Math.Abs(system.Energy(point) - E));
                worstP1 = Math.Max(worstP1, Math.Abs(point[2] - P1(point[1], point[3])));
            }
        }

        // Measured: 89 points, |H - E| 8.9e-9, |p1 - p1(q2, p2; E)| 4.2e-8 (Hermite between saves 0.05 apart; linear: 9.4e-5).
        var linear = RolloutDiagnostics.Poincare(trajectory);
        var worstLinear = linear.Points.SelectMany(p => p).Max(point => Math.Abs(system.Energy(point) - E));
        output.WriteLine($"{section.Points.Sum(p => p.Length)} section points: max |H - E| {worstEnergy:e2} (linear interpolation: {worstLinear:e2}), max p1 mismatch {worstP1:e2}");
        Assert.True(worstEnergy < 1e-7, $"section points off the energy surface by {worstEnergy:e2}");
        Assert.True(worstP1 < 1e-6, $"p1 off the solved value by {worstP1:e2}");
    }

    [Fact]
    public void Section_arguments_are_checked()
    {
        var trajectory = HandMade();
        Assert.Throws<ArgumentOutOfRangeException>(() => RolloutDiagnostics.Poincare(trajectory, coordinate: 2));
        Assert.Throws<ArgumentException>(() => RolloutDiagnostics.Poincare(trajectory, HamiltonianField.Exact(new MassSpring())));
        var shifted = RolloutDiagnostics.Poincare(trajectory, new RotorAndDrift(), coordinate: 0, level: 0.5);
        Assert.All(shifted.Points.SelectMany(p => p), point => Assert.Equal(0.5, point[0]));
    }
}
