namespace Hnn.Stages.Rollout;

/// <summary>
/// Diagnostics of rollouts over time: distance from a reference trajectory, energy drift, errors of a learned H along
/// a trajectory, and Poincaré sections. Pure functions of their inputs.
/// </summary>
public static class RolloutDiagnostics
{
    /// <summary>Floor of the denominators of relative errors (relative values near H = 0 are then huge: read the absolute ones).</summary>
    public const double Tiny = 1e-300;

    /// <summary>
    /// Euclidean norm of x(t_k) - x_ref(t_k) per time and initial condition, with its max and RMS over initial
    /// conditions. Both trajectories must have the same shape and times (to 1e-12 relative).
    /// </summary>
    public static StateErrorSeries StateError(Trajectory actual, Trajectory reference)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(reference);
        CheckAligned(actual, reference);
        var count = actual.Count;
        var length = actual.Length;
        var perState = NewSeries(count, length);
        var max = new double[length];
        var rms = new double[length];
        for (var k = 0; k < length; k++)
        {
            var a = actual.States[k];
            var r = reference.States[k];
            double sumSquares = 0;
            for (var m = 0; m < count; m++)
            {
                double s = 0;
                for (var i = 0; i < a.Length; i++)
                {
                    var e = a[i][m] - r[i][m];
                    s += e * e;
                }

                perState[m][k] = Math.Sqrt(s);
                max[k] = Math.Max(max[k], perState[m][k]);
                sumSquares += s;
            }

            rms[k] = Math.Sqrt(sumSquares / count);
        }

