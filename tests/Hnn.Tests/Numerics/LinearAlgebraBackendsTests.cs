using Hnn.Stages.Numerics;
using Xunit;

namespace Hnn.Tests.Numerics;

public sealed class LinearAlgebraBackendsTests
{
    [Fact]
    public void Managed_choice_returns_managed_backend()
    {
        var backend = LinearAlgebraBackends.Resolve("managed", out var note);
        Assert.IsType<ManagedLinearAlgebra>(backend);
        Assert.False(backend.IsNative);
        Assert.StartsWith("managed (MathNet.Numerics 5.0", backend.Name);
        Assert.Contains("managed", note);
    }

    [LapackFact]
    public void Auto_and_lapack_choices_return_lapack_when_it_loads()
    {
        var auto = LinearAlgebraBackends.Resolve(" Auto ", out var autoNote);
        var lapack = LinearAlgebraBackends.Resolve("lapack", out var lapackNote);

        Assert.IsType<LapackLinearAlgebra>(auto);
        Assert.IsType<LapackLinearAlgebra>(lapack);
        Assert.True(auto.IsNative);
        Assert.Contains("auto", autoNote);
        Assert.Contains(lapack.Name, lapackNote);
    }

    [LapackFact]
    public void Lapack_name_reports_library_and_openblas_config()
    {
        var lapack = Backends.Lapack();
        if (Environment.GetEnvironmentVariable(LinearAlgebraBackends.LibraryEnvironmentVariable) is null)
            Assert.StartsWith("lapack (libopenblas.so.0, OpenBLAS ", lapack.Name);
        else
            Assert.StartsWith("lapack (", lapack.Name);
    }

    [Fact]
    public void Unknown_choice_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => LinearAlgebraBackends.Resolve("mkl", out _));
        Assert.Contains("auto, lapack, managed", error.Message);
    }

    [Fact]
    public void Missing_library_is_reported_without_throwing()
    {
        Assert.False(LapackLinearAlgebra.TryCreate("/nonexistent/libnolapack.so.9", out var backend, out var reason));
        Assert.Null(backend);
        Assert.Contains("/nonexistent/libnolapack.so.9", reason);
    }

    [LapackFact]
    public void A_view_runs_every_call_under_its_own_thread_count()
    {
        var lapack = Backends.Lapack();
        var one = (LapackLinearAlgebra)lapack.WithThreads(1);
        var two = (LapackLinearAlgebra)lapack.WithThreads(2);
        Assert.Equal(1, one.Threads);
        Assert.Equal(2, two.Threads);
        Assert.Same(one, one.WithThreads(1));

        // Interleaved views: each call sees its own count, whatever the other view set before it.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(2, two.ThreadsSeenByCalls());
            Assert.Equal(1, one.ThreadsSeenByCalls());
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => lapack.WithThreads(0));
    }

    [LapackFact]
    public void Concurrent_calls_with_different_thread_counts_give_the_results_of_calls_made_alone()
    {
        // OpenBLAS rounds differently with 1 and 2 threads (dgelsd on this ill-conditioned problem), so a call whose
        // thread count changed under it would not equal the call made alone. The gate guarantees bit-equality here:
        // same process, same thread count per call.
        const int m = 300, n = 120;
        var rng = new Random(77);
        var a = new double[m * n];
        var x = new double[m];
        for (var i = 0; i < m; i++)
            x[i] = (rng.NextDouble() * 4) - 2;
        for (var j = 0; j < n; j++)
        {
            var (w, b) = ((rng.NextDouble() * 6) - 3, (rng.NextDouble() * 6) - 3);
            for (var i = 0; i < m; i++)
            {
                var t = Math.Tanh((w * x[i]) + b);
                a[(j * m) + i] = 1 - (t * t);
            }
        }

        var rhs = Dense.Random(rng, m, 1);
        var lapack = Backends.Lapack();
        var views = new[] { lapack.WithThreads(1), lapack.WithThreads(2) };
        var alone = views.Select(v => v.SolveLeastSquares(a, m, n, rhs, 1, 1e-13).X).ToArray();

        var results = new double[24][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => results[i] = views[i % 2].SolveLeastSquares(a, m, n, rhs, 1, 1e-13).X);
        for (var i = 0; i < results.Length; i++)
            Assert.Equal(alone[i % 2], results[i]);
    }
}
