using System.Globalization;
using Hnn.Datasets;

namespace Hnn.Stages.Rollout;

/// <summary>How observation noise scales.</summary>
public enum NoiseKind
{
    /// <summary>x + sigma e, e ~ N(0, 1) per coordinate and observation.</summary>
    Absolute,

    /// <summary>
    /// x_i + sigma s_i e: s_i is the root mean square of coordinate i over every noise-free observation of the set, so
    /// sigma is the noise level relative to the data's size (a coordinate near 0 still gets noise).
    /// </summary>
    Relative,
}

/// <summary>
/// Settings of generated trajectories (<c>data.trajectories</c>): <paramref name="Count"/> initial states uniform in the
/// domain, each observed every <paramref name="Dt"/> for <paramref name="Steps"/> steps (so Steps + 1 observations),
/// then noise of level <paramref name="NoiseSigma"/> added; all randomness from <paramref name="Seed"/>.
/// </summary>
public sealed record TrajectorySettings(int Count, double Dt, int Steps, double NoiseSigma = 0, NoiseKind Noise = NoiseKind.Absolute, ulong Seed = 0)
{
    /// <summary>The integration tolerance (rtol = atol) of DOP853: tight, so that the data are exact to ~1e-13.</summary>
    public const double Tolerance = 1e-13;

    /// <summary>Steps from an end time: t_end / dt must be a whole number (to 1e-9 relative) of at least 1.</summary>
    /// <exception cref="ArgumentException">t_end or dt not finite and positive, or t_end / dt not a whole number.</exception>
    public static int StepsFor(double tEnd, double dt)
    {
        if (!(dt > 0) || !double.IsFinite(dt) || !(tEnd > 0) || !double.IsFinite(tEnd))
        {
            throw new ArgumentException($"t_end = {Format(tEnd)} and dt = {Format(dt)} must be finite and > 0");
        }

        var ratio = tEnd / dt;
        var steps = Math.Round(ratio);
        if (steps < 1 || steps > int.MaxValue || Math.Abs(ratio - steps) > 1e-9 * steps)
        {
            throw new ArgumentException($"t_end / dt = {Format(ratio)} must be a whole number >= 1 (t_end = {Format(tEnd)}, dt = {Format(dt)})");
        }

        return (int)steps;
    }

    /// <summary>Checks every field; the message names the field, its value and what is allowed.</summary>
    public void Validate()
    {
        if (Count < 1)
        {
            throw new ArgumentException($"count = {Count}; allowed: an integer >= 1");
        }

        if (!(Dt > 0) || !double.IsFinite(Dt))
        {
            throw new ArgumentException($"dt = {Format(Dt)}; allowed: finite and > 0");
        }

        if (Steps < 1)
        {
            throw new ArgumentException($"steps = {Steps}; allowed: an integer >= 1");
        }

        if (!(NoiseSigma >= 0) || !double.IsFinite(NoiseSigma))
        {
            throw new ArgumentException($"noise.sigma = {Format(NoiseSigma)}; allowed: finite and >= 0");
        }

        if (!Enum.IsDefined(Noise))
        {
            throw new ArgumentException($"noise.kind = {Noise}; allowed: absolute, relative");
        }
    }

    private static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// Generated trajectories (pure: randomness only from the seed). Initial states: uniform in the domain, drawn trajectory
/// after trajectory, coordinates q_1..q_d, p_1..p_d, from <c>Rng.Derive(seed, "trajectories/initial")</c>. All
/// trajectories are integrated together by the adaptive DOP853 at rtol = atol = <see cref="TrajectorySettings.Tolerance"/>
/// and read exactly at t = n dt (n = 0..steps). Noise (if sigma &gt; 0) is added afterwards, to every observation including
/// the first, from <c>Rng.Derive(seed, "trajectories/noise")</c> in the order trajectory, observation, coordinate.
/// <c>steps: 1</c> gives flow-map pairs (x, phi_dt(x)) with x uniform in the domain.
/// </summary>
public static class TrajectoryGenerator
{
    /// <summary>The trajectories; ids are "0", "1", ...</summary>
    /// <exception cref="ArgumentException">Bad settings or domain.</exception>
    /// <exception cref="InvalidOperationException">DOP853 failed (e.g. a blow-up); the message says where.</exception>
    public static TrajectorySet Generate(HamiltonianSystem system, Domain domain, TrajectorySettings settings, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var d = system.Dof;
        domain.Validate(d);
        var dim = 2 * d;
        var intervals = domain.Q.Concat(domain.P).ToArray();
        var x0 = Batch.New(dim, settings.Count);
        var rng = new Rng(Rng.Derive(settings.Seed, "trajectories/initial"));
        for (var m = 0; m < settings.Count; m++)
        {
            for (var i = 0; i < dim; i++)
            {
                x0[i][m] = rng.NextUniform(intervals[i].Lower, intervals[i].Upper);
            }
        }

        var times = new double[settings.Steps + 1];
        for (var n = 0; n < times.Length; n++)
        {
            times[n] = n * settings.Dt;
        }

        var solved = Rollouts.Reference(HamiltonianField.Exact(system), x0, times, TrajectorySettings.Tolerance, ct);
        var states = new double[settings.Count][][];
        for (var m = 0; m < settings.Count; m++)
        {
            states[m] = new double[dim][];
            for (var i = 0; i < dim; i++)
            {
                var col = new double[times.Length];
                for (var n = 0; n < times.Length; n++)
                {
                    col[n] = solved.States[n][i][m];
                }

                states[m][i] = col;
            }
        }

        if (settings.NoiseSigma > 0)
        {
            AddNoise(states, settings);
        }

        return new TrajectorySet([.. states.Select((s, m) => new TrajectorySeries(m.ToString(CultureInfo.InvariantCulture), (double[])times.Clone(), s))]);
    }

    private static void AddNoise(double[][][] states, TrajectorySettings settings)
    {
        var dim = states[0].Length;
        var scale = new double[dim];
        for (var i = 0; i < dim; i++)
        {
            if (settings.Noise == NoiseKind.Absolute)
            {
                scale[i] = settings.NoiseSigma;
                continue;
            }

            double sum = 0;
            long n = 0;
            foreach (var s in states)
            {
                foreach (var v in s[i])
                {
                    sum += v * v;
                    n++;
                }
            }

            scale[i] = settings.NoiseSigma * Math.Sqrt(sum / n);
        }

        var rng = new Rng(Rng.Derive(settings.Seed, "trajectories/noise"));
        foreach (var s in states)
        {
            for (var n = 0; n < s[0].Length; n++)
            {
                for (var i = 0; i < dim; i++)
                {
                    s[i][n] += scale[i] * rng.NextNormal();
                }
            }
        }
    }
}
