using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Hnn.Stages.Numerics;

/// <summary>
/// Function pointers into a Fortran-ABI LAPACK shared library (Debian's OpenBLAS by default), resolved with
/// <see cref="NativeLibrary.TryLoad(string, out IntPtr)"/> so that a missing library or symbol is reported
/// without exceptions. Fortran convention: every argument by pointer, column-major storage, 32-bit (LP64)
/// integers, hidden <c>size_t</c> lengths appended for character arguments.
/// </summary>
internal sealed unsafe class LapackNative
{
    /// <summary>The library name tried when no explicit path is given.</summary>
    public const string DefaultLibraryName = "libopenblas.so.0";

    private static readonly string[] DefaultCandidates =
    [
        DefaultLibraryName,
        "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
    ];

    private static readonly Lock CacheLock = new();
    private static readonly Dictionary<string, LapackNative> Cache = new(StringComparer.Ordinal);

    // SUBROUTINE DGEQRT(M, N, NB, A, LDA, T, LDT, WORK, INFO)
    private readonly delegate* unmanaged<int*, int*, int*, double*, int*, double*, int*, double*, int*, void> _dgeqrt;

    // SUBROUTINE DGEMQRT(SIDE, TRANS, M, N, K, NB, V, LDV, T, LDT, C, LDC, WORK, INFO) + 2 hidden lengths
    private readonly delegate* unmanaged<byte*, byte*, int*, int*, int*, int*, double*, int*, double*, int*, double*, int*, double*, int*, nint, nint, void> _dgemqrt;

    // SUBROUTINE DTPQRT(M, N, L, NB, A, LDA, B, LDB, T, LDT, WORK, INFO)
    private readonly delegate* unmanaged<int*, int*, int*, int*, double*, int*, double*, int*, double*, int*, double*, int*, void> _dtpqrt;

    // SUBROUTINE DGELSD(M, N, NRHS, A, LDA, B, LDB, S, RCOND, RANK, WORK, LWORK, IWORK, INFO)
    private readonly delegate* unmanaged<int*, int*, int*, double*, int*, double*, int*, double*, double*, int*, double*, int*, int*, int*, void> _dgelsd;

    // SUBROUTINE DGESDD(JOBZ, M, N, A, LDA, S, U, LDU, VT, LDVT, WORK, LWORK, IWORK, INFO) + 1 hidden length
    private readonly delegate* unmanaged<byte*, int*, int*, double*, int*, double*, double*, int*, double*, int*, double*, int*, int*, int*, nint, void> _dgesdd;

    // dgemm_ (optional: used only to measure the machine's dgemm rate for benchmarks).
    private readonly delegate* unmanaged<byte*, byte*, int*, int*, int*, double*, double*, int*, double*, int*, double*, double*, int*, nint, nint, void> _dgemm;

    // void openblas_set_num_threads(int); int openblas_get_num_threads(void) — optional (OpenBLAS only).
    private readonly delegate* unmanaged<int, void> _setNumThreads;
    private readonly delegate* unmanaged<int> _getNumThreads;

    private readonly IntPtr _handle;

    private LapackNative(string libraryPath, IntPtr handle)
    {
        LibraryPath = libraryPath;
        _handle = handle;
        _dgeqrt = (delegate* unmanaged<int*, int*, int*, double*, int*, double*, int*, double*, int*, void>)
            NativeLibrary.GetExport(handle, "dgeqrt_");
        _dgemqrt = (delegate* unmanaged<byte*, byte*, int*, int*, int*, int*, double*, int*, double*, int*, double*, int*, double*, int*, nint, nint, void>)
            NativeLibrary.GetExport(handle, "dgemqrt_");
        _dtpqrt = (delegate* unmanaged<int*, int*, int*, int*, double*, int*, double*, int*, double*, int*, double*, int*, void>)
            NativeLibrary.GetExport(handle, "dtpqrt_");
        _dgelsd = (delegate* unmanaged<int*, int*, int*, double*, int*, double*, int*, double*, double*, int*, double*, int*, int*, int*, void>)
            NativeLibrary.GetExport(handle, "dgelsd_");
        _dgesdd = (delegate* unmanaged<byte*, int*, int*, double*, int*, double*, double*, int*, double*, int*, double*, int*, int*, int*, nint, void>)
            NativeLibrary.GetExport(handle, "dgesdd_");

        if (NativeLibrary.TryGetExport(handle, "dgemm_", out var gemm))
            _dgemm = (delegate* unmanaged<byte*, byte*, int*, int*, int*, double*, double*, int*, double*, int*, double*, double*, int*, nint, nint, void>)gemm;
        if (NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out var set))
            _setNumThreads = (delegate* unmanaged<int, void>)set;
        if (NativeLibrary.TryGetExport(handle, "openblas_get_num_threads", out var get))
            _getNumThreads = (delegate* unmanaged<int>)get;
        if (NativeLibrary.TryGetExport(handle, "openblas_get_config", out var cfg))
        {
            var config = Marshal.PtrToStringUTF8(((delegate* unmanaged<IntPtr>)cfg)());
            Config = string.IsNullOrWhiteSpace(config) ? null : config.Trim();
        }

