namespace Hnn.Stages.Numerics;

/// <summary>
/// What the LAPACK and managed streaming QRs share: the Cols x Cols triangle R (leading dimension Cols, zero below
/// the diagonal and below row <see cref="RRows"/>), slicing of large blocks, merging and copying R out. A backend
/// supplies only <see cref="AbsorbRows"/>.
/// </summary>
internal abstract class QrAccumulatorBase : IQrAccumulator
{
    private readonly int _sliceRows;

    protected QrAccumulatorBase(int cols, int sliceRows)
    {
        Cols = cols;
        _sliceRows = sliceRows;
        _r = new AlignedBuffer(checked(cols * cols));
    }

    public int Cols { get; }

    public long RowsAbsorbed { get; private set; }

    private readonly AlignedBuffer _r;

    /// <summary>Cols x Cols, leading dimension Cols (64-byte aligned: see <see cref="AlignedBuffer"/>).</summary>
    protected Span<double> R => _r.Span;

    /// <summary>Rows of R in use (min(rows absorbed, Cols), or Cols once padded).</summary>
    protected int RRows { get; set; }

    public void Absorb(ReadOnlySpan<double> block, int rows)
    {
        NumericsGuard.CheckBlock(block, rows, Cols);
        if (Cols > 0)
        {
            for (var start = 0; start < rows; start += _sliceRows)
            {
                AbsorbRows(block, rows, start, Math.Min(_sliceRows, rows - start), trapezoidal: false);
            }
        }

        RowsAbsorbed += rows;
    }

    public virtual void AbsorbUpperTrapezoidal(double[] block, int rows) => Absorb(block, rows);

    public int RowsInR => RRows;

    public void CopyR(int rows, int firstCol, int cols, Span<double> destination)
    {
        if (rows < 0 || rows > RRows || firstCol < 0 || cols < 0 || firstCol + cols > Cols)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), $"rows {rows}, columns {firstCol}..{firstCol + cols} are outside R ({RRows} x {Cols})");
        }

        if (destination.Length < (long)rows * cols)
        {
            throw new ArgumentException($"destination has {destination.Length} entries, needs {rows} x {cols}", nameof(destination));
        }

        for (var j = 0; j < cols; j++)
        {
            R.Slice((firstCol + j) * Cols, rows).CopyTo(destination.Slice(j * rows, rows));
        }
    }

    public void Merge(IQrAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Cols != Cols)
        {
            throw new ArgumentException($"Cannot merge a QR accumulator with {other.Cols} columns into one with {Cols}.", nameof(other));
        }

        var otherRows = other.RowsAbsorbed;
        var r = other.GetR(out var rows);
        if (rows > 0)
        {
            AbsorbOwnedTrapezoid(r, rows);
        }

        RowsAbsorbed += otherRows;
    }

    public double[] GetR(out int rows)
    {
        rows = RRows;
        var result = new double[(long)rows * Cols];
        for (var j = 0; j < Cols; j++)
        {
            R.Slice(j * Cols, rows).CopyTo(result.AsSpan(j * rows, rows));
        }

        return result;
    }

    /// <summary>Absorbs an upper-trapezoidal block this accumulator owns (it may be overwritten: no copy needed).</summary>
    protected virtual void AbsorbOwnedTrapezoid(double[] block, int rows) => AbsorbRows(block, rows, 0, rows, trapezoidal: true);

    /// <summary>Counts rows absorbed outside <see cref="Absorb"/> (e.g. by a triangular fast path).</summary>
    protected void AddRowsAbsorbed(long rows) => RowsAbsorbed += rows;

    /// <summary>
    /// Absorbs rows [start, start + h) of the column-major <paramref name="source"/> (leading dimension ld);
    /// <paramref name="trapezoidal"/>: those rows form an upper-trapezoidal block (h &lt;= Cols).
    /// </summary>
    protected abstract void AbsorbRows(ReadOnlySpan<double> source, int ld, int start, int h, bool trapezoidal);
}
