namespace Hnn.Stages.Sampling;

/// <summary>
/// The pair distances a separable U-SWIM selection needs (docs/ALGORITHM.md §2.1b), computed in one pass over
/// consecutive training rows without reading the candidates' points back: for every candidate pair k, |dx_q| and |dx_p|
/// with dx = x_to - x_from, the squares summed over each subspace's coordinates in order exactly as
/// <see cref="SwimSampler.SquaredDistance"/> does, then Math.Sqrt (so the values are bit for bit those of the in-memory
/// selection).
/// Rows are fed in order with <see cref="Add"/>; a candidate's first point (the smaller row index) is kept until its
/// second arrives. Holds O(candidates) numbers: the sorted point events (2 per pair), a slot per pair, the first
/// points' coordinates of the pairs open at once (dim per open pair: about half the pairs at the middle row for pairs
/// drawn uniformly) and the two results (2 per pair); never the data. Drop the object after <see cref="Distances"/>: the
/// events and first points are then garbage, only the results stay.
/// </summary>
public sealed class SubspaceDistances
{
    private readonly CandidatePairs _pairs;
    private readonly int _dim;
    private readonly int _half;
    private readonly long[] _events; // (row << 32) | (k << 1) | (1 if the row is pair k's To), ascending
    private readonly int[] _slot; // the slot of pair k's first point while the pair is open
    private readonly double[] _first; // slot s holds a first point's coordinates: [s * dim, (s + 1) * dim)
    private readonly int[] _free; // free slots: a stack, _free[0.._freeCount)
    private int _freeCount;
    private readonly double[] _q;
    private readonly double[] _p;
    private int _next;
    private long _rows;

    public SubspaceDistances(CandidatePairs pairs, int dim)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var (_, half) = SeparableLayer.Part(dim, true);
        _pairs = pairs;
        _dim = dim;
        _half = half;
        var m = pairs.Count;
        _events = new long[2L * m];
        for (var k = 0; k < m; k++)
        {
            if (pairs.From[k] == pairs.To[k] || pairs.From[k] < 0 || pairs.To[k] < 0)
            {
                throw new ArgumentException($"candidate {k} joins point {pairs.From[k]} to {pairs.To[k]}; a pair joins two distinct points", nameof(pairs));
            }

            _events[2 * k] = ((long)pairs.From[k] << 32) | ((long)k << 1);
            _events[(2 * k) + 1] = ((long)pairs.To[k] << 32) | ((long)k << 1) | 1;
        }

        Array.Sort(_events);

        // As many slots as pairs are ever open at once (first point seen, second not yet).
        int open = 0, peak = 0;
        foreach (var e in _events)
        {
            open += IsFirst(e) ? 1 : -1;
            peak = Math.Max(peak, open);
        }

        _slot = new int[m];
        _first = new double[(long)peak * dim];
        _free = new int[peak];
        for (var i = 0; i < peak; i++)
        {
            _free[i] = peak - 1 - i;
        }

        _freeCount = peak;
        _q = new double[m];
        _p = new double[m];
    }

    /// <summary>Rows [0, RowsNeeded) hold every candidate's points: the pass may stop there.</summary>
    public long RowsNeeded => _events.Length == 0 ? 0 : (_events[^1] >> 32) + 1;

    /// <summary>True when every candidate's two points have been seen.</summary>
    public bool Complete => _next == _events.Length;

    /// <summary>
    /// The next rows [start, start + count): <paramref name="x"/>[i][j] is coordinate i of row start + j; start must be
    /// the number of rows fed so far.
    /// </summary>
    public void Add(long start, double[][] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Length != _dim)
        {
            throw new ArgumentException($"{x.Length} coordinates, expected {_dim}", nameof(x));
        }

        if (start != _rows)
        {
            throw new ArgumentException($"rows must come in order: this chunk starts at row {start}, after {_rows} rows", nameof(start));
        }

        var count = x[0].Length;
        var end = start + count;
        for (; _next < _events.Length && (_events[_next] >> 32) < end; _next++)
        {
            var e = _events[_next];
            var j = (int)((e >> 32) - start);
            var k = (int)((e & 0xFFFFFFFFL) >> 1);
            var isTo = (e & 1) != 0;
            if (IsFirst(e))
            {
                // The pair's first point: keep its coordinates in a free slot until the second arrives.
                var slot = _free[--_freeCount];
                _slot[k] = slot;
                var at = (long)slot * _dim;
                for (var i = 0; i < _dim; i++)
                {
                    _first[at + i] = x[i][j];
                }

                continue;
            }

            var offset = (long)_slot[k] * _dim;
            _free[_freeCount++] = _slot[k];

            // The second point: d = x_to - x_from coordinate by coordinate, summed over each half in order.
            double q = 0, p = 0;
            for (var i = 0; i < _dim; i++)
            {
                var d = isTo ? x[i][j] - _first[offset + i] : _first[offset + i] - x[i][j];
                if (i < _half)
                {
                    q += d * d;
                }
                else
                {
                    p += d * d;
                }
            }

            _q[k] = Math.Sqrt(q);
            _p[k] = Math.Sqrt(p);
        }

        _rows = end;
    }

    /// <summary>True when event <paramref name="e"/> is its pair's first point (the smaller row of the two).</summary>
    private bool IsFirst(long e)
    {
        var k = (int)((e & 0xFFFFFFFFL) >> 1);
        var other = (e & 1) != 0 ? _pairs.From[k] : _pairs.To[k];
        return other > (e >> 32);
    }

    /// <summary>|dx_q| and |dx_p| of every candidate; throws unless every candidate's points were fed.</summary>
    public (double[] Q, double[] P) Distances()
    {
        if (!Complete)
        {
            throw new InvalidOperationException($"only {_rows} rows were fed; the candidates need rows up to {RowsNeeded}");
        }

        return (_q, _p);
    }
}
