namespace Hnn.Stages.Numerics;

/// <summary>
/// Chooses the <see cref="ILinearAlgebra"/> backend from a configuration string.
/// </summary>
/// <remarks>
/// The library path is handed in (src/Pipeline reads it from the environment variable <c>HNN_LAPACK_LIBRARY</c>,
/// <see cref="LibraryEnvironmentVariable"/>; nothing here reads the environment): if non-empty, the LAPACK backend
/// loads exactly this shared library (an absolute path, or a name the dynamic loader resolves,
/// e.g. <c>/opt/OpenBLAS/lib/libopenblas.so.0</c>) instead of the default <c>libopenblas.so.0</c>; no other
/// library is tried. The library must export the Fortran symbols dgeqrt_, dgemqrt_, dtpqrt_, dgelsd_ and dgesdd_ with
/// 32-bit integers; openblas_set_num_threads / openblas_get_config are used when present.
/// </remarks>
public static class LinearAlgebraBackends
{
    /// <summary>Name of the environment variable that overrides the LAPACK library path: <c>HNN_LAPACK_LIBRARY</c>.</summary>
    public const string LibraryEnvironmentVariable = "HNN_LAPACK_LIBRARY";

    /// <summary>The accepted values of <c>choice</c> in <see cref="Resolve"/>.</summary>
    public static IReadOnlyList<string> Choices { get; } = ["auto", "lapack", "managed"];

    /// <summary>
    /// Resolves a backend. <paramref name="choice"/> (case-insensitive):
    /// <c>"auto"</c> — LAPACK if the library loads, else managed (never throws for a missing library);
    /// <c>"lapack"</c> — LAPACK or <see cref="InvalidOperationException"/> naming the library searched;
    /// <c>"managed"</c> — the MathNet managed backend.
    /// <paramref name="note"/> says which backend was chosen and why, for logs and manifests.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown <paramref name="choice"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>"lapack"</c> was requested and the library cannot be loaded.</exception>
    public static ILinearAlgebra Resolve(string choice, out string note) => Resolve(choice, null, out note);

    /// <summary>
    /// <see cref="Resolve(string, out string)"/> with the LAPACK library <paramref name="libraryPath"/> (from
    /// <see cref="LibraryEnvironmentVariable"/>, resolved by the caller; null or blank: <c>libopenblas.so.0</c>).
    /// </summary>
    public static ILinearAlgebra Resolve(string choice, string? libraryPath, out string note)
    {
        ArgumentNullException.ThrowIfNull(choice);
        var normalized = choice.Trim().ToLowerInvariant();
        switch (normalized)
        {
            case "managed":
                {
                    var managed = new ManagedLinearAlgebra();
                    note = $"linear algebra: {managed.Name} (requested 'managed')";
                    return managed;
                }

            case "lapack":
                {
                    var path = string.IsNullOrWhiteSpace(libraryPath) ? null : libraryPath.Trim();
                    if (LapackLinearAlgebra.TryCreate(path, out var lapack, out var reason))
                    {
                        note = $"linear algebra: {lapack.Name} (requested 'lapack'{OverrideText(path)})";
                        return lapack;
                    }

                    throw new InvalidOperationException(
                        $"Linear algebra backend 'lapack' was requested but no usable LAPACK library was found " +
                        $"(searched {Searched(path)}): {reason}. Install OpenBLAS (Debian/Ubuntu: apt-get install libopenblas0), " +
                        $"point {LibraryEnvironmentVariable} at a LAPACK shared library, or choose 'auto' or 'managed'.");
                }

            case "auto":
                {
                    var path = string.IsNullOrWhiteSpace(libraryPath) ? null : libraryPath.Trim();
                    if (LapackLinearAlgebra.TryCreate(path, out var lapack, out var reason))
                    {
                        note = $"linear algebra: {lapack.Name} (auto: native LAPACK loaded{OverrideText(path)})";
                        return lapack;
                    }

                    var managed = new ManagedLinearAlgebra();
                    note = $"linear algebra: {managed.Name} (auto: LAPACK unavailable, searched {Searched(path)}: {reason}; " +
                           "using the slower managed fallback)";
                    return managed;
                }

            default:
                throw new ArgumentException(
                    $"Unknown linear algebra backend '{choice}'; expected one of: {string.Join(", ", Choices)}.", nameof(choice));
        }
    }

    private static string OverrideText(string? path) => path is null ? "" : $", {LibraryEnvironmentVariable}={path}";

    private static string Searched(string? path) =>
        path is null
            ? $"'{LapackNative.DefaultLibraryName}' ({LibraryEnvironmentVariable} not set)"
            : $"'{path}' from {LibraryEnvironmentVariable}";
}
