using System.Runtime.InteropServices;
using Hnn.Stages.Numerics;
using Serilog;

namespace Hnn.Pipeline.Cli;

/// <summary>How the OpenBLAS kernel set of a run was chosen (the manifest's <c>blas_kernel.source</c>).</summary>
public enum BlasKernelSource
{
    /// <summary><c>OPENBLAS_CORETYPE</c> was set by the user; left as it is.</summary>
    User,

    /// <summary><c>HNN_OPENBLAS_CORETYPE=&lt;name&gt;</c>: that name was passed to OpenBLAS.</summary>
    Override,

    /// <summary><c>HNN_OPENBLAS_CORETYPE=keep</c>: nothing set, the library's own detection decides.</summary>
    Keep,

    /// <summary>The auto rule (<see cref="BlasKernel.AutoKernel"/>) chose a kernel from the CPU's instruction sets.</summary>
    Auto,

    /// <summary>The auto rule had nothing to choose (no AVX2/FMA): the library's own detection decides.</summary>
    Default,

    /// <summary>A LAPACK library was already loaded in this process; its kernel is fixed, nothing was set.</summary>
    Preloaded,
}

/// <summary>The CPU features the auto rule looks at (System.Runtime.Intrinsics, i.e. what the CPU and the OS allow).</summary>
public sealed record CpuIsa(bool Avx512F, bool Avx512BW, bool Avx512DQ, bool Avx512VL, bool Avx2, bool Fma)
{
    /// <summary>This process's CPU.</summary>
    public static CpuIsa Current() => new(
        System.Runtime.Intrinsics.X86.Avx512F.IsSupported,
        System.Runtime.Intrinsics.X86.Avx512BW.IsSupported,
        System.Runtime.Intrinsics.X86.Avx512DQ.IsSupported,
        System.Runtime.Intrinsics.X86.Avx512F.VL.IsSupported,
        System.Runtime.Intrinsics.X86.Avx2.IsSupported,
        System.Runtime.Intrinsics.X86.Fma.IsSupported);
}

/// <summary>What to do before OpenBLAS is loaded: the value to put into <c>OPENBLAS_CORETYPE</c> (null: nothing) and why.</summary>
public sealed record BlasKernelDecision(string? CoreType, BlasKernelSource Source, string Reason);

/// <summary>The kernel a run used, as recorded in the manifest (<c>blas_kernel</c>) and named in the log.</summary>
/// <param name="Core">What OpenBLAS reports (<c>openblas_get_corename()</c>); null for a LAPACK that does not say.</param>
/// <param name="Requested">The value hnn put into <c>OPENBLAS_CORETYPE</c>, or null when it set nothing.</param>
/// <param name="Source">How it was chosen (<see cref="BlasKernelSource"/>, kebab-case).</param>
/// <param name="Reason">The rule or variable behind the choice.</param>
/// <param name="Verified">True when <see cref="BlasSelfCheck"/> agreed with the managed code.</param>
/// <param name="Check">The self-check's errors against their bounds.</param>
public sealed record BlasKernelRecord(string? Core, string? Requested, BlasKernelSource Source, string Reason, bool Verified, string Check);

/// <summary>
/// Chooses OpenBLAS's kernel set before the library is loaded, loads the backend and verifies it. OpenBLAS reads
/// <c>OPENBLAS_CORETYPE</c> once, when the library initialises, and has no way to switch kernels later; so the
/// choice is written into the native environment (libc <c>setenv</c>: .NET's Environment.SetEnvironmentVariable
/// does not reach it on Linux) before the first P/Invoke into the library.
/// </summary>
/// <remarks>
/// Precedence: <c>OPENBLAS_CORETYPE</c> set by the user is kept; else <c>HNN_OPENBLAS_CORETYPE</c>: <c>keep</c>
/// sets nothing (the library's own detection), any other value is passed on as the kernel name; else the auto rule
/// <see cref="AutoKernel"/>. After loading, <see cref="BlasSelfCheck"/> compares a small dgemm, least-squares solve
/// and streaming QR with the managed code. If a kernel chosen by the auto rule fails it, the process re-executes
/// itself with <c>HNN_OPENBLAS_CORETYPE=keep</c> (the library's default kernel; same pid, arguments and streams,
/// nothing has been written yet); if that is impossible it switches to the managed backend. A kernel the user chose
/// (or the library's default) that fails is kept, with a warning.
/// </remarks>
public static partial class BlasKernel
{
    /// <summary>OpenBLAS's own variable.</summary>
    public const string OpenBlasVariable = "OPENBLAS_CORETYPE";

