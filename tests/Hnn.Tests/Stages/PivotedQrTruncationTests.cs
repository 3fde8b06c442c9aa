using Hnn.Pipeline.Execution;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;
using Hnn.Tests.Numerics;
using Hnn.Tests.Pipeline;
using Hnn.Tests.Reference;
using Xunit;

namespace Hnn.Tests.Stages;

/// <summary>
/// <c>solver.truncation: pivoted-qr</c> (<see cref="PivotedQrTruncation"/>): against the SVD truncation on problems
/// with a known answer, native (dgeqp3) against managed, on the paper code's reference networks through the
/// production solve, and its config and fit-key wiring.
/// </summary>
public sealed class PivotedQrTruncationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string> BackendNames => ["managed", "lapack"];

    private static double Residual(double[] a, int m, int n, double[] x, double[] b)
    {
        var r = Dense.Multiply(a, m, n, x, n, 1);
        return Math.Sqrt(r.Select((v, i) => (v - b[i]) * (v - b[i])).Sum());
    }

    [Theory]
    [MemberData(nameof(BackendNames))]
    public void A_full_rank_system_has_the_least_squares_solution_of_the_svd(string backend)
    {
        if (backend == "lapack" && !Backends.LapackAvailable(out _))
        {
            return;
        }

        // Unique least-squares solution: both truncations must give it (to the conditioning, here ~1e2, times eps).
        var la = Backends.Get(backend);
        var rng = new Random(7);
        var (m, n) = (40, 25);
        var a = Dense.Random(rng, m, n);
        var b = Dense.Random(rng, m, 1);
        var svd = Truncation.Svd.Solve(la, new LinearSystem(a, m, n, b), 1e-13);
        var qr = PivotedQrTruncation.Instance.Solve(la, new LinearSystem(a, m, n, b), 1e-13);
        Assert.Equal(n, svd.Rank);
        Assert.Equal(n, qr.Rank);
        for (var j = 0; j < n; j++)
        {
            Assert.Equal(svd.X[j], qr.X[j], 1e-11);
        }
    }

    [Theory]
    [MemberData(nameof(BackendNames))]
    public void A_rank_deficient_system_keeps_its_rank_and_the_least_squares_residual(string backend)
    {
        if (backend == "lapack" && !Backends.LapackAvailable(out _))
        {
            return;
        }

        // A = U diag(s) V^T with 12 singular values in [1, 10] and 8 at 1e-15: numerical rank 12 at rcond 1e-10 (by
        // construction). The basic solution is not the SVD's minimum-norm one, but both minimise ||A x - b||.
        var la = Backends.Get(backend);
        var rng = new Random(11);
        var (m, n, r) = (30, 20, 12);
        var s = Enumerable.Range(0, n).Select(i => i < r ? 10.0 - (9.0 * i / (r - 1)) : 1e-15).ToArray();
        var a = Dense.WithSingularValues(rng, m, n, s, out _, out _);
        var b = Dense.Random(rng, m, 1);
        var svd = Truncation.Svd.Solve(la, new LinearSystem(a, m, n, b), 1e-10);
        var qr = PivotedQrTruncation.Instance.Solve(la, new LinearSystem(a, m, n, b), 1e-10);
        Assert.Equal(r, svd.Rank);
        Assert.Equal(r, qr.Rank);
        Assert.Equal(Residual(a, m, n, svd.X, b), Residual(a, m, n, qr.X, b), 1e-10);
        Assert.Equal(n - r, qr.X.Count(v => v == 0)); // the dropped columns are exactly zero
    }

    [LapackFact]
    public void Dgeqp3_and_the_managed_factorisation_agree()
    {
        // Same pivoting rule (largest remaining column norm), so the same pivots and |R_ii| up to rounding when the
        // norms are well separated (columns scaled 1, 2, ..., 30).
        var rng = new Random(3);
        var (m, n) = (50, 30);
        var a = Dense.Random(rng, m, n);
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < m; i++)
            {
                a[(j * m) + i] *= j + 1;
            }
        }

        var b = Dense.Random(rng, m, 1);
        var native = PivotedQrTruncation.Instance.Solve(Backends.Lapack(), new LinearSystem(a, m, n, b), 1e-13);
        var managed = PivotedQrTruncation.Instance.Solve(new ManagedLinearAlgebra(), new LinearSystem(a, m, n, b), 1e-13);
        Assert.Equal(native.Rank, managed.Rank);
        for (var j = 0; j < n; j++)
        {
            Assert.Equal(native.X[j], managed.X[j], 1e-12);
        }

        var qr = (double[])a.Clone();
        var tau = new double[n];
        var pivot = new int[n];
        PivotedQrTruncation.Factor(m, n, qr, tau, pivot);
        var norms = Enumerable.Range(0, n).Select(j => a.AsSpan(j * m, m).ToArray().Sum(v => v * v)).ToArray();
        Assert.Equal(Array.IndexOf(norms, norms.Max()), pivot[0]); // the largest column first
        for (var i = 1; i < n; i++)
        {
            Assert.True(Math.Abs(qr[(i * m) + i]) <= Math.Abs(qr[((i - 1) * m) + i - 1]) * (1 + 1e-12), $"|R_ii| increases at {i}");
        }
    }

    [Fact]
    public void Rcond_drops_the_columns_at_or_below_rcond_times_the_largest_diagonal()
    {
        // R diagonal (column-major 3 x 3, only the diagonal matters): 4, 2, 4e-10 -> rank 2 at rcond 1e-10 (4e-10 > 4e-10 fails).
        double[] qr = [4, 0, 0, 0, 2, 0, 0, 0, 4e-10];
        Assert.Equal(2, PivotedQrTruncation.Rank(3, 3, qr, 1e-10));
        Assert.Equal(3, PivotedQrTruncation.Rank(3, 3, qr, 0.99e-10));
        Assert.Equal(3, PivotedQrTruncation.Rank(3, 3, qr, 0));
        Assert.Equal(0, PivotedQrTruncation.Rank(3, 3, new double[9], 1e-10));
    }

    public static TheoryData<string, string, int> ReferenceCases()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var lanes in new[] { 1, 2, 4 })
        {
            data.Add("pendulum-small-w1000", "u-swim", lanes);
        }

        data.Add("pendulum-small-w1000", "elm", 2);
        data.Add("henon-heiles-a1-w1000", "u-swim", 2);
        return data;
    }

    [LapackTheory]
    [MemberData(nameof(ReferenceCases))]
    public async Task On_the_reference_networks_the_production_solve_stays_within_the_reference_bar(string caseName, string method, int lanes)
    {
        // Expected errors: TestData/*/meta.json (numpy lstsq on the full matrix); the bar is the one the SVD path meets
        // (ProductionSolveReferenceTests): within a factor of 3 of numpy's, and not suspiciously small.
        var c = ReferenceCase.Load(caseName);
        var la = LinearAlgebraBackends.Resolve("lapack", out _);
        var reference = c.Network(method);
        var qr = await ParallelFit.FitAsync(la, reference.Hidden, c.TrainX, c.TrainDx, c.Anchor, c.Rcond, 1024, lanes,
            new ComputeBudget(2, 1), null, CancellationToken.None, truncation: PivotedQrTruncation.Instance);
        var svd = await ParallelFit.FitAsync(la, reference.Hidden, c.TrainX, c.TrainDx, c.Anchor, c.Rcond, 1024, lanes,
            new ComputeBudget(2, 1), null, CancellationToken.None);
        var (ours, viaSvd, theirs) = (c.TestError(qr.Network), c.TestError(svd.Network), c.ReferenceTestError(method));
        output.WriteLine($"{caseName} {method} lanes {lanes}: pivoted-qr {ours:e3} rank {qr.Rank}, svd {viaSvd:e3} rank {svd.Rank}, reference {theirs:e3}");
        Assert.InRange(ours, theirs / 100, theirs * 3);
    }
}

