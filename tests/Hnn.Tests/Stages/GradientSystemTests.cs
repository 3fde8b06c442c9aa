using Hnn.Datasets;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Stages;

public sealed class GradientSystemTests(ITestOutputHelper output)
{
    private const int K = 50, N = 20;

    /// <summary>Random training data for d degrees of freedom: x in [-1, 1]^(2d), dx ~ N(0, 1) (not from any H).</summary>
    private static (double[][] X, double[][] Dx) RandomData(int d, ulong seed)
    {
        var x = StageTestSupport.UniformPoints(2 * d, K, -1, 1, seed);
        var rng = new Rng(seed + 1);
        var dx = new double[2 * d][];
        for (var i = 0; i < dx.Length; i++)
        {
            dx[i] = Enumerable.Range(0, K).Select(_ => rng.NextNormal()).ToArray();
        }

        return (x, dx);
    }

    // Weights N(0, 1), biases U(-1, 1) on [-1, 1]^(2d): the columns of S are distinct enough that the full system has
    // cond 2.0e3 (d = 1) and 22 (d = 2) (measured with both backends; asserted < 1e6), so least-squares solutions are
    // determined to ~cond * eps (measured reduced-vs-full differences 2e-15 .. 2e-13).
    private static HiddenLayer Layer(int d, ulong seed) => StageTestSupport.RandomLayer(2 * d, N, 1.0, 1.0, seed);

    private static Anchor AnchorAt(int d) => new(Enumerable.Repeat(0.1, 2 * d).ToArray(), 0.7);

    public static TheoryData<string, int> Cases => new()
    {
        { "managed", 1 },
        { "managed", 2 },
    };