        return new StateErrorSeries((double[])actual.Times.Clone(), perState, max, rms);
    }

    /// <summary>
    /// Drift of the energy <paramref name="energy"/> (usually the true H, evaluated along a learned trajectory):
    /// |H(x_t) - H(x_0)| absolute, and relative to max(|H(x_0)|, <see cref="Tiny"/>).
    /// </summary>
    public static EnergyDriftSeries EnergyDrift(HamiltonianField energy, Trajectory trajectory)
    {
        ArgumentNullException.ThrowIfNull(energy);
        ArgumentNullException.ThrowIfNull(trajectory);
        CheckDim(energy, trajectory);
        var count = trajectory.Count;
        var length = trajectory.Length;
        var initial = energy.Energy(trajectory.States[0]);
        var absolute = NewSeries(count, length);
        var relative = NewSeries(count, length);
        var maxAbsolute = new double[length];
        var maxRelative = new double[length];
        var h = new double[count];
        for (var k = 0; k < length; k++)
        {
            energy.Energy(trajectory.States[k], h);
            for (var m = 0; m < count; m++)
            {
                var a = Math.Abs(h[m] - initial[m]);
                var r = a / Math.Max(Math.Abs(initial[m]), Tiny);
                absolute[m][k] = a;
                relative[m][k] = r;
                maxAbsolute[k] = Math.Max(maxAbsolute[k], a);
                maxRelative[k] = Math.Max(maxRelative[k], r);
            }
        }

        return new EnergyDriftSeries((double[])trajectory.Times.Clone(), initial, absolute, relative, maxAbsolute, maxRelative);
    }

    /// <summary>
    /// Relative errors of <paramref name="model"/>'s H and grad H against <paramref name="truth"/> at every saved state
    /// of <paramref name="trajectory"/> (usually the model's own rollout). H is compared as H-hat - <paramref name="energyOffset"/>
    /// against H: a learned H is defined up to a constant, which the anchor fixes; pass the difference of the
    /// constants (e.g. H-hat(x0) - H(x0)) when the model was anchored differently.
    /// </summary>
    public static ModelErrorSeries ModelError(HamiltonianField model, HamiltonianField truth, Trajectory trajectory, double energyOffset = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(trajectory);
        CheckDim(model, trajectory);
        CheckDim(truth, trajectory);
        if (!double.IsFinite(energyOffset))
        {
            throw new ArgumentOutOfRangeException(nameof(energyOffset), energyOffset, "energy offset must be finite");
        }

        var count = trajectory.Count;
        var length = trajectory.Length;
        var dim = trajectory.Dim;
        var energyRelative = NewSeries(count, length);
        var gradientRelative = NewSeries(count, length);
        var maxEnergy = new double[length];
        var maxGradient = new double[length];
        var hModel = new double[count];
        var hTrue = new double[count];
        var gModel = Batch.New(dim, count);
        var gTrue = Batch.New(dim, count);
        double hErr = 0, hRef = 0, gErr = 0, gRef = 0;
        for (var k = 0; k < length; k++)
        {
            var x = trajectory.States[k];
            model.Energy(x, hModel);
            truth.Energy(x, hTrue);
            model.Gradient(x, gModel);
            truth.Gradient(x, gTrue);
            for (var m = 0; m < count; m++)
            {
                var e = hModel[m] - energyOffset - hTrue[m];
                energyRelative[m][k] = Math.Abs(e) / Math.Max(Math.Abs(hTrue[m]), Tiny);
                hErr += e * e;
                hRef += hTrue[m] * hTrue[m];
                double ge = 0, gr = 0;
                for (var i = 0; i < dim; i++)
                {
                    var d = gModel[i][m] - gTrue[i][m];
                    ge += d * d;
                    gr += gTrue[i][m] * gTrue[i][m];
                }

                gradientRelative[m][k] = Math.Sqrt(ge) / Math.Max(Math.Sqrt(gr), Tiny);
                gErr += ge;
                gRef += gr;
                maxEnergy[k] = Math.Max(maxEnergy[k], energyRelative[m][k]);
                maxGradient[k] = Math.Max(maxGradient[k], gradientRelative[m][k]);
            }
        }

        return new ModelErrorSeries(
            (double[])trajectory.Times.Clone(), energyRelative, gradientRelative, maxEnergy, maxGradient,
            Math.Sqrt(hErr) / Math.Max(Math.Sqrt(hRef), Tiny), Math.Sqrt(gErr) / Math.Max(Math.Sqrt(gRef), Tiny));
    }

    /// <summary>
    /// Poincaré section: the crossings of x[<paramref name="coordinate"/>] = <paramref name="level"/> (default q_1 = 0)
    /// between consecutive saved states, kept where the conjugate momentum x[d + coordinate] is &gt; 0 at the crossing
    /// (the Hénon–Heiles convention q_1 = 0, p_1 &gt; 0; plot (q_2, p_2) with <see cref="PoincareSection.Plane"/>).
    /// A crossing is a change of side (x &lt; level versus x &gt;= level) in (t_0, t_end]; the initial state itself is
    /// never reported. With <paramref name="field"/> (the field that generated the trajectory) each crossing is located
    /// on the cubic Hermite interpolant built from the states and their time derivatives J grad H (error O(Δt^4));
    /// without it, by linear interpolation (error O(Δt^2)). Save densely enough that no two crossings fall between
    /// consecutive saves.
    /// </summary>
    public static PoincareSection Poincare(Trajectory trajectory, HamiltonianField? field = null, int coordinate = 0, double level = 0)
    {
        ArgumentNullException.ThrowIfNull(trajectory);
        var dim = trajectory.Dim;
        var dof = trajectory.Dof;
        if (coordinate < 0 || coordinate >= dof)
        {
            throw new ArgumentOutOfRangeException(nameof(coordinate), coordinate, $"the section coordinate must be a position index in [0, {dof - 1}]");
        }

        if (!double.IsFinite(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "the section level must be finite");
        }

        if (field is not null)
        {
            CheckDim(field, trajectory);
        }

        var count = trajectory.Count;
        var length = trajectory.Length;
        double[][][]? derivatives = null;
        if (field is not null)
        {
            derivatives = new double[length][][];
            for (var k = 0; k < length; k++)
            {
                derivatives[k] = Batch.New(dim, count);
                field.TimeDerivative(trajectory.States[k], derivatives[k]);
            }
        }

        var times = new double[count][];
        var points = new double[count][][];
        var x0 = new double[dim];
        var x1 = new double[dim];
        var f0 = new double[dim];
        var f1 = new double[dim];
        for (var m = 0; m < count; m++)
        {
            var crossingTimes = new List<double>();
            var crossingPoints = new List<double[]>();
            for (var k = 0; k + 1 < length; k++)
            {
                var a = trajectory.States[k][coordinate][m];
                var b = trajectory.States[k + 1][coordinate][m];
                if ((a >= level) == (b >= level))
                {
                    continue;
                }

                Batch.Gather(trajectory.States[k], m, x0);
                Batch.Gather(trajectory.States[k + 1], m, x1);
                var t0 = trajectory.Times[k];
                var dt = trajectory.Times[k + 1] - t0;
                var point = new double[dim];
                double s;
                if (derivatives is null)
                {
                    s = (a - level) / (a - b);
                    for (var i = 0; i < dim; i++)
                    {
                        point[i] = x0[i] + (s * (x1[i] - x0[i]));
                    }
                }
                else
                {
                    Batch.Gather(derivatives[k], m, f0);
                    Batch.Gather(derivatives[k + 1], m, f1);
                    s = HermiteRoot(x0[coordinate] - level, x1[coordinate] - level, dt * f0[coordinate], dt * f1[coordinate]);
                    for (var i = 0; i < dim; i++)
                    {
                        point[i] = Hermite(s, x0[i], x1[i], dt * f0[i], dt * f1[i]);
                    }
                }

                point[coordinate] = level; // exactly on the section
                if (point[dof + coordinate] > 0)
                {
                    crossingTimes.Add(t0 + (s * dt));
                    crossingPoints.Add(point);
                }
            }

            times[m] = [.. crossingTimes];
            points[m] = [.. crossingPoints];
        }

        return new PoincareSection(coordinate, level, times, points);
    }

    /// <summary>Cubic Hermite interpolant on s in [0, 1] with end values y0, y1 and end slopes (already times Δt) d0, d1.</summary>
    internal static double Hermite(double s, double y0, double y1, double d0, double d1)
    {
        var s2 = s * s;
        var s3 = s2 * s;
        return (((2 * s3) - (3 * s2) + 1) * y0) + ((s3 - (2 * s2) + s) * d0) + (((-2 * s3) + (3 * s2)) * y1) + ((s3 - s2) * d1);
    }

    /// <summary>
    /// A root in [0, 1] of the Hermite cubic whose end values y0, y1 lie on different sides of 0 (y &lt; 0 versus
    /// y &gt;= 0), by bisection to the resolution of doubles.
    /// </summary>
    internal static double HermiteRoot(double y0, double y1, double d0, double d1)
    {
        double lo = 0, hi = 1;
        var loSide = y0 >= 0;
        for (var iteration = 0; iteration < 200; iteration++)
        {
            var mid = 0.5 * (lo + hi);
            if (mid <= lo || mid >= hi)
            {
                break;
            }

            if ((Hermite(mid, y0, y1, d0, d1) >= 0) == loSide)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return 0.5 * (lo + hi);
    }

    private static double[][] NewSeries(int count, int length)
    {
        var series = new double[count][];
        for (var m = 0; m < count; m++)
        {
            series[m] = new double[length];
        }

        return series;
    }

    private static void CheckDim(HamiltonianField field, Trajectory trajectory)
    {
        if (field.Dim != trajectory.Dim)
        {
            throw new ArgumentException(
                $"the field has state dimension {field.Dim} (dof {field.Dof}) but the trajectory has {trajectory.Dim}", nameof(trajectory));
        }
    }

    private static void CheckAligned(Trajectory actual, Trajectory reference)
    {
        if (actual.Dim != reference.Dim || actual.Count != reference.Count || actual.Length != reference.Length)
        {
            throw new ArgumentException(
                $"trajectories differ in shape: {actual.Length} times x {actual.Dim} coordinates x {actual.Count} states versus " +
                $"{reference.Length} x {reference.Dim} x {reference.Count}", nameof(reference));
        }

        for (var k = 0; k < actual.Length; k++)
        {
            var a = actual.Times[k];
            var r = reference.Times[k];
            if (Math.Abs(a - r) > 1e-12 * (1 + Math.Abs(r)))
            {
                throw new ArgumentException($"trajectories are saved at different times: index {k} is t = {a:g17} versus {r:g17}", nameof(reference));
            }
        }
    }
}
