using Hnn.Stages.Numerics;
using Xunit;

namespace Hnn.Tests.Numerics;

public sealed class QrAccumulatorTests
{
    private const int M = 500, N = 40;

    // R is unique up to row signs for a full-rank matrix; after normalising signs it must match a one-shot
    // (unblocked Householder, Dense.ReferenceR) R to rounding: 1e-12 relative to max |R|.
    private const double RelativeTolerance = 1e-12;

    private static double[] Matrix() => Dense.Random(new Random(1234), M, N);

    public static TheoryData<string> Patterns => ["7", "64", "1", "200", "7,64,1,200"];

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Managed_streamed_R_matches_one_shot_QR(string pattern) => StreamedMatchesOneShot(new ManagedLinearAlgebra(), pattern);

    [LapackTheory]
    [MemberData(nameof(Patterns))]
    public void Lapack_streamed_R_matches_one_shot_QR(string pattern) => StreamedMatchesOneShot(Backends.Lapack(), pattern);

    private static void StreamedMatchesOneShot(ILinearAlgebra backend, string pattern)
    {
        var a = Matrix();
        var acc = backend.CreateQrAccumulator(N);
        AbsorbRange(acc, a, 0, M, Sizes(pattern));

        Assert.Equal(M, acc.RowsAbsorbed);
        AssertMatchesOneShot(acc, a, M);
    }

    [Theory]
    [InlineData("managed", 250)]
    [InlineData("managed", 5)]
    [InlineData("managed", 0)]
    public void Managed_merged_R_matches_one_shot_QR(string backend, int split) => MergedMatchesOneShot(Backends.Get(backend), Backends.Get(backend), split);

    [LapackTheory]
    [InlineData("lapack", "lapack", 250)]
    [InlineData("lapack", "lapack", 5)] // receiver has fewer rows than columns
    [InlineData("lapack", "lapack", 0)] // receiver empty
    [InlineData("lapack", "managed", 250)] // accumulators of different backends merge through GetR
    [InlineData("managed", "lapack", 37)]
    public void Lapack_merged_R_matches_one_shot_QR(string receiver, string donor, int split) =>
        MergedMatchesOneShot(Backends.Get(receiver), Backends.Get(donor), split);

    private static void MergedMatchesOneShot(ILinearAlgebra receiverBackend, ILinearAlgebra donorBackend, int split)
    {
        var a = Matrix();
        var first = receiverBackend.CreateQrAccumulator(N);
        var second = donorBackend.CreateQrAccumulator(N);
        AbsorbRange(first, a, 0, split, [7, 64, 1, 200]);
        AbsorbRange(second, a, split, M - split, [7, 64, 1, 200]);
        var secondR = second.GetR(out var secondRows);

        first.Merge(second);

        Assert.Equal(M, first.RowsAbsorbed);
        AssertMatchesOneShot(first, a, M);
        Assert.Equal(M - split, second.RowsAbsorbed); // donor unchanged
        Assert.Equal(secondR, second.GetR(out var secondRowsAfter));
        Assert.Equal(secondRows, secondRowsAfter);
    }

    [Theory]
    [InlineData("managed")]
    public void Managed_merge_of_two_short_accumulators(string backend) => MergeShort(Backends.Get(backend));

    [LapackTheory]
    [InlineData("lapack")]
    public void Lapack_merge_of_two_short_accumulators(string backend) => MergeShort(Backends.Get(backend));

    private static void MergeShort(ILinearAlgebra backend)
    {
        // 10 + 12 rows < 40 columns: the merged R is 22 x 40.
        var a = Matrix();
        var first = backend.CreateQrAccumulator(N);
        var second = backend.CreateQrAccumulator(N);
        AbsorbRange(first, a, 0, 10, [3]);
        AbsorbRange(second, a, 10, 12, [12]);
        first.Merge(second);
        first.Merge(backend.CreateQrAccumulator(N)); // merging an empty accumulator changes nothing

        Assert.Equal(22, first.RowsAbsorbed);
        AssertMatchesOneShot(first, Dense.Rows(a, M, N, 0, 22), 22);
    }

