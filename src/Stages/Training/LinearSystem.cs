namespace Hnn.Stages.Training;

/// <summary>A dense least-squares problem A c ~ b (A column-major, Rows x Cols).</summary>
public sealed record LinearSystem
{
    public LinearSystem(double[] a, int rows, int cols, double[] b)
    {
        if (a.Length != (long)rows * cols)
        {
            throw new ArgumentException($"matrix has {a.Length} entries, expected {rows} x {cols}", nameof(a));
        }

        if (b.Length != rows)
        {
            throw new ArgumentException($"right-hand side has {b.Length} entries, expected {rows}", nameof(b));
        }

        A = a;
        Rows = rows;
        Cols = cols;
        B = b;
    }

    public double[] A { get; }

    public int Rows { get; }

    public int Cols { get; }

    public double[] B { get; }
}
