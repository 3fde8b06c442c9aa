namespace Hnn.Stages.Training;

/// <summary>How the output layer is solved.</summary>
public enum SolveMode
{
    /// <summary>QR of [S | U] (chunked), then the reduced (2dN + 1) x (N + 1) problem (docs/ALGORITHM.md §2.3).</summary>
    Structured,

    /// <summary>dgelsd on the full (2dK + 1) x (N + 1) matrix, as the reference does (for comparison).</summary>
    Full,
}
