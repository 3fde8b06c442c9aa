using System.Reflection;
using System.Runtime.CompilerServices;
using Hnn.Datasets;
using Hnn.Stages.Model;
using Hnn.Stages.Rollout;
using Xunit;
using static Hnn.Tests.Rollout.RolloutTestSupport;

namespace Hnn.Tests.Rollout;

/// <summary>Names, layouts, argument checks, cancellation and initial conditions of the rollout stages.</summary>
public sealed class RolloutApiTests
{
    [Fact]
    public void Integrator_names_round_trip()
    {
        Assert.Equal(["euler", "symplectic-euler", "verlet", "implicit-midpoint", "rk4", "dop853"], Integrators.Names);
        foreach (var integrator in Enum.GetValues<Integrator>())
        {
            Assert.True(Integrators.TryParse(integrator.ToName(), out var parsed));
            Assert.Equal(integrator, parsed);
            Assert.True(Integrators.TryParse(" " + integrator.ToName().ToUpperInvariant() + " ", out parsed));
            Assert.Equal(integrator, parsed);
        }

        Assert.True(Integrators.TryParse("leapfrog", out var leapfrog));
        Assert.Equal(Integrator.Verlet, leapfrog);
        Assert.False(Integrators.TryParse("rk45", out _));
        Assert.Equal([false, true, true, true, false, false], Enum.GetValues<Integrator>().Select(i => i.IsSymplectic()));
    }

    [Fact]
    public void Saves_every_s_steps_and_the_last_one_at_n_dt()
    {
        Assert.Equal([0, 3, 6, 9, 10], Rollouts.SavedSteps(10, 3));
        Assert.Equal([0, 5, 10], Rollouts.SavedSteps(10, 5));
        Assert.Equal([0], Rollouts.SavedSteps(0, 1));
        Assert.Equal([0, 7], Rollouts.SavedSteps(7, 100));

        var x0 = InitialConditions.FromStates([[1.5, 0.0], [0.0, 1.0], [2.0, -1.0]]);
        var trajectory = Rollouts.Integrate(Exact("mass-spring"), x0, 0.1, 10, Integrator.Rk4, saveEvery: 4);
        Assert.Equal([0.0, 0.4, 0.8, 1.0], trajectory.Times);
        Assert.Equal((4, 2, 3, 1), (trajectory.Length, trajectory.Dim, trajectory.Count, trajectory.Dof));
        Assert.Equal([0.0, 1.0], trajectory.State(0, 1));
        Assert.Equal(trajectory.States[2][0][2], trajectory.Series(0, 2)[2]);

        // The initial batch is copied, not aliased.
        x0[0][0] = 99;
        Assert.Equal(1.5, trajectory.States[0][0][0]);
    }

    [Theory]
    [InlineData(Integrator.Euler)]
    [InlineData(Integrator.Rk4)]
    [InlineData(Integrator.Verlet)]
    [InlineData(Integrator.Dop853)]
    public void A_batch_advances_like_its_states_one_by_one(Integrator integrator)
    {
        var field = Exact("henon-heiles");
        double[][] states = [[0.1, -0.2, 0.3, 0.25], [0.0, 0.3, -0.2, 0.1], [-0.3, 0.1, 0.0, -0.2]];
        var together = Rollouts.Integrate(field, InitialConditions.FromStates(states), 0.05, 40, integrator, saveEvery: 10);
        for (var m = 0; m < states.Length; m++)
        {
            var alone = Rollouts.Integrate(field, InitialConditions.FromStates([states[m]]), 0.05, 40, integrator, saveEvery: 10);
            for (var k = 0; k < alone.Length; k++)
            {
                // Explicit fixed-step methods are per-state identical; the implicit ones iterate until every state has
                // converged and DOP853 shares one step size, so those agree to their tolerances.
                var a = alone.State(k, 0);
                var b = together.State(k, m);
                for (var i = 0; i < a.Length; i++)
                {
                    Assert.Equal(a[i], b[i], integrator is Integrator.Euler or Integrator.Rk4 ? 0 : 1e-10);
                }
            }
        }
    }

