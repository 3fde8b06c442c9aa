using Hnn.Stages.Training;

namespace Hnn.Pipeline.Config;

/// <summary>
/// Limits that validation applies so that a valid pipeline can run: a name that fits in a run id, coordinates and
/// time steps whose arithmetic stays finite, and sizes whose arrays the fit can index (a .NET array holds at most
/// <see cref="Array.MaxLength"/> elements). Each check adds problems to a <see cref="SpecReader"/>.
/// </summary>
internal static class SpecLimits
{
    /// <summary>Longest pipeline name (the run id is timestamp-name-suffix, one path segment of at most 255 bytes).</summary>
    public const int MaxNameLength = 100;

    /// <summary>Largest hig.batch_size (each step takes the SVD of a (batch x 2 dof) x parameters Jacobian).</summary>
    public const int MaxHigBatch = 1_000_000;

    /// <summary>Largest adam.learning_rate and hig.learning_rate.</summary>
    public const double MaxLearningRate = 1e3;

    /// <summary>Largest magnitude of a coordinate (domain bounds, anchor.x0, rollout.initial, model.elm_bias) and of anchor.h0.</summary>
    public const double MaxCoordinate = 1e12;

    /// <summary>Largest rollout.dt.</summary>
    public const double MaxDt = 1e3;

    /// <summary>Largest rollout horizon dt x steps.</summary>
    public const double MaxHorizon = 1e9;

    /// <summary>Run name: 1 to <see cref="MaxNameLength"/> printable characters.</summary>
    public static void Name(SpecReader r, string name, bool fromFileName)
    {
        var origin = fromFileName ? " (the default: the pipeline's file name)" : string.Empty;
        if (name.Length == 0 || name.Length > MaxNameLength)
        {
            r.Problem("name", $"'{Shown.Cut(name)}'{origin} has {name.Length} characters; a name must have 1 to {MaxNameLength}{(fromFileName ? "; set name:" : string.Empty)}");
        }
        else if (name.Any(char.IsControl))
        {
            r.Problem("name", $"'{Shown.Cut(name)}'{origin} has a control character; a name must be printable text");
        }
    }

    /// <summary>A coordinate must be finite and within ±<see cref="MaxCoordinate"/>; false (and a problem) if not.</summary>
    public static bool Coordinate(SpecReader r, double value, string path)
    {
        if (Math.Abs(value) <= MaxCoordinate)
        {
            return true;
        }

        r.Problem(path, $"{SpecReader.Format(value)} is not allowed: must be in [-1e12, 1e12]");
        return false;
    }

    /// <summary>rollout.dt in (0, <see cref="MaxDt"/>] and dt x steps at most <see cref="MaxHorizon"/>.</summary>
    public static void Rollout(SpecReader r, double dt, int steps, bool dtGiven)
    {
        if (dt > MaxDt)
        {
            r.Problem("rollout.dt", $"{SpecReader.Format(dt)} is not allowed: must be in (0, 1000]");
        }
        else if (dt * steps > MaxHorizon)
        {
            r.Problem(dtGiven ? "rollout.dt" : "rollout.steps", $"dt x steps = {SpecReader.Format(dt)} x {steps} = {SpecReader.Format(dt * steps)} is not allowed: the rollout horizon must be at most 1e9");
        }
    }

    /// <summary>
    /// The largest width N whose fit arrays the runtime can index with d degrees of freedom: the QR triangle holds
    /// (N + 2d)^2 doubles and the reduced problem (2d (N + 2d) + 1) x (N + 1); each must stay within
    /// <see cref="Array.MaxLength"/>.
    /// </summary>
    public static int MaxWidth(int dof)
    {
        var d = Math.Max(1, dof);
        bool Fits(long n) => (n + (2L * d)) * (n + (2L * d)) <= Array.MaxLength && ((2L * d * (n + (2L * d))) + 1) * (n + 1) <= Array.MaxLength;
        long lo = 1, hi = 1_000_000;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            (lo, hi) = Fits(mid) ? (mid, hi) : (lo, mid - 1);
        }

        return (int)lo;
    }

    /// <summary>Widths, QR blocks and the full-matrix problem within what the fit can index (all products in long).</summary>
    public static void Sizes(SpecReader r, IReadOnlyList<int> widths, int dof, int train, int chunkRows, SolveMode mode)
    {
        if (widths.Count == 0)
        {
            return;
        }

        var d = Math.Max(1, dof);
        var maxWidth = MaxWidth(d);
        for (var i = 0; i < widths.Count; i++)
        {
            if (widths[i] > maxWidth)
            {
                r.Problem($"model.widths[{i}]", $"'{widths[i]}' is not allowed: with {d} degree(s) of freedom the width must be an integer in [1, {maxWidth}] (the fit's largest array, (2d (N + 2d) + 1) x (N + 1) doubles, must have at most {Array.MaxLength} elements)");
            }
        }

        var n = (long)Math.Min(widths.Max(), maxWidth);
        var cols = n + (2L * d);
        if (Math.Max(chunkRows, cols) * cols > Array.MaxLength)
        {
            var maxRows = Array.MaxLength / cols;
            r.Problem("solver.chunk_rows", $"'{chunkRows}' is not allowed with width {n}: a QR block of chunk_rows x (N + 2d) doubles must have at most {Array.MaxLength} elements, so chunk_rows must be in [1, {maxRows}]");
        }

        if (mode == SolveMode.Full && train > 0 && ((2L * d * train) + 1) * (n + 1) > Array.MaxLength)
        {
            r.Problem("solver.mode", $"full is not allowed with data.train = {train} and width {n}: the full matrix, (2d K + 1) x (N + 1) doubles, would have more than {Array.MaxLength} elements; use structured");
        }
    }
}
