using System.Diagnostics;
using System.Globalization;
using Hnn.Datasets;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;

namespace Hnn.RegularisationStudy;

/// <summary>
/// Times the sandwich band's two products (<see cref="BayesianOutputLayer.CorrelatedAtRegularisation"/>: F = stacked
/// g_i R_D diag(d_i) V and F diag(w) V^T) at a given width and dimension: the previous managed loops (kept here only for
/// this comparison, as in SandwichBandTests) against the layer through the LAPACK backend (dgemm) and through the managed
/// backend (ILinearAlgebra.Multiply's default loop), interleaved, medians (docs/BENCHMARKS.md). Random hidden layer and
/// trajectories (seeded); only the timings and the agreement are printed.
/// </summary>
internal static class SandwichBench
{
    public static int Run(int width, int dof, int runs)
    {
        var dim = 2 * dof;
        var rng = new Rng(20261203, "sandwich-bench");
        double R() => (rng.NextDouble() * 2) - 1;
        var hidden = new HiddenLayer([.. Enumerable.Range(0, dim).Select(_ => Enumerable.Range(0, width).Select(_ => 1.5 * R()).ToArray())],
            [.. Enumerable.Range(0, width).Select(_ => 0.5 * R())]);
        var trajectories = (width / 4) + 50;
        var set = new TrajectorySet([.. Enumerable.Range(0, trajectories).Select(m => new TrajectorySeries($"t{m}", [.. Enumerable.Range(0, 11).Select(i => 0.1 * i)],
            [.. Enumerable.Range(0, dim).Select(_ => Enumerable.Range(0, 11).Select(_ => R()).ToArray())]))]);
        var rows = Formulations.Rows(set, TargetFormulation.Midpoint);
        if (!LapackLinearAlgebra.TryCreate(out var lapack, out var reason))
        {
            Console.Error.WriteLine($"LAPACK backend unavailable: {reason}");
            return 2;
        }

        var problem = ReducedProblem.FromRows(lapack, hidden, rows.X, rows.Dx, new Anchor(new double[dim], 0.0), TrajectoryRowSteps.Of(set));
        var solve = SpectralSolve.Create(lapack, problem);
        var scales = Enumerable.Range(0, dim).Select(i => 0.5 + (0.1 * i)).ToArray();
        var regularisation = Regularisation.Ridge(1e-8);
        var managed = new ManagedLinearAlgebra();
        var times = new Dictionary<string, List<double>>(StringComparer.Ordinal) { ["previous loops"] = [], ["dgemm (lapack)"] = [], ["managed backend"] = [] };
        double[] reference = [], viaGemm = [];
        var svd = lapack.Svd(problem.R, problem.N, problem.N); // the same dgesdd call SpectralSolve.Create makes, outside the timings
        for (var r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            reference = PreviousLoops(svd, solve, regularisation, hidden, problem, scales);
            times["previous loops"].Add(sw.Elapsed.TotalSeconds);
            sw.Restart();
            var layer = BayesianOutputLayer.CorrelatedAtRegularisation(lapack, solve, regularisation, hidden, problem, scales);
            times["dgemm (lapack)"].Add(sw.Elapsed.TotalSeconds);
            sw.Restart();
            _ = BayesianOutputLayer.CorrelatedAtRegularisation(managed, solve, regularisation, hidden, problem, scales);
            times["managed backend"].Add(sw.Elapsed.TotalSeconds);
            viaGemm = layer.Factor();
        }

        var worst = reference.Zip(viaGemm, (a, b) => Math.Abs(a - b)).Max() / reference.Max(Math.Abs);
        Console.WriteLine(FormattableString.Invariant($"sandwich factor, width {width}, {dim}-D ({dim * width} x {width + 1} factor), {runs} interleaved runs, {lapack.Name}, {lapack.Threads} BLAS threads"));
        foreach (var (name, list) in times)
        {
            var sorted = list.Order().ToArray();
            Console.WriteLine(FormattableString.Invariant($"  {name}: median {sorted[sorted.Length / 2]:F3} s (min {sorted[0]:F3}, max {sorted[^1]:F3})"));
        }

        Console.WriteLine(FormattableString.Invariant($"  max |factor_dgemm - factor_loops| / max |factor_loops| = {worst:E2}"));
        return 0;
    }

    /// <summary>The previous implementation's F diag(w) V^T (row-major dim N x n), by plain loops.</summary>
    private static double[] PreviousLoops(SvdResult svd, SpectralSolve solve, Regularisation regularisation, HiddenLayer hidden, ReducedProblem problem, double[] scales)
    {
        var n = problem.N;
        var width = hidden.Width;
        var dim = hidden.InputDim;
        var vt = svd.VT;
        var sv = svd.S;
        var rd = problem.NoiseTriangle!;
        var mu = Math.Pow(regularisation.Value * solve.SigmaMax, 2);
        var w = sv.Select(s => 1 / ((s * s) + mu)).ToArray();
        var f = new double[(long)dim * width * n];
        var scaledRow = new double[width];
        for (var o = 0; o < dim; o++)
        {
            for (var a = 0; a < width; a++)
            {
                for (var j = 0; j < width; j++)
                {
                    scaledRow[j] = j < a ? 0 : scales[o] * rd[a + (j * width)] * GradientSystem.DiagonalEntry(hidden, o, j);
                }

                var dst = f.AsSpan((o * width + a) * n, n);
                for (var j = a; j < width; j++)
                {
                    var sj = scaledRow[j];
                    if (sj == 0)
                    {
                        continue;
                    }

                    for (var k = 0; k < n; k++)
                    {
                        dst[k] += sj * vt[k + (j * n)];
                    }
                }
            }
        }

        var fRows = dim * width;
        var m = new double[(long)fRows * n];
        var fw = new double[n];
        for (var r = 0; r < fRows; r++)
        {
            for (var k = 0; k < n; k++)
            {
                fw[k] = f[(r * n) + k] * w[k];
            }

            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var k = 0; k < n; k++)
                {
                    sum += fw[k] * vt[k + (j * n)];
                }

                m[(r * n) + j] = sum;
            }
        }

        return m;
    }
}
