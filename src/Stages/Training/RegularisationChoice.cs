using System.Numerics.Tensors;

namespace Hnn.Stages.Training;

/// <summary>The criterion an automatic regularisation minimises.</summary>
public enum AutoCriterion
{
    /// <summary>Relative L2 error on separate validation rows (a small system A_v c ~ y_v).</summary>
    Validation,

    /// <summary>Generalised cross-validation from the SVD alone (no extra data).</summary>
    Gcv,

    /// <summary>
    /// <see cref="Validation"/> on the parts of the validation trajectories inside the domain where H is claimed (each cut at
    /// its first observation outside; <see cref="TrajectoryBandCalibration.InDomain"/>): the rows are built by the caller,
    /// the choice is the same (docs/ALGORITHM.md §2.4).
    /// </summary>
    ValidationInDomain,
}

/// <summary>
/// Validation rows A_v c ~ y_v projected once onto the right singular vectors (P = A_v V, m_v x n), so that the
/// validation error of any regularised solution costs O(m_v n), and of every truncation rank together O(m_v n).
/// </summary>
public sealed class ValidationRows
{
    private readonly double[] _p;
    private readonly double[] _y;
    private readonly int _rows;
    private readonly int _n;
    private readonly double _yNorm;

    /// <summary>Projects <paramref name="validation"/> (same unknowns as the solve) onto V.</summary>
    public ValidationRows(SpectralSolve solve, LinearSystem validation)
    {
        ArgumentNullException.ThrowIfNull(solve);
        ArgumentNullException.ThrowIfNull(validation);
        if (validation.Cols != solve.N)
        {
            throw new ArgumentException($"validation rows have {validation.Cols} unknowns, the solve {solve.N}", nameof(validation));
        }

        if (validation.Rows < 1)
        {
            throw new ArgumentException("validation needs at least one row", nameof(validation));
        }

        _rows = validation.Rows;
        _n = solve.N;
        _p = new double[(long)_rows * _n];
        var vt = solve.VT;
        for (var i = 0; i < _n; i++)
        {
            // P[:, i] = sum_j A_v[:, j] V[j, i], V[j, i] = VT[i, j].
            var column = _p.AsSpan(i * _rows, _rows);
            for (var j = 0; j < _n; j++)
            {
                var v = vt[i + (j * _n)];
                if (v != 0)
                {
                    TensorPrimitives.MultiplyAdd(validation.A.AsSpan(j * _rows, _rows), v, column, column);
                }
            }
        }

        _y = (double[])validation.B.Clone();
        _yNorm = Math.Sqrt(TensorPrimitives.SumOfSquares(_y));
        Solve = solve;
    }

    /// <summary>The solve the rows were projected for.</summary>
    public SpectralSolve Solve { get; }

    /// <summary>||A_v c - y_v|| / ||y_v|| (absolute norm when y_v = 0) of the filtered solution.</summary>
    public double Error(ReadOnlySpan<double> filter)
    {
        var g = Solve.Coefficients(filter);
        var prediction = new double[_rows];
        for (var i = 0; i < _n; i++)
        {
            if (g[i] != 0)
            {
                TensorPrimitives.MultiplyAdd(_p.AsSpan(i * _rows, _rows), g[i], prediction, prediction);
            }
        }

        TensorPrimitives.Subtract(prediction, _y, prediction);
        return Relative(Math.Sqrt(TensorPrimitives.SumOfSquares(prediction)));
    }

    /// <summary>The validation error of truncation at every rank k = 1..n (entry k - 1), incrementally.</summary>
    public double[] ErrorsByRank()
    {
        var g = Solve.Coefficients(Enumerable.Repeat(1.0, _n).ToArray());
        var residual = new double[_rows];
        TensorPrimitives.Negate(_y, residual);
        var errors = new double[_n];
        for (var k = 0; k < _n; k++)
        {
            if (g[k] != 0)
            {
                TensorPrimitives.MultiplyAdd(_p.AsSpan(k * _rows, _rows), g[k], residual, residual);
            }

            errors[k] = Relative(Math.Sqrt(TensorPrimitives.SumOfSquares(residual)));
        }

        return errors;
    }

    /// <summary>Number of validation rows m_v.</summary>
    public int Count => _rows;

    /// <summary>
    /// The held-out residuals r_v = a_v . c - y_v of the filtered solution and the rows' leverages
    /// l_v = a_v^T (A^T A + mu I)^-1 a_v = sum_i (a_v . v_i)^2 / (s_i^2 + mu) (unitless; mu = 0 for the plain
    /// least-squares covariance, then directions with s_i = 0 are skipped). Under the Bayesian output layer's model a
    /// validation row's predictive variance is sigma^2 (1 + l_v) (docs/ALGORITHM.md §2.5).
    /// </summary>
    public (double[] Residuals, double[] Leverages) Predictive(ReadOnlySpan<double> filter, double mu)
    {
        var s = Solve.S;
        var weights = new double[_n];
        for (var i = 0; i < _n; i++)
        {
            var denominator = (s[i] * s[i]) + mu;
            weights[i] = denominator > 0 ? 1 / denominator : 0;
        }

        return Predictive(filter, weights);
    }

