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
    public void Set_threads_changes_openblas_thread_count()
    {
        var lapack = Backends.Lapack();
        var before = lapack.GetThreads();
        try
        {
            lapack.SetThreads(1);
            Assert.Equal(1, lapack.GetThreads());
        }
        finally
        {
            lapack.SetThreads(Math.Max(1, before));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => lapack.SetThreads(0));
    }
}