    public static TheoryData<string, int> LapackCases => new()
    {
        { "lapack", 1 },
        { "lapack", 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Managed_reduced_system_matches_full(string backend, int d) => ReducedMatchesFull(backend, d);

    [StagesLapackTheory]
    [MemberData(nameof(LapackCases))]
    public void Lapack_reduced_system_matches_full(string backend, int d) => ReducedMatchesFull(backend, d);

    private void ReducedMatchesFull(string backendName, int d)
    {
        var la = StageTestSupport.Backend(backendName);
        var hidden = Layer(d, (ulong)(10 * d));
        var (x, dx) = RandomData(d, (ulong)(20 * d));
        var anchor = AnchorAt(d);

        var full = GradientSystem.Full(hidden, x, dx, anchor);
        Assert.Equal((2 * d * K) + 1, full.Rows);
        Assert.Equal(N + 1, full.Cols);

        // QR of [S | U] streamed in uneven chunks (17 does not divide 50).
        var acc = la.CreateQrAccumulator(N + (2 * d));
        for (var start = 0; start < K; start += 17)
        {
            var count = Math.Min(17, K - start);
            acc.Absorb(GradientSystem.AugmentedBlock(hidden, x, dx, start, count), count);
        }

        var r = acc.GetR(out var rRows);
        Assert.Equal(N + (2 * d), rRows);
        var reduced = GradientSystem.Reduce(hidden, r, rRows, anchor);
        Assert.Equal((2 * d * N) + 1, reduced.Rows);
        Assert.Equal(N + 1, reduced.Cols);

        // rcond 0: no truncation, so both solutions are the unique least-squares minimiser.
        var fullSolution = la.SolveLeastSquares(full.A, full.Rows, full.Cols, full.B, 1, 0);
        var reducedSolution = la.SolveLeastSquares(reduced.A, reduced.Rows, reduced.Cols, reduced.B, 1, 0);
        var sv = fullSolution.SingularValues;
        var cond = sv[0] / sv[^1];
        output.WriteLine($"{backendName} d={d}: cond = {cond:e3}, sigma = [{sv[0]:e3} .. {sv[^1]:e3}]");
        Assert.True(cond < 1e6, $"test problem is not well conditioned (cond {cond:e3})");
        Assert.Equal(N + 1, fullSolution.Rank);
        Assert.Equal(N + 1, reducedSolution.Rank);

        // docs/ALGORITHM.md §2.3: blockdiag(Q, ..., Q) has orthonormal columns, so the reduced problem has the same
        // singular values and the same minimiser. Differences are rounding only: eps * cond ~ 1e-12 here.
        var relDiff = StageTestSupport.RelativeDifference(reducedSolution.X, fullSolution.X);
        output.WriteLine($"relative solution difference {relDiff:e3}");
        Assert.True(relDiff < 1e-9, $"reduced vs full solution differ by {relDiff:e3}");
        Assert.Equal(sv.Length, reducedSolution.SingularValues.Length);
        for (var i = 0; i < sv.Length; i++)
        {
            Assert.Equal(sv[i], reducedSolution.SingularValues[i], 1e-12 * sv[0]);
        }

        // The folded reduced solve (running QR of the reduced blocks and the anchor row) gives the same minimiser.
        var (folded, foldedRank) = GradientSystem.SolveReduced(la, hidden, r, rRows, anchor, 0);
        Assert.Equal(N + 1, foldedRank);
        var foldedX = folded.Coefficients.Append(folded.OutputBias).ToArray();
        Assert.True(StageTestSupport.RelativeDifference(foldedX, fullSolution.X) < 1e-9);

        // Same through the stage entry point (structured vs full, rcond 1e-13 as in the reference).
        var structuredFit = OutputLayer.Fit(la, hidden, x, dx, anchor, 1e-13, SolveMode.Structured, chunkRows: 9);
        var fullFit = OutputLayer.Fit(la, hidden, x, dx, anchor, 1e-13, SolveMode.Full);
        Assert.True(StageTestSupport.RelativeDifference(structuredFit.Network.Coefficients, fullFit.Network.Coefficients) < 1e-9);
        Assert.Equal(fullFit.Network.OutputBias, structuredFit.Network.OutputBias, 1e-9 * Math.Max(1, Math.Abs(fullFit.Network.OutputBias)));
        Assert.Equal(fullFit.Rank, structuredFit.Rank);
    }

    [StagesLapackFact]
    public void Backends_agree_on_the_full_system()
    {
        var hidden = Layer(2, 3);
        var (x, dx) = RandomData(2, 4);
        var full = GradientSystem.Full(hidden, x, dx, AnchorAt(2));
        var lapack = StageTestSupport.Backend("lapack").SolveLeastSquares(full.A, full.Rows, full.Cols, full.B, 1, 0);
        var managed = StageTestSupport.Backend("managed").SolveLeastSquares(full.A, full.Rows, full.Cols, full.B, 1, 0);
        Assert.True(StageTestSupport.RelativeDifference(managed.X, lapack.X) < 1e-9);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Full_rows_follow_the_equations_entry_by_entry(int d)
    {
        var hidden = Layer(d, 5);
        var (x, dx) = RandomData(d, 6);
        var anchor = AnchorAt(d);
        var sys = GradientSystem.Full(hidden, x, dx, anchor);
        var rows = sys.Rows;
        double A(int row, int col) => sys.A[(col * rows) + row];

        foreach (var k in new[] { 0, 37 })
        {
            for (var i = 0; i < d; i++)
            {
                var rowQ = (i * K) + k;       // dq_i/dt row of point k
                var rowP = ((d + i) * K) + k; // dp_i/dt row of point k
                for (var j = 0; j < N; j++)
                {
                    // Hand computation (docs/ALGORITHM.md §2.2): z = w_j . x_k + b_j, s = 1 - tanh^2 z = 1 / cosh^2 z,
                    //   dq_i/dt row: +s W[p_i, j];   dp_i/dt row: -s W[q_i, j].
                    var z = hidden.Biases[j];
                    for (var c = 0; c < 2 * d; c++)
                    {
                        z += hidden.Weights[c][j] * x[c][k];
                    }

                    var s = 1 / (Math.Cosh(z) * Math.Cosh(z));
                    Assert.Equal(s * hidden.Weights[d + i][j], A(rowQ, j), 1e-14);
                    Assert.Equal(-s * hidden.Weights[i][j], A(rowP, j), 1e-14);
                }

                // c_0 appears only in the anchor row.
                Assert.Equal(0.0, A(rowQ, N));
                Assert.Equal(0.0, A(rowP, N));
                Assert.Equal(dx[i][k], sys.B[rowQ]);
                Assert.Equal(dx[d + i][k], sys.B[rowP]);
            }
        }

        // Anchor row (last): tanh(z_j(x0)) ..., 1 = H0.
        for (var j = 0; j < N; j++)
        {
            var z0 = hidden.Biases[j] + Enumerable.Range(0, 2 * d).Sum(c => hidden.Weights[c][j] * anchor.X0[c]);
            Assert.Equal(Math.Tanh(z0), A(rows - 1, j), 1e-15);
        }

        Assert.Equal(1.0, A(rows - 1, N));
        Assert.Equal(anchor.H0, sys.B[rows - 1]);
    }

    [Theory]
    [InlineData("managed", 1)]
    [InlineData("managed", 2)]
    public void Recovers_the_coefficients_of_a_network_from_its_own_vector_field(string backend, int d)
    {
        // Data generated by a known network H*(x) = sum c_j tanh(z_j) + c_0 (dx = J grad H*, H0 = H*(x0)):
        // the system is consistent, so its unique least-squares solution is (c, c_0) itself, up to cond * eps.
        var la = StageTestSupport.Backend(backend);
        var hidden = Layer(d, 7);
        var rng = new Rng(8);
        var c = Enumerable.Range(0, N).Select(_ => rng.NextNormal()).ToArray();
        var truth = new Network(hidden, c, -0.3);
        var x = StageTestSupport.UniformPoints(2 * d, K, -1, 1, 9);
        var h = new double[K];
        var grad = Enumerable.Range(0, 2 * d).Select(_ => new double[K]).ToArray();
        truth.Predict(x, 0, K, h, grad);
        var dx = new double[2 * d][];
        for (var i = 0; i < d; i++)
        {
            dx[i] = grad[d + i];                          // dq/dt =  dH/dp
            dx[d + i] = grad[i].Select(v => -v).ToArray(); // dp/dt = -dH/dq
        }

        var x0 = AnchorAt(d).X0;
        var h0 = truth.Energy(x0.Select(v => new[] { v }).ToArray())[0];
        var fit = OutputLayer.Fit(la, hidden, x, dx, new Anchor(x0, h0), 0, SolveMode.Structured, chunkRows: 16);
        Assert.True(StageTestSupport.RelativeDifference(fit.Network.Coefficients, c) < 1e-8);
        Assert.Equal(-0.3, fit.Network.OutputBias, 1e-8);
    }
}