    /// <summary>
    /// <see cref="Predictive(ReadOnlySpan{double}, double)"/> with the posterior's variance weights w_i per right singular
    /// direction given: l_v = sum_i (a_v . v_i)^2 w_i (w_i = 1 / (s_i^2 + mu) for ridge; 1 / s_i^2 on the kept and 0 on the
    /// dropped directions for truncation).
    /// </summary>
    public (double[] Residuals, double[] Leverages) Predictive(ReadOnlySpan<double> filter, ReadOnlySpan<double> weights)
    {
        if (weights.Length != _n)
        {
            throw new ArgumentException($"{weights.Length} weights for {_n} directions", nameof(weights));
        }

        var g = Solve.Coefficients(filter);
        var residual = new double[_rows];
        TensorPrimitives.Negate(_y, residual);
        var leverage = new double[_rows];
        var square = new double[_rows];
        for (var i = 0; i < _n; i++)
        {
            var column = _p.AsSpan(i * _rows, _rows);
            if (g[i] != 0)
            {
                TensorPrimitives.MultiplyAdd(column, g[i], residual, residual);
            }

            if (weights[i] > 0)
            {
                TensorPrimitives.Multiply(column, column, square);
                TensorPrimitives.MultiplyAdd(square, weights[i], leverage, leverage);
            }
        }

        return (residual, leverage);
    }

    private double Relative(double norm) => _yNorm > 0 ? norm / _yNorm : norm;
}

/// <summary>One candidate of an automatic choice and its score (lower is better).</summary>
public readonly record struct RegularisationScore(Regularisation Candidate, double Score);

/// <summary>
/// The outcome of an automatic choice: the chosen regularisation, the criterion and its score, the rank (truncation)
/// or effective degrees of freedom (ridge) of the chosen solution, and every candidate scored.
/// </summary>
public sealed record AutoChoice(Regularisation Chosen, AutoCriterion Criterion, double Score, double EffectiveDof, IReadOnlyList<RegularisationScore> Candidates);

/// <summary>
/// Automatic choice of rcond or lambda (docs/ALGORITHM.md §2.4). Truncation: every rank k from 1 to the numerical rank
/// is a candidate, reported as rcond = sqrt(s_k s_(k+1)) / s_max (the geometric middle of the gap, which reproduces
/// rank k under dgelsd's rule). Ridge: lambda on a log grid (default <see cref="DefaultLambdaGrid"/>), then refined by
/// golden-section search in log lambda between the best grid point's neighbours. Ties go to the stronger
/// regularisation. Pure; deterministic.
/// </summary>
public static class RegularisationChoice
{
    /// <summary>Smallest rcond considered: singular values below 1e-16 s_max are rounding noise of the triangle.</summary>
    public const double MinRcond = 1e-16;

    /// <summary>lambda = 10^(-16 + i/4), i = 0..64 (1e-16 .. 1).</summary>
    public static IReadOnlyList<double> DefaultLambdaGrid { get; } = [.. Enumerable.Range(0, 65).Select(i => Math.Pow(10, -16 + (i / 4.0)))];

    /// <summary>
    /// Chooses the regularisation of <paramref name="kind"/> minimising <paramref name="criterion"/>; validation
    /// requires <paramref name="validation"/> (projected for the same solve).
    /// </summary>
    public static AutoChoice Choose(SpectralSolve solve, RegularisationKind kind, AutoCriterion criterion, ValidationRows? validation = null,
        IReadOnlyList<double>? lambdaGrid = null)
    {
        ArgumentNullException.ThrowIfNull(solve);
        if (criterion != AutoCriterion.Gcv)
        {
            if (validation is null)
            {
                throw new ArgumentException("the validation criterion needs validation rows", nameof(validation));
            }

            if (!ReferenceEquals(validation.Solve, solve))
            {
                throw new ArgumentException("the validation rows were projected for another solve", nameof(validation));
            }
        }

        return kind == RegularisationKind.Rcond
            ? ChooseRank(solve, criterion, validation)
            : ChooseLambda(solve, criterion, validation, lambdaGrid ?? DefaultLambdaGrid);
    }