/// <summary>solver.truncation in the config and the fit key.</summary>
[Collection(CliCollection.Name)]
public sealed class TruncationConfigTests
{
    [Fact]
    public async Task Truncation_is_validated_and_refused_with_the_full_solve()
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var ok = await CliSandbox.InvokeAsync(["validate", pipeline, "--set", "solver.truncation=pivoted-qr"]);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        CliAssert.BadInput(await CliSandbox.InvokeAsync(["validate", pipeline, "--set", "solver.truncation=qr"]), ["solver.truncation", "svd, pivoted-qr"]);
        CliAssert.BadInput(await CliSandbox.InvokeAsync(["validate", pipeline, "--set", "solver.truncation=pivoted-qr", "--set", "solver.mode=full"]),
            ["solver.truncation", "not allowed with solver.mode: full"]);
    }

    [Fact]
    public async Task Only_a_truncation_other_than_the_default_changes_the_fit_key()
    {
        // A run without the key, then a sweep over [svd, pivoted-qr] in the same store: the svd variant finds every
        // stage cached (the default leaves the keys as they were), pivoted-qr computes its own fits (and what follows)
        // on the cached hidden layers.
        using var box = new CliSandbox();
        var yaml = CliSandbox.SmallPipeline.Replace("methods: [elm, u-swim, a-swim, swim]", "methods: [u-swim]", StringComparison.Ordinal);
        var first = await box.RunAsync(box.Write("p.yaml", yaml));
        Assert.True(first.ExitCode == 0, first.ToString());
        var before = Directory.GetDirectories(box.RunsDirectory);
        var sweep = await box.RunAsync(box.Write("s.yaml", yaml + "\nsweep:\n  solver.truncation: [svd, pivoted-qr]\n"));
        Assert.True(sweep.ExitCode == 0, sweep.ToString());
        var runs = Directory.GetDirectories(box.RunsDirectory).Except(before).ToArray();
        Assert.Equal(2, runs.Length);
        var firstFit = CliSandbox.Stages(Assert.Single(before)).Single(s => s.Stage == "fit").Key;
        var fits = runs.SelectMany(CliSandbox.Stages).Where(s => s.Stage == "fit").ToList();
        Assert.Equal(2, fits.Select(s => s.Key).Distinct().Count());
        Assert.Contains(fits, s => s.Key == firstFit && s.Cached);
        Assert.Contains(fits, s => s.Key != firstFit && !s.Cached);
        Assert.All(runs.SelectMany(CliSandbox.Stages).Where(s => s.Stage == "sample"), s => Assert.True(s.Cached));
    }
}