    [Fact]
    public void Arguments_are_checked_with_clear_messages()
    {
        var field = Exact("henon-heiles");
        var x0 = InitialConditions.FromStates([[0.1, -0.2, 0.3, 0.25]]);
        Assert.Contains("expected 2*dof = 4", Assert.Throws<ArgumentException>(() => Rollouts.Integrate(field, [[0.0], [1.0]], 0.1, 1, Integrator.Rk4)).Message);
        Assert.Contains("column 2 has 2 states", Assert.Throws<ArgumentException>(() => Rollouts.Integrate(field, [[0.0], [1.0], [0.0, 1.0], [1.0]], 0.1, 1, Integrator.Rk4)).Message);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => Rollouts.Integrate(field, [[0.0], [1.0], [double.NaN], [1.0]], 0.1, 1, Integrator.Rk4)).Message);
        Assert.Contains("at least one", Assert.Throws<ArgumentException>(() => Rollouts.Integrate(field, [[], [], [], []], 0.1, 1, Integrator.Rk4)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Rollouts.Integrate(field, x0, 0, 1, Integrator.Rk4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rollouts.Integrate(field, x0, double.PositiveInfinity, 1, Integrator.Rk4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rollouts.Integrate(field, x0, 0.1, -1, Integrator.Rk4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rollouts.Integrate(field, x0, 0.1, 1, Integrator.Rk4, saveEvery: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rollouts.Integrate(field, x0, 0.1, 1, (Integrator)42));

        Assert.Contains("expected 2*dof = 4", Assert.Throws<ArgumentException>(() => field.Gradient(x0, [new double[1]])).Message);
        Assert.Contains("must not share", Assert.Throws<ArgumentException>(() => field.Gradient(x0, [x0[0], new double[1], new double[1], new double[1]])).Message);
        Assert.Contains("even input dimension", Assert.Throws<ArgumentException>(
            () => HamiltonianField.Learned(new Network(new HiddenLayer([[1.0], [2.0], [3.0]], [0.0]), [1.0], 0))).Message);
    }

    [Fact]
    public void A_blow_up_is_reported_with_its_step()
    {
        // Hénon–Heiles far outside its bounded region escapes to infinity in finite time; forward Euler overflows.
        var field = Exact("henon-heiles");
        var e = Assert.Throws<InvalidOperationException>(
            () => Rollouts.Integrate(field, InitialConditions.FromStates([[0.0, 5.0, 5.0, 5.0]]), 0.1, 1000, Integrator.Euler));
        Assert.Contains("euler: the state became non-finite", e.Message);
        Assert.Contains("smaller dt", e.Message);
    }

    [Fact]
    public void Cancellation_is_honoured_between_steps()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var field = Exact("mass-spring");
        var x0 = InitialConditions.FromStates([[1.5, 0.0]]);
        Assert.ThrowsAny<OperationCanceledException>(() => Rollouts.Integrate(field, x0, 0.1, 10, Integrator.Verlet, ct: cts.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => Rollouts.Reference(field, x0, [1.0], ct: cts.Token));

        // No steps, nothing to cancel: the initial state comes back.
        Assert.Single(Rollouts.Integrate(field, x0, 0.1, 0, Integrator.Verlet, ct: cts.Token).Times);
    }

    [Fact]
    public void Learned_field_evaluates_the_network()
    {
        var network = new Network(new HiddenLayer([[0.5, -1.0], [2.0, 0.3]], [0.1, -0.2]), [1.5, -0.7], 0.25);
        var field = HamiltonianField.Learned(network);
        var x = InitialConditions.FromStates([[0.3, -0.4], [1.0, 2.0]]);
        var h = new double[2];
        var grad = new[] { new double[2], new double[2] };
        network.Predict(x, 0, 2, h, grad);
        Assert.Equal(h, field.Energy(x));
        var g = new[] { new double[2], new double[2] };
        field.Gradient(x, g);
        Assert.Equal(grad, g);

        // x' = J grad H: (dH/dp, -dH/dq).
        var dx = new[] { new double[2], new double[2] };
        field.TimeDerivative(x, dx);
        Assert.Equal(grad[1], dx[0]);
        Assert.Equal(grad[0].Select(v => -v), dx[1]);
    }

    [Fact]
    public void Uniform_initial_conditions_are_seeded_and_inside_the_domain()
    {
        var domain = new Domain([new Interval(-1, 1), new Interval(0, 2)], [new Interval(-0.5, 0.5), new Interval(3, 4)]);
        var a = InitialConditions.Uniform(domain, 50, 11);
        var b = InitialConditions.Uniform(domain, 50, 11);
        var prefix = InitialConditions.Uniform(domain, 10, 11);
        var other = InitialConditions.Uniform(domain, 50, 12);
        var limits = domain.Q.Concat(domain.P).ToArray();
        Assert.Equal(4, a.Length);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(a[i], b[i]);
            Assert.Equal(prefix[i], a[i].Take(10));
            Assert.NotEqual(a[i], other[i]);
            Assert.All(a[i], v => Assert.InRange(v, limits[i].Lower, limits[i].Upper));
        }

        // Derived from the seed with the documented label.
        var rng = new Rng(Rng.Derive(11, InitialConditions.SeedLabel));
        Assert.Equal(rng.NextUniform(-1, 1), a[0][0]);

        Assert.Throws<ArgumentException>(() => InitialConditions.Uniform(new Domain([new Interval(-1, 1)], []), 5, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => InitialConditions.Uniform(domain, 0, 1));
        Assert.Contains("state 1 has 3", Assert.Throws<ArgumentException>(() => InitialConditions.FromStates([[1.0, 2.0], [1.0, 2.0, 3.0]])).Message);
        Assert.Contains("2d >= 2", Assert.Throws<ArgumentException>(() => InitialConditions.FromStates([[1.0, 2.0, 3.0]])).Message);
    }

    [Fact]
    public void Initial_conditions_on_an_energy_surface()
    {
        // Hénon–Heiles at E = 1/8 (a classic section energy), q in [-0.5, 0.5]^2.
        var field = Exact("henon-heiles");
        var box = Domain.Uniform(2, new Interval(-0.5, 0.5), new Interval(-0.5, 0.5));
        var x0 = InitialConditions.OnEnergySurface(field, box, 0.125, 20, 5);
        Assert.Equal(x0, InitialConditions.OnEnergySurface(field, box, 0.125, 20, 5));
        Assert.All(field.Energy(x0), h => Assert.Equal(0.125, h, 1e-12));
        for (var i = 0; i < 2; i++)
        {
            Assert.All(x0[i], q => Assert.InRange(q, -0.5, 0.5));
        }

        var e = Assert.Throws<InvalidOperationException>(
            () => InitialConditions.OnEnergySurface(Exact("mass-spring"), Domain.Uniform(1, new Interval(-1, 3), new Interval(-1, 1)), -1, 3, 5, maxAttempts: 50));
        Assert.Contains("no state with H = -1", e.Message);
        Assert.Throws<ArgumentException>(() => InitialConditions.OnEnergySurface(field, Domain.Uniform(1, new Interval(-1, 1), new Interval(-1, 1)), 0.1, 3, 5));
    }

    [Fact]
    public void Public_records_of_the_rollout_stages_are_immutable()
    {
        var records = typeof(Rollouts).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == typeof(Rollouts).Namespace && t.GetMethod("PrintMembers", BindingFlags.Instance | BindingFlags.NonPublic, [typeof(System.Text.StringBuilder)]) is not null)
            .ToList();
        Assert.Contains(typeof(Trajectory), records);
        Assert.Contains(typeof(ExactField), records);
        Assert.Contains(typeof(PoincareSection), records);
        foreach (var type in records)
        {
            foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.DeclaredOnly))
            {
                var setter = property.GetSetMethod(nonPublic: false);
                Assert.True(setter is null || setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)), $"{type.Name}.{property.Name} has a public setter");
            }

            Assert.DoesNotContain(type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.DeclaredOnly), f => !f.IsInitOnly && !f.IsLiteral);
        }
    }

    [Fact]
    public void Trajectory_checks_its_shape()
    {
        double[][] batch = [[1.0], [2.0]];
        Assert.Contains("strictly increasing", Assert.Throws<ArgumentException>(() => new Trajectory([0.0, 0.0], [batch, batch])).Message);
        Assert.Contains("2 saved state batches for 1 times", Assert.Throws<ArgumentException>(() => new Trajectory([0.0], [batch, batch])).Message);
        Assert.Throws<ArgumentException>(() => new Trajectory([0.0, 1.0], [batch, [[1.0, 2.0], [2.0, 3.0]]]));
        Assert.Throws<ArgumentException>(() => new Trajectory([0.0], [[[1.0]]]));
    }
}