    /// <summary>The criterion's score of one regularisation.</summary>
    public static double Score(SpectralSolve solve, Regularisation regularisation, AutoCriterion criterion, ValidationRows? validation)
    {
        ArgumentNullException.ThrowIfNull(solve);
        var filter = solve.Filter(regularisation);
        return criterion == AutoCriterion.Gcv ? solve.Gcv(filter) : (validation ?? throw new ArgumentNullException(nameof(validation))).Error(filter);
    }

    private static AutoChoice ChooseRank(SpectralSolve solve, AutoCriterion criterion, ValidationRows? validation)
    {
        var s = solve.S;
        var n = solve.N;
        var maxRank = solve.Rank(MinRcond);
        if (maxRank == 0)
        {
            throw new ArgumentException("the triangle is zero: nothing to choose", nameof(solve));
        }

        var byRank = criterion != AutoCriterion.Gcv ? validation!.ErrorsByRank() : null;
        var candidates = new List<RegularisationScore>(maxRank);
        var filter = new double[n];
        var best = -1;
        var bestScore = double.PositiveInfinity;
        for (var k = 1; k <= maxRank; k++)
        {
            filter[k - 1] = 1;
            var next = k < n ? s[k] : 0;
            if (next >= s[k - 1])
            {
                continue; // equal singular values: rank k cannot be told from rank k + 1 by an rcond
            }

            var rcond = Math.Max(MinRcond, (next > 0 ? Math.Sqrt(s[k - 1] * next) : s[k - 1] / 2) / s[0]);
            var score = byRank is not null ? byRank[k - 1] : solve.Gcv(filter);
            candidates.Add(new RegularisationScore(Regularisation.Rcond(rcond), score));
            if (score < bestScore)
            {
                bestScore = score;
                best = candidates.Count - 1;
            }
        }

        if (best < 0)
        {
            throw new InvalidOperationException("no rank gave a finite score");
        }

        var chosen = candidates[best].Candidate;
        return new AutoChoice(chosen, criterion, bestScore, solve.Rank(chosen.Value), candidates);
    }

    private static AutoChoice ChooseLambda(SpectralSolve solve, AutoCriterion criterion, ValidationRows? validation, IReadOnlyList<double> grid)
    {
        if (grid.Count == 0 || grid.Any(l => !(l > 0) || !double.IsFinite(l)))
        {
            throw new ArgumentException("the lambda grid must be non-empty, positive and finite", nameof(grid));
        }

        double F(double lambda) => Score(solve, Regularisation.Ridge(lambda), criterion, validation);
        var (chosen, score, candidates) = MinimiseLog(grid, F);
        var reg = Regularisation.Ridge(chosen);
        return new AutoChoice(reg, criterion, score, SpectralSolve.EffectiveDof(solve.Filter(reg)), candidates.Select(c => new RegularisationScore(Regularisation.Ridge(c.X), c.Y)).ToArray());
    }

    /// <summary>
    /// Minimum of f over a sorted positive grid (ties to the larger x), refined by 30 golden-section steps in log x between
    /// the best point's neighbours. Returns the minimiser, its value, and the grid values (sorted ascending).
    /// </summary>
    internal static (double X, double Y, IReadOnlyList<(double X, double Y)> Grid) MinimiseLog(IReadOnlyList<double> grid, Func<double, double> f)
    {
        var xs = grid.Order().ToArray();
        var ys = xs.Select(f).ToArray();
        var best = -1;
        for (var i = 0; i < xs.Length; i++)
        {
            if (!double.IsNaN(ys[i]) && (best < 0 || ys[i] <= ys[best]))
            {
                best = i;
            }
        }

        if (best < 0 || double.IsInfinity(ys[best]))
        {
            throw new InvalidOperationException("no grid point gave a finite score");
        }

        var x = xs[best];
        var y = ys[best];
        if (xs.Length >= 3)
        {
            var a = Math.Log(xs[Math.Max(0, best - 1)]);
            var b = Math.Log(xs[Math.Min(xs.Length - 1, best + 1)]);
            var ratio = (Math.Sqrt(5) - 1) / 2;
            var c = b - (ratio * (b - a));
            var d = a + (ratio * (b - a));
            var fc = f(Math.Exp(c));
            var fd = f(Math.Exp(d));
            for (var it = 0; it < 30; it++)
            {
                if (fc < fd)
                {
                    b = d;
                    d = c;
                    fd = fc;
                    c = b - (ratio * (b - a));
                    fc = f(Math.Exp(c));
                }
                else
                {
                    a = c;
                    c = d;
                    fc = fd;
                    d = a + (ratio * (b - a));
                    fd = f(Math.Exp(d));
                }
            }

            var (xr, yr) = fc < fd ? (Math.Exp(c), fc) : (Math.Exp(d), fd);
            if (yr < y)
            {
                x = xr;
                y = yr;
            }
        }

        return (x, y, xs.Zip(ys).ToArray());
    }
}