    [Theory]
    [InlineData("managed")]
    public void Managed_short_accumulator_returns_rows_equal_to_rows_absorbed(string backend) => ShortAccumulator(Backends.Get(backend));

    [LapackTheory]
    [InlineData("lapack")]
    public void Lapack_short_accumulator_returns_rows_equal_to_rows_absorbed(string backend) => ShortAccumulator(Backends.Get(backend));

    private static void ShortAccumulator(ILinearAlgebra backend)
    {
        var a = Matrix();
        var acc = backend.CreateQrAccumulator(N);
        Assert.Empty(acc.GetR(out var none));
        Assert.Equal(0, none);

        AbsorbRange(acc, a, 0, 7, [7]);
        acc.GetR(out var rows);
        Assert.Equal(7, rows);
        Assert.Equal(7, acc.RowsAbsorbed);
        AssertMatchesOneShot(acc, Dense.Rows(a, M, N, 0, 7), 7);

        AbsorbRange(acc, a, 7, 1, [1]);
        acc.GetR(out rows);
        Assert.Equal(8, rows);
        AssertMatchesOneShot(acc, Dense.Rows(a, M, N, 0, 8), 8);

        AbsorbRange(acc, a, 8, 0, [5]); // zero-row block is a no-op
        Assert.Equal(8, acc.RowsAbsorbed);
    }

    [Theory]
    [InlineData("managed")]
    public void Managed_degenerate_leading_columns(string backend) => DegenerateLeadingColumn(Backends.Get(backend));

    [LapackTheory]
    [InlineData("lapack")]
    public void Lapack_degenerate_leading_columns(string backend) => DegenerateLeadingColumn(Backends.Get(backend));

    private static void DegenerateLeadingColumn(ILinearAlgebra backend)
    {
        // One row (0, 1, 0): its R is itself (up to sign), even though the first column is zero.
        var acc = backend.CreateQrAccumulator(3);
        acc.Absorb([0.0, 1.0, 0.0], 1);
        var r = acc.GetR(out var rows);
        Assert.Equal(1, rows);
        Assert.Equal([0.0, 1.0, 0.0], r.Select(Math.Abs).ToArray());
    }

    // ---- helpers ----

    private static int[] Sizes(string pattern) => pattern.Split(',').Select(int.Parse).ToArray();

    /// <summary>Absorbs rows [start, start + count) of the 500 x 40 matrix, cycling through the block sizes.</summary>
    private static void AbsorbRange(IQrAccumulator acc, double[] matrix, int start, int count, int[] sizes)
    {
        var end = start + count;
        for (var k = 0; start < end; k++)
        {
            var rows = Math.Min(sizes[k % sizes.Length], end - start);
            acc.Absorb(Dense.Rows(matrix, M, N, start, rows), rows);
            start += rows;
        }
    }

    private static void AssertMatchesOneShot(IQrAccumulator acc, double[] a, int m)
    {
        var r = acc.GetR(out var rows);
        Assert.Equal(Math.Min(m, N), rows);
        Assert.Equal(rows * N, r.Length);

        // Upper trapezoidal.
        for (var j = 0; j < N; j++)
            for (var i = j + 1; i < rows; i++)
                Assert.Equal(0.0, r[j * rows + i]);

        var expected = Dense.ReferenceR(a, m, N);
        var actual = Dense.NormaliseRowSigns(r, rows, N);
        var scale = Dense.MaxAbs(expected);
        var error = Dense.MaxAbsDiff(actual, expected) / scale;
        Assert.True(error < RelativeTolerance, $"max |R - R_ref| / max |R_ref| = {error:E2}");

        // R^T R = A^T A (sign-free).
        var rtr = Dense.Multiply(r, rows, N, r, rows, N, transposeA: true);
        var ata = Dense.Multiply(a, m, N, a, m, N, transposeA: true);
        var gramError = Dense.MaxAbsDiff(rtr, ata) / Dense.MaxAbs(ata);
        Assert.True(gramError < RelativeTolerance, $"max |R^T R - A^T A| / max |A^T A| = {gramError:E2}");
    }
}
