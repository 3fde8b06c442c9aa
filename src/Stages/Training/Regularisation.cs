using System.Globalization;

namespace Hnn.Stages.Training;

/// <summary>How the output-layer solve is regularised (docs/ALGORITHM.md §2.4).</summary>
public enum RegularisationKind
{
    /// <summary>Truncated SVD: singular values s_i &lt;= rcond s_max are dropped (dgelsd's rule; today's solve).</summary>
    Rcond,

    /// <summary>Tikhonov / ridge: minimise ||A c - y||^2 + (lambda s_max)^2 ||c||^2 (lambda relative to s_max, like rcond).</summary>
    Ridge,
}

/// <summary>One regularisation: a kind and its (relative, dimensionless) parameter.</summary>
/// <param name="Kind">Truncation or ridge.</param>
/// <param name="Value">rcond in [0, 1), or lambda &gt;= 0 (finite).</param>
public readonly record struct Regularisation(RegularisationKind Kind, double Value)
{
    /// <summary>Truncation at <paramref name="rcond"/>.</summary>
    public static Regularisation Rcond(double rcond) => new Regularisation(RegularisationKind.Rcond, rcond).Checked();

    /// <summary>Ridge with relative parameter <paramref name="lambda"/>.</summary>
    public static Regularisation Ridge(double lambda) => new Regularisation(RegularisationKind.Ridge, lambda).Checked();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value outside its range.</summary>
    public Regularisation Checked()
    {
        var ok = Kind switch
        {
            RegularisationKind.Rcond => Value >= 0 && Value < 1,
            RegularisationKind.Ridge => Value >= 0 && double.IsFinite(Value),
            _ => false,
        };
        return ok
            ? this
            : throw new ArgumentOutOfRangeException(nameof(Value), Value, Kind == RegularisationKind.Rcond ? "rcond must be in [0, 1)" : "lambda must be finite and >= 0");
    }

    /// <summary><c>rcond=1e-13</c> or <c>ridge=1e-08</c> (culture-invariant, round-trippable).</summary>
    public override string ToString() =>
        (Kind == RegularisationKind.Rcond ? "rcond=" : "ridge=") + Value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// The SVD R = U diag(s) V^T of a <see cref="ReducedProblem"/>'s triangle and beta = U^T Q^T y: every regularised solution,
/// its residual, its effective degrees of freedom and its generalised cross-validation score follow in O(n) or O(n^2)
/// (docs/ALGORITHM.md §2.4). Immutable and thread-safe after construction.
/// </summary>
public sealed class SpectralSolve
{
    private readonly double[] _s;
    private readonly double[] _vt;
    private readonly double[] _beta;

    private SpectralSolve(double[] s, double[] vt, double[] beta, int n, double residual, long rows)
    {
        _s = s;
        _vt = vt;
        _beta = beta;
        N = n;
        Residual = residual;
        Rows = rows;
    }

    /// <summary>SVD of the problem's n x n triangle (one LAPACK dgesdd call, or the managed SVD).</summary>
    public static SpectralSolve Create(Hnn.Stages.Numerics.ILinearAlgebra la, ReducedProblem problem)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(problem);
        var n = problem.N;
        var svd = la.Svd(problem.R, n, n);
        var beta = new double[n];
        for (var i = 0; i < n; i++)
        {
            // beta_i = u_i . Q^T y (column i of U, contiguous).
            beta[i] = System.Numerics.Tensors.TensorPrimitives.Dot(svd.U.AsSpan(i * n, n), problem.Qty);
        }

        return new SpectralSolve(svd.S, svd.VT, beta, n, problem.Residual, problem.Rows);
    }

    /// <summary>Unknowns n.</summary>
    public int N { get; }

    /// <summary>Rows m of the full problem.</summary>
    public long Rows { get; }

    /// <summary>Norm of the unreachable part of y.</summary>
    public double Residual { get; }

    /// <summary>The largest singular value.</summary>
    public double SigmaMax => _s[0];

    /// <summary>The singular values, descending (a copy).</summary>
    public double[] SingularValues => (double[])_s.Clone();

    /// <summary>beta = U^T Q^T y (a copy).</summary>
    public double[] Beta => (double[])_beta.Clone();

    /// <summary>V^T, n x n column-major (entry (i, j) at i + j n; a view, do not modify).</summary>
    internal ReadOnlySpan<double> VT => _vt;

    internal ReadOnlySpan<double> S => _s;

    internal ReadOnlySpan<double> BetaSpan => _beta;

    /// <summary>Singular values kept by truncation at <paramref name="rcond"/> (s_i &gt; rcond s_max, as dgelsd).</summary>
    public int Rank(double rcond)
    {
        var threshold = rcond * _s[0];
        var k = 0;
        while (k < N && _s[k] > threshold)
        {
            k++;
        }

        return k;
    }

    /// <summary>The filter factors f_i in [0, 1] of the regularisation (solution = sum_i f_i beta_i / s_i v_i).</summary>
    public double[] Filter(Regularisation regularisation)
    {
        regularisation.Checked();
        if (regularisation.Kind == RegularisationKind.Rcond)
        {
            return TruncationFilter(Rank(regularisation.Value));
        }

        var f = new double[N];
        var l2 = Square(regularisation.Value * _s[0]);
        for (var i = 0; i < N; i++)
        {
            var s2 = _s[i] * _s[i];
            f[i] = s2 > 0 ? s2 / (s2 + l2) : 0;
        }

        return f;
    }

    /// <summary>The filter of a truncation that keeps the <paramref name="rank"/> largest singular directions (1 there, 0 after).</summary>
    public double[] TruncationFilter(int rank)
    {
        var f = new double[N];
        Array.Fill(f, 1.0, 0, rank);
        return f;
    }

    /// <summary>The regularised solution c (n entries; for the output layer c_1..c_N, c_0 last).</summary>
    public double[] Solve(Regularisation regularisation) => SolveFiltered(Filter(regularisation));

    /// <summary>c = V (f beta / s) for given filter factors.</summary>
    public double[] SolveFiltered(ReadOnlySpan<double> filter)
    {
        var g = Coefficients(filter);
        var c = new double[N];
        for (var j = 0; j < N; j++)
        {
            // c_j = sum_i V[j, i] g_i = sum_i VT[i, j] g_i: column j of VT is contiguous.
            c[j] = System.Numerics.Tensors.TensorPrimitives.Dot(_vt.AsSpan(j * N, N), g);
        }

        return c;
    }

    /// <summary>g_i = f_i beta_i / s_i (0 where s_i = 0): the solution in the basis of the right singular vectors.</summary>
    internal double[] Coefficients(ReadOnlySpan<double> filter)
    {
        var g = new double[N];
        for (var i = 0; i < N; i++)
        {
            g[i] = _s[i] > 0 && filter[i] != 0 ? filter[i] * _beta[i] / _s[i] : 0;
        }

        return g;
    }

    /// <summary>Effective degrees of freedom: the trace of the hat matrix, sum_i f_i.</summary>
    public static double EffectiveDof(ReadOnlySpan<double> filter)
    {
        double t = 0;
        foreach (var f in filter)
        {
            t += f;
        }

        return t;
    }

    /// <summary>||A c - y||^2 of the filtered solution: sum_i ((1 - f_i) beta_i)^2 + residual^2.</summary>
    public double ResidualSquared(ReadOnlySpan<double> filter)
    {
        var r2 = Residual * Residual;
        for (var i = 0; i < N; i++)
        {
            r2 += Square((1 - filter[i]) * _beta[i]);
        }

        return r2;
    }

    /// <summary>||c||^2 of the filtered solution.</summary>
    public double SolutionNormSquared(ReadOnlySpan<double> filter)
    {
        double c2 = 0;
        foreach (var g in Coefficients(filter))
        {
            c2 += g * g;
        }

        return c2;
    }

    /// <summary>
    /// Generalised cross-validation (Golub, Heath and Wahba 1979): m ||A c - y||^2 / (m - trace(hat))^2; +infinity when
    /// the trace reaches m.
    /// </summary>
    public double Gcv(Regularisation regularisation) => Gcv(Filter(regularisation));

    /// <summary><see cref="Gcv(Regularisation)"/> for given filter factors.</summary>
    public double Gcv(ReadOnlySpan<double> filter)
    {
        var m = (double)Rows;
        var free = m - EffectiveDof(filter);
        return free > 0 ? m * ResidualSquared(filter) / (free * free) : double.PositiveInfinity;
    }

    internal static double Square(double v) => v * v;
}
