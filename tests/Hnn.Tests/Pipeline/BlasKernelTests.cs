using System.Runtime.CompilerServices;
using Hnn.Pipeline.Cli;
using Hnn.Stages.Numerics;
using Hnn.Tests.Numerics;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>The kernel choice as a pure function, and what a run records about the kernel it used.</summary>
public sealed class BlasKernelTests
{
    private static readonly CpuIsa Avx512 = new(true, true, true, true, true, true);
    private static readonly CpuIsa Avx2 = new(false, false, false, false, true, true);
    private static readonly CpuIsa Sse = new(false, false, false, false, false, false);

    [Fact]
    public void Auto_rule_maps_instruction_sets_to_kernels()
    {
        Assert.Equal("SkylakeX", BlasKernel.AutoKernel(Avx512));
        Assert.Equal("Haswell", BlasKernel.AutoKernel(Avx2));
        Assert.Null(BlasKernel.AutoKernel(Sse));
        // AVX-512 F alone (no BW/DQ/VL) is not enough for the SkylakeX kernels; AVX2 without FMA not for Haswell.
        Assert.Equal("Haswell", BlasKernel.AutoKernel(Avx512 with { Avx512BW = false }));
        Assert.Null(BlasKernel.AutoKernel(Avx2 with { Fma = false }));
    }

    [Fact]
    public void Auto_sets_the_kernel_when_nothing_is_set()
    {
        var d = BlasKernel.Decide(null, null, Avx512, alreadyLoaded: false);
        Assert.Equal(new BlasKernelDecision("SkylakeX", BlasKernelSource.Auto, "auto: AVX-512 F/BW/DQ/VL"), d);
        Assert.Equal("Haswell", BlasKernel.Decide(" ", "", Avx2, alreadyLoaded: false).CoreType);
    }

    [Fact]
    public void Auto_leaves_an_old_cpu_to_the_library()
    {
        var d = BlasKernel.Decide(null, null, Sse, alreadyLoaded: false);
        Assert.Null(d.CoreType);
        Assert.Equal(BlasKernelSource.Default, d.Source);
    }

    [Fact]
    public void A_user_openblas_coretype_wins_over_everything()
    {
        var d = BlasKernel.Decide("Prescott", "SkylakeX", Avx512, alreadyLoaded: false);
        Assert.Null(d.CoreType);
        Assert.Equal(BlasKernelSource.User, d.Source);
        Assert.Contains("OPENBLAS_CORETYPE=Prescott", d.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("keep")]
    [InlineData(" KEEP ")]
    public void Keep_sets_nothing(string value)
    {
        var d = BlasKernel.Decide(null, value, Avx512, alreadyLoaded: false);
        Assert.Null(d.CoreType);
        Assert.Equal(BlasKernelSource.Keep, d.Source);
    }

    [Fact]
    public void A_name_in_the_hnn_variable_is_passed_on()
    {
        var d = BlasKernel.Decide(null, " Zen ", Avx512, alreadyLoaded: false);
        Assert.Equal("Zen", d.CoreType);
        Assert.Equal(BlasKernelSource.Override, d.Source);
    }

    [Fact]
    public void Nothing_is_set_once_a_library_is_loaded()
    {
        var d = BlasKernel.Decide(null, "SkylakeX", Avx512, alreadyLoaded: true);
        Assert.Null(d.CoreType);
        Assert.Equal(BlasKernelSource.Preloaded, d.Source);
    }

    [LapackFact]
    public void Self_check_passes_on_the_loaded_library_with_room_to_spare()
    {
        var result = BlasSelfCheck.Run(Backends.Lapack());
        Assert.True(result.Passed, result.Summary);
        Assert.Equal(4, result.Items.Count);
        // Correct kernels differ by rounding only: far below the bounds, which a wrong kernel (errors of order 1) exceeds.
        Assert.All(result.Items, i => Assert.True(i.Error < i.Tolerance / 10, result.Summary));
    }

    [Fact]
    public void Self_check_item_fails_on_nan_and_over_the_bound()
    {
        Assert.False(new BlasCheckItem("x", double.NaN, 1).Passed);
        Assert.False(new BlasCheckItem("x", 2, 1).Passed);
        Assert.True(new BlasCheckItem("x", 1, 1).Passed);
    }
}

/// <summary>The manifest names the kernel the run used.</summary>
[Collection(CliCollection.Name)]
public sealed class BlasKernelManifestTests
{
    [LapackFact]
    public async Task Manifest_records_the_blas_kernel()
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline.Replace("methods: [elm, u-swim, a-swim, swim]", "methods: [elm]", StringComparison.Ordinal));
        var run = await box.RunAsync(pipeline);
        Assert.True(run.ExitCode == 0, run.ToString());
        var manifest = CliSandbox.ReadJson(Path.Combine(CliSandbox.RunDirectoryOf(run), "manifest.json"));
        var kernel = manifest.GetProperty("blas_kernel");
        var core = Backends.Lapack().CoreName;
        Assert.Equal(core, kernel.GetProperty("core").GetString());
        Assert.True(kernel.GetProperty("verified").GetBoolean());
        Assert.Contains(kernel.GetProperty("source").GetString(), new[] { "user", "keep", "preloaded", "auto", "default", "override" });
        Assert.Contains($"BLAS kernel {core}", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"BLAS kernel {core}", manifest.GetProperty("backend_note").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>
/// The test process keeps OpenBLAS's own kernel choice unless the caller set one (OPENBLAS_CORETYPE or
/// HNN_OPENBLAS_CORETYPE): otherwise the first in-process `hnn run` would pick the kernel for every later test,
/// depending on test order.
/// </summary>
internal static class KeepBlasKernelInTests
{
    [ModuleInitializer]
    internal static void Init()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(BlasKernel.OpenBlasVariable))
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(BlasKernel.OverrideVariable)))
        {
            Environment.SetEnvironmentVariable(BlasKernel.OverrideVariable, BlasKernel.Keep);
        }
    }
}
