using System.Collections.ObjectModel;
using System.Text;

namespace Hnn.Datasets;

/// <summary>
/// A Hamiltonian system with <see cref="Dof"/> degrees of freedom. States are laid out as
/// x = (q_1..q_d, p_1..p_d), d = <see cref="Dof"/>, and gradients as (dH/dq_1..dH/dq_d, dH/dp_1..dH/dp_d).
/// Implementations are pure (no I/O, no randomness), immutable and thread-safe.
/// </summary>
/// <remarks>
/// Equality is by value: two systems are equal when they are of the same type and have the same parameter
/// values. <see cref="ToString"/> returns a canonical, culture-invariant description such as
/// <c>single-pendulum(f=1)</c> (parameters sorted by name, values round-trippable), usable in cache keys.
/// </remarks>
public abstract record HamiltonianSystem
{
    /// <summary>Registry name (see <see cref="SystemRegistry"/>), e.g. <c>single-pendulum</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Degrees of freedom d; the state has 2d coordinates.</summary>
    public abstract int Dof { get; }

    /// <summary>
    /// Canonical parameter values (every parameter, defaults included), keyed by the registry parameter
    /// name and enumerated in ordinal order of the key. Empty for parameter-free systems.
    /// Passing these to <see cref="SystemRegistry.Create"/> with <see cref="Name"/> recreates an equal system.
    /// </summary>
    public abstract IReadOnlyDictionary<string, double> Parameters { get; }

    /// <summary>
    /// A natural anchor point x0 (length 2d) where H is pinned when learning H from its gradient — an
    /// equilibrium where one exists naturally — or null. Returns a fresh array on every call.
    /// </summary>
    public virtual double[]? DefaultAnchor => null;

    /// <summary>
    /// The classic initial state for a rollout (length 2d), or null when the system has none (then rollouts start from
    /// states drawn from the domain). Returns a fresh array on every call.
    /// </summary>
    public virtual double[]? DefaultRolloutStart => null;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless <paramref name="domain"/> is a valid box for this system: by default
    /// <see cref="Domain.Validate"/> with <see cref="Dof"/>; a system with a singularity also refuses boxes that contain
    /// it (<see cref="Kepler"/>: q = 0). <see cref="DataGenerator.Sample"/> calls it before drawing.
    /// </summary>
    public virtual void CheckDomain(Domain domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        domain.Validate(Dof);
    }

    /// <summary>The Hamiltonian H(x). <paramref name="x"/> must have length 2·<see cref="Dof"/>.</summary>
    public abstract double Energy(ReadOnlySpan<double> x);

    /// <summary>
    /// The exact analytic gradient grad = (dH/dq, dH/dp). Both spans must have length 2·<see cref="Dof"/>
    /// and must not overlap.
    /// </summary>
    public abstract void Gradient(ReadOnlySpan<double> x, Span<double> grad);

    /// <summary>
    /// Hamilton's equations: dq/dt = dH/dp, dp/dt = -dH/dq. Both spans must have length 2·<see cref="Dof"/>
    /// and must not overlap.
    /// </summary>
    public void TimeDerivative(ReadOnlySpan<double> x, Span<double> dx)
    {
        Gradient(x, dx);
        int d = Dof;
        for (int i = 0; i < d; i++)
        {
            double dHdq = dx[i];
            dx[i] = dx[d + i];
            dx[d + i] = -dHdq;
        }
    }

    /// <summary>The state dimension 2·<see cref="Dof"/>.</summary>
    protected int StateLength => 2 * Dof;

    /// <summary>Throws <see cref="ArgumentException"/> if <paramref name="x"/> does not have length 2·Dof.</summary>
    protected void CheckState(ReadOnlySpan<double> x)
    {
        if (x.Length != StateLength)
        {
            throw new ArgumentException(
                $"State for system '{Name}' must have length 2*dof = {StateLength}, got {x.Length}.", nameof(x));
        }
    }

    /// <summary>Checks the lengths of a state and its gradient buffer and that they do not overlap.</summary>
    protected void CheckState(ReadOnlySpan<double> x, Span<double> output)
    {
        CheckState(x);
        if (output.Length != StateLength)
        {
            throw new ArgumentException(
                $"Output buffer for system '{Name}' must have length 2*dof = {StateLength}, got {output.Length}.",
                nameof(output));
        }

        if (x.Overlaps(output))
        {
            throw new ArgumentException("The state and the output buffer must not overlap.", nameof(output));
        }
    }

    /// <summary>Builds the read-only, ordinally sorted parameter dictionary.</summary>
    protected static IReadOnlyDictionary<string, double> MakeParameters(params (string Key, double Value)[] entries)
    {
        var sorted = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            sorted.Add(key, value);
        }

        return new ReadOnlyDictionary<string, double>(sorted);
    }

    /// <summary>Canonical description: <c>name</c> or <c>name(k1=v1,k2=v2)</c>, keys in ordinal order.</summary>
    public sealed override string ToString()
    {
        var parameters = Parameters;
        if (parameters.Count == 0)
        {
            return Name;
        }

        var sb = new StringBuilder(Name).Append('(');
        bool first = true;
        foreach (var key in parameters.Keys.OrderBy(k => k, StringComparer.Ordinal))
        {
            if (!first)
            {
                sb.Append(',');
            }

            sb.Append(key).Append('=').Append(Guard.Format(parameters[key]));
            first = false;
        }

        return sb.Append(')').ToString();
    }
}
