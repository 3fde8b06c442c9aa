namespace Hnn.Pipeline.Data;

/// <summary>Consecutive rows [Start, Start + Count) of a streamed data set, column-major like <see cref="Hnn.Datasets.DataSet"/>.</summary>
public sealed record DataChunk(long Start, double[][] X, double[][] Dx, double[] H)
{
    public int Count => H.Length;
}