        if (NativeLibrary.TryGetExport(handle, "openblas_get_corename", out var core))
        {
            var name = Marshal.PtrToStringUTF8(((delegate* unmanaged<IntPtr>)core)());
            CoreName = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        }
    }

    /// <summary>The path or name the library was loaded from.</summary>
    public string LibraryPath { get; }

    /// <summary><c>openblas_get_config()</c>, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"; null if not exported.</summary>
    public string? Config { get; }

    /// <summary>
    /// <c>openblas_get_corename()</c>: the kernel set OpenBLAS chose when it initialised (e.g. "Haswell", "SkylakeX",
    /// "Prescott"); null if not exported (not OpenBLAS).
    /// </summary>
    public string? CoreName { get; }

    public bool CanSetThreads => _setNumThreads != null;

    /// <summary>True once any library has been loaded through <see cref="TryLoad"/> in this process.</summary>
    public static bool AnyLoaded
    {
        get
        {
            lock (CacheLock)
                return Cache.Count > 0;
        }
    }

    /// <summary>
    /// Loads the library (cached per path). With <paramref name="libraryPath"/> null or empty, tries
    /// <see cref="DefaultLibraryName"/> through the dynamic loader's search path, then the Debian multiarch path.
    /// </summary>
    public static bool TryLoad(string? libraryPath, [NotNullWhen(true)] out LapackNative? native, out string reason)
    {
        string[] candidates = string.IsNullOrWhiteSpace(libraryPath) ? DefaultCandidates : [libraryPath.Trim()];
        var failures = new List<string>();
        lock (CacheLock)
        {
            foreach (var candidate in candidates)
            {
                if (Cache.TryGetValue(candidate, out native))
                {
                    reason = $"loaded '{candidate}'";
                    return true;
                }

                if (!NativeLibrary.TryLoad(candidate, out var handle))
                {
                    failures.Add($"'{candidate}' not found or not loadable");
                    continue;
                }

                var missing = RequiredSymbols.Where(s => !NativeLibrary.TryGetExport(handle, s, out _)).ToArray();
                if (missing.Length > 0)
                {
                    failures.Add($"'{candidate}' loaded but does not export {string.Join(", ", missing)}");
                    continue; // the handle stays loaded; harmless (and unloading could break other users of it)
                }

                native = new LapackNative(candidate, handle);
                Cache[candidate] = native;
                reason = $"loaded '{candidate}'";
                return true;
            }
        }

        native = null;
        reason = "could not load a LAPACK library: " + string.Join("; ", failures);
        return false;
    }

    private static readonly string[] RequiredSymbols = ["dgeqrt_", "dgemqrt_", "dtpqrt_", "dgelsd_", "dgesdd_"];

    /// <summary>
    /// The process-wide gate every call passes (OpenBLAS has one thread-count setting per process): each routine below
    /// runs under exactly the thread count it is given, never changed while another call is in flight.
    /// </summary>
    private static BlasThreadGate? s_gate;

    private BlasThreadGate Gate => s_gate ??= CreateGate();

    private BlasThreadGate CreateGate()
    {
        lock (CacheLock)
        {
            return s_gate ??= new BlasThreadGate(_setNumThreads == null ? null : SetNumThreadsRaw);
        }
    }

    private void SetNumThreadsRaw(int threads) => _setNumThreads(threads);

    /// <summary>Enters the gate with <paramref name="threads"/> BLAS threads (for callers that make several calls).</summary>
    public BlasThreadGate.Scope Enter(int threads) => Gate.Enter(threads);

    /// <summary>OpenBLAS's thread count as a call made with <paramref name="threads"/> sees it, or 0 if the library does not say.</summary>
    public int GetNumThreads(int threads)
    {
        using var scope = Gate.Enter(threads);
        return _getNumThreads != null ? _getNumThreads() : 0;
    }

    /// <summary>
    /// The address of an optional routine of the library (e.g. "dgeqp3_"), for a solver module that binds its own
    /// routine; the module must call it inside <see cref="Enter"/> with its view's thread count and hand it only
    /// <see cref="AlignedBuffer"/> memory.
    /// </summary>
    public bool TryGetExport(string symbol, out IntPtr address) => NativeLibrary.TryGetExport(_handle, symbol, out address);

    /// <summary>True when dgemm_ is exported.</summary>
    public bool HasGemm => _dgemm != null;

    /// <summary>C = A B for square n x n matrices (column-major), through dgemm_.</summary>
    public void Gemm(int threads, int n, double* a, double* b, double* c)
    {
        if (_dgemm == null)
            throw new InvalidOperationException("dgemm_ is not exported by " + LibraryPath);
        byte no = (byte)'N';
        double one = 1, zero = 0;
        using var scope = Gate.Enter(threads);
        _dgemm(&no, &no, &n, &n, &n, &one, a, &n, b, &n, &zero, c, &n, 1, 1);
    }

    /// <summary>C = op(A) op(B) (m x n, inner k; column-major with leading dimensions), through dgemm_.</summary>
    public void Gemm(int threads, bool transposeA, bool transposeB, int m, int n, int k, double* a, int lda, double* b, int ldb, double* c, int ldc)
    {
        if (_dgemm == null)
            throw new InvalidOperationException("dgemm_ is not exported by " + LibraryPath);
        byte ta = transposeA ? (byte)'T' : (byte)'N', tb = transposeB ? (byte)'T' : (byte)'N';
        double one = 1, zero = 0;
        using var scope = Gate.Enter(threads);
        _dgemm(&ta, &tb, &m, &n, &k, &one, a, &lda, b, &ldb, &zero, c, &ldc, 1, 1);
    }

    /// <summary>Blocked QR of the m x n matrix <paramref name="a"/> (compact WY, T is nb x min(m, n)).</summary>
    public void Geqrt(int threads, int m, int n, int nb, double* a, int lda, double* t, int ldt, double* work)
    {
        int info;
        using (Gate.Enter(threads))
            _dgeqrt(&m, &n, &nb, a, &lda, t, &ldt, work, &info);
        Check("dgeqrt", info);
    }

    /// <summary>Applies Q or Q^T from <see cref="Geqrt"/> to the m x n matrix C from the left ('L') or right ('R').</summary>
    public void Gemqrt(int threads, byte side, byte trans, int m, int n, int k, int nb, double* v, int ldv, double* t, int ldt, double* c, int ldc, double* work)
    {
        int info;
        using (Gate.Enter(threads))
            _dgemqrt(&side, &trans, &m, &n, &k, &nb, v, &ldv, t, &ldt, c, &ldc, work, &info, 1, 1);
        Check("dgemqrt", info);
    }

    /// <summary>
    /// QR of the triangular-pentagonal stack [A; B]: A (n x n upper triangular) is overwritten by the new R,
    /// B (m x n, its last l rows upper trapezoidal) by the reflectors.
    /// </summary>
    public void Tpqrt(int threads, int m, int n, int l, int nb, double* a, int lda, double* b, int ldb, double* t, int ldt, double* work)
    {
        int info;
        using (Gate.Enter(threads))
            _dtpqrt(&m, &n, &l, &nb, a, &lda, b, &ldb, t, &ldt, work, &info);
        Check("dtpqrt", info);
    }

    /// <summary>Raw dgelsd call; returns INFO (caller interprets convergence failures).</summary>
    public int Gelsd(int threads, int m, int n, int nrhs, double* a, int lda, double* b, int ldb, double* s, double rcond, out int rank,
        double* work, int lwork, int* iwork)
    {
        int info;
        int r;
        using (Gate.Enter(threads))
            _dgelsd(&m, &n, &nrhs, a, &lda, b, &ldb, s, &rcond, &r, work, &lwork, iwork, &info);
        rank = r;
        if (info < 0)
            Check("dgelsd", info);
        return info;
    }

    /// <summary>
    /// Raw dgesdd call (divide-and-conquer SVD; <paramref name="jobz"/> 'S' gives the thin U and V^T); returns INFO
    /// (caller interprets convergence failures). A is overwritten.
    /// </summary>
    public int Gesdd(int threads, byte jobz, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* vt, int ldvt,
        double* work, int lwork, int* iwork)
    {
        int info;
        using (Gate.Enter(threads))
            _dgesdd(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, &info, 1);
        if (info < 0)
            Check("dgesdd", info);
        return info;
    }

    private static void Check(string routine, int info)
    {
        if (info < 0)
            throw new InvalidOperationException($"LAPACK {routine}: argument {-info} had an illegal value (this is a bug in the caller).");
        if (info > 0)
            throw new InvalidOperationException($"LAPACK {routine} failed with INFO = {info}.");
    }
}