    /// <summary>hnn's override: <c>keep</c> or a kernel name.</summary>
    public const string OverrideVariable = "HNN_OPENBLAS_CORETYPE";

    /// <summary>
    /// The LAPACK library the user asked for with <c>HNN_LAPACK_LIBRARY</c> (<see cref="LinearAlgebraBackends.LibraryEnvironmentVariable"/>),
    /// or null for the default: the one place that reads it (src/Stages is handed the path).
    /// </summary>
    public static string? LapackLibraryPath()
    {
        var value = Environment.GetEnvironmentVariable(LinearAlgebraBackends.LibraryEnvironmentVariable);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <summary>The <see cref="OverrideVariable"/> value that leaves the choice to the library.</summary>
    public const string Keep = "keep";

    /// <summary>
    /// The auto rule: AVX-512 (F, BW, DQ, VL: what OpenBLAS's SkylakeX kernels use) gives <c>SkylakeX</c>; else AVX2 with
    /// FMA gives <c>Haswell</c>; else null (leave it to the library). Evidence (docs/BENCHMARKS.md, section 0): on an
    /// AVX-512 Intel Xeon that OpenBLAS 0.3.21 does not recognise (it falls back to Prescott) SkylakeX runs dgemm 5x
    /// faster than Prescott and ~1.8x faster than Haswell; on an AVX-512 AMD EPYC (Zen 5), where it picks Haswell,
    /// SkylakeX is faster again. On AVX2-only CPUs the library's own picks are Haswell or Zen (Zen measured equal to
    /// Haswell on the Zen 5), so Haswell there changes nothing but the generic fallback.
    /// </summary>
    public static string? AutoKernel(CpuIsa isa)
    {
        ArgumentNullException.ThrowIfNull(isa);
        if (isa.Avx512F && isa.Avx512BW && isa.Avx512DQ && isa.Avx512VL)
            return "SkylakeX";
        if (isa.Avx2 && isa.Fma)
            return "Haswell";
        return null;
    }

    /// <summary>The decision as a pure function of the two variables' values, the CPU and whether a LAPACK is already loaded.</summary>
    public static BlasKernelDecision Decide(string? openBlasCoreType, string? hnnCoreType, CpuIsa isa, bool alreadyLoaded)
    {
        if (alreadyLoaded)
            return new(null, BlasKernelSource.Preloaded, "LAPACK was already loaded in this process; its kernel is fixed");
        if (!string.IsNullOrWhiteSpace(openBlasCoreType))
            return new(null, BlasKernelSource.User, $"{OpenBlasVariable}={openBlasCoreType.Trim()} set by the user");
        if (!string.IsNullOrWhiteSpace(hnnCoreType))
        {
            var value = hnnCoreType.Trim();
            return string.Equals(value, Keep, StringComparison.OrdinalIgnoreCase)
                ? new(null, BlasKernelSource.Keep, $"{OverrideVariable}={Keep}: the library's own detection")
                : new(value, BlasKernelSource.Override, $"{OverrideVariable}={value}");
        }

        var auto = AutoKernel(isa);
        return auto is null
            ? new(null, BlasKernelSource.Default, "no AVX2/FMA: the library's own detection")
            : new(auto, BlasKernelSource.Auto, auto == "SkylakeX" ? "auto: AVX-512 F/BW/DQ/VL" : "auto: AVX2 + FMA");
    }

    /// <summary>
    /// Chooses the kernel (unless <paramref name="choice"/> is "managed"), resolves the backend through
    /// <see cref="LinearAlgebraBackends.Resolve"/>, verifies a native one and returns it with its log note and the
    /// manifest record (null when no OpenBLAS-like library is in use). With <paramref name="mayRestart"/> false (a
    /// library inside someone else's process) a failed self-check of the auto-chosen kernels falls back to the managed
    /// backend instead of restarting the process.
    /// </summary>
    public static ILinearAlgebra Resolve(string choice, ILogger log, out string note, out BlasKernelRecord? kernel, bool mayRestart = true)
    {
        ArgumentNullException.ThrowIfNull(choice);
        ArgumentNullException.ThrowIfNull(log);
        kernel = null;
        if (string.Equals(choice.Trim(), "managed", StringComparison.OrdinalIgnoreCase))
            return LinearAlgebraBackends.Resolve(choice, null, out note);

        var decision = Decide(Environment.GetEnvironmentVariable(OpenBlasVariable), Environment.GetEnvironmentVariable(OverrideVariable),
            CpuIsa.Current(), LapackLinearAlgebra.AnyLoaded);
        if (decision.CoreType is not null)
            SetNativeEnvironment(OpenBlasVariable, decision.CoreType);

        var la = LinearAlgebraBackends.Resolve(choice, LapackLibraryPath(), out note);
        if (la is not LapackLinearAlgebra lapack)
            return la;

        var check = BlasSelfCheck.Run(lapack);
        kernel = new BlasKernelRecord(lapack.CoreName, decision.CoreType, decision.Source, decision.Reason, check.Passed, check.Summary);
        if (decision.CoreType is not null && lapack.CoreName is { } core && !string.Equals(core, decision.CoreType, StringComparison.OrdinalIgnoreCase))
            log.Warning("OpenBLAS was asked for the {Requested} kernels but reports {Core} (OpenBLAS 0.3.21 ignores a name it does not know and uses its own detection)", decision.CoreType, core);

        note += $"; BLAS kernel {lapack.CoreName ?? "unknown"} ({decision.Reason}; self-check {(check.Passed ? "passed" : "FAILED")})";
        if (check.Passed)
            return la;

        if (decision.Source == BlasKernelSource.Auto)
        {
            log.Warning("the {Core} kernels chosen by the auto rule disagree with the managed code beyond rounding ({Check}); restarting with {Variable}={Keep} (the library's default kernel)",
                lapack.CoreName, check.Summary, OverrideVariable, Keep);
            if (mayRestart)
                ReExecWithDefaultKernel(); // returns only if exec failed
            var managed = LinearAlgebraBackends.Resolve("managed", out note);
            note += $" (restart with the default BLAS kernel failed; the auto-chosen {lapack.CoreName} kernels failed the self-check)";
            log.Warning("could not restart the process; using the managed backend");
            return managed;
        }

        log.Warning("LAPACK results disagree with the managed code beyond rounding ({Check}) under the {Core} kernels ({Reason}); set {Variable} or solver.backend: managed if results look wrong",
            check.Summary, lapack.CoreName, decision.Reason, OpenBlasVariable);
        return la;
    }

    private static void SetNativeEnvironment(string name, string value)
    {
        if (OperatingSystem.IsWindows())
        {
            Environment.SetEnvironmentVariable(name, value); // the C runtime reads the process environment there
            return;
        }

        if (Setenv(name, value, 1) != 0)
            throw new InvalidOperationException($"setenv({name}) failed: errno {Marshal.GetLastPInvokeError()}");
        Environment.SetEnvironmentVariable(name, value); // keep .NET's copy (and child processes) in step
    }

    /// <summary>execv(/proc/self/exe, the same argv) with <c>HNN_OPENBLAS_CORETYPE=keep</c> and <c>OPENBLAS_CORETYPE</c> removed.</summary>
    private static void ReExecWithDefaultKernel()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string[] args;
        try
        {
            args = File.ReadAllText("/proc/self/cmdline").Split('\0', StringSplitOptions.None);
        }
        catch (IOException)
        {
            return;
        }

        if (args.Length > 0 && args[^1].Length == 0)
            args = args[..^1];
        if (args.Length == 0 || Unsetenv(OpenBlasVariable) != 0 || Setenv(OverrideVariable, Keep, 1) != 0)
            return;

        var argv = new IntPtr[args.Length + 1];
        try
        {
            for (var i = 0; i < args.Length; i++)
                argv[i] = Marshal.StringToCoTaskMemUTF8(args[i]);
            Console.Out.Flush();
            Console.Error.Flush();
            _ = Execv("/proc/self/exe", argv);
        }
        finally
        {
            foreach (var p in argv)
                Marshal.FreeCoTaskMem(p);
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Setenv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Unsetenv(string name);

    [LibraryImport("libc", EntryPoint = "execv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Execv(string path, IntPtr[] argv);
}
