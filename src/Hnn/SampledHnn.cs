using System.Collections.Concurrent;
using Hnn.Datasets;
using Hnn.Pipeline.Cli;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Planning;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;
using PipelineModel = Hnn.Pipeline.Models.HamiltonianModel;
using PipelineModelInfo = Hnn.Pipeline.Models.ModelInfo;

namespace Hnn.Api;

/// <summary>
/// Fits a sampled Hamiltonian neural network: the hidden layer is sampled (ELM, U-SWIM, A-SWIM, SWIM) and the output
/// layer comes from one rank-revealing least-squares solve of x' = J grad H-hat with H-hat pinned at the anchor.
/// Points are columns: <c>x[i][k]</c> is coordinate i (q1..qd, p1..pd) of point k, <c>dxdt[i][k]</c> its time
/// derivative (dq1..dqd, dp1..dpd). It runs the code of <c>hnn run</c>'s sample and fit stages (same samplers, seed
/// derivations, streamed QR, lanes, BLAS thread counts and kernel choice), so the same data and settings give the
/// same weights to the last bit on the same machine.
/// </summary>
public static class SampledHnn
{
    private static readonly ConcurrentDictionary<string, ILinearAlgebra> Backends = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Fits a model with a method that needs no values of H (ELM, U-SWIM, A-SWIM).</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">Shapes differ, a value is not finite, an option is out of range, or
    /// <see cref="HnnMethod.Swim"/> was asked for without H (use the overload with <c>h</c>).</exception>
    public static HamiltonianModel Fit(double[][] x, double[][] dxdt, SampledHnnOptions options) => Fit(x, dxdt, null, options);

    /// <summary>
    /// Fits a model; <paramref name="h"/> (H at each point, or null) is needed by <see cref="HnnMethod.Swim"/> only and
    /// ignored by the other methods.
    /// </summary>
    /// <param name="x">States: 2d columns of K points.</param>
    /// <param name="dxdt">Their time derivatives: 2d columns of K points.</param>
    /// <param name="h">H at each point (K values) for SWIM; null for the other methods.</param>
    /// <param name="options">Method, width, rcond, seed, anchor and solver settings.</param>
    /// <param name="cancellationToken">Stops the fit between blocks of rows.</param>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="h"/> is null.</exception>
    /// <exception cref="ArgumentException">Shapes differ, a value is not finite or an option is out of range.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static HamiltonianModel Fit(double[][] x, double[][] dxdt, double[]? h, SampledHnnOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dxdt);
        ArgumentNullException.ThrowIfNull(options);
        var (dof, count) = CheckData(x, dxdt, h, options.Method);
        CheckOptions(options, dof);
        var la = Backend(options.Backend);
        var data = new DataSet(dof, x, dxdt, h ?? new double[count]);
        var anchor = new Anchor(options.Anchor is null ? new double[2 * dof] : [.. options.Anchor.X0], options.Anchor?.H0 ?? 0);
        // As hnn run without a domain: the ELM bias range is [min, max] over the training data.
        var bias = options.ElmBias ?? (x.Min(c => c.Min()), x.Max(c => c.Max()));
        var budget = ComputeBudget.ForMachine(1);
        var method = ToMethod(options.Method);

        FitResult Solve(HiddenLayer hidden) =>
            ParallelFit.FitAsync(la, hidden, x, dxdt, anchor, options.Rcond, options.ChunkRows, options.Lanes, budget, null, cancellationToken)
                .GetAwaiter().GetResult();

        // As in hnn run: A-SWIM fits the U-SWIM layer of the same seed first, samples again guided by that model's H-hat
        // at the training points, and solves again.
        var fit = Solve(method.Draw(data, options.Width, options.Seed, bias));
        if (method.Redraws)
        {
            var energy = ParallelChunks.Energy(fit.Network, x, budget.ChunkDegree, cancellationToken);
            fit = Solve(method.Redraw(data, energy, options.Width, options.Seed));
        }

        var info = new PipelineModelInfo(dof, method.Name, options.Width, 0, options.Seed, null, new Dictionary<string, double>(), null, null,
            anchor.X0, anchor.H0, null, null);
        return new HamiltonianModel(new PipelineModel(fit.Network, info), fit.Rank);
    }

    /// <summary>The linear algebra of <paramref name="choice"/>, resolved once per process as <c>hnn run</c> does.</summary>
    private static ILinearAlgebra Backend(string choice) =>
        Backends.GetOrAdd(choice.Trim(), c => BlasKernel.Resolve(c, Serilog.Core.Logger.None, out _, out _, mayRestart: false));

    /// <summary>The library's public method enum onto the pipeline's method records (a sampler exposed here is opt-in: one case).</summary>
    internal static SampledMethod ToMethod(HnnMethod method) => method switch
    {
        HnnMethod.Elm => Elm.Instance,
        HnnMethod.USwim => USwim.Instance,
        HnnMethod.ASwim => ASwim.Instance,
        HnnMethod.Swim => Swim.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "unknown method; known: Elm, USwim, ASwim, Swim"),
    };

    private static (int Dof, int Count) CheckData(double[][] x, double[][] dxdt, double[]? h, HnnMethod method)
    {
        if (x.Length == 0 || x.Length % 2 != 0)
        {
            throw new ArgumentException($"x has {x.Length} coordinate column(s); a state has 2d columns q1..qd, p1..pd (d >= 1)", nameof(x));
        }

        if (dxdt.Length != x.Length)
        {
            throw new ArgumentException($"dxdt has {dxdt.Length} column(s), x has {x.Length}", nameof(dxdt));
        }

        var count = x[0]?.Length ?? throw new ArgumentException("x has a null column", nameof(x));
        foreach (var (columns, name) in new[] { (x, nameof(x)), (dxdt, nameof(dxdt)) })
        {
            for (var i = 0; i < columns.Length; i++)
            {
                if (columns[i] is null || columns[i].Length != count)
                {
                    throw new ArgumentException($"{name}[{i}] has {columns[i]?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no"} values, x[0] has {count}", name);
                }

                if (Array.FindIndex(columns[i], v => !double.IsFinite(v)) is var bad and >= 0)
                {
                    throw new ArgumentException($"{name}[{i}][{bad}] is not a finite number", name);
                }
            }
        }

        if (count < 2)
        {
            throw new ArgumentException($"x has {count} point(s); at least 2 are needed", nameof(x));
        }

        if (method == HnnMethod.Swim && h is null)
        {
            throw new ArgumentException("SWIM samples by the values of H: pass h, or use USwim or ASwim", nameof(h));
        }

        if (h is not null && (h.Length != count || h.Any(v => !double.IsFinite(v))))
        {
            throw new ArgumentException($"h must have {count} finite values (one per point)", nameof(h));
        }

        return (x.Length / 2, count);
    }

    private static void CheckOptions(SampledHnnOptions o, int dof)
    {
        if (o.Width < 1 || o.Width > 1_000_000)
        {
            throw new ArgumentException($"Width {o.Width}: allowed 1..1000000", nameof(o));
        }

        if (!(o.Rcond > 0 && o.Rcond < 1))
        {
            throw new ArgumentException($"Rcond {o.Rcond}: allowed 0 < rcond < 1", nameof(o));
        }

        if (o.ChunkRows < 1 || o.Lanes < 1 || o.Lanes > 256)
        {
            throw new ArgumentException($"ChunkRows {o.ChunkRows} / Lanes {o.Lanes}: allowed ChunkRows >= 1, Lanes 1..256", nameof(o));
        }

        if (o.Anchor is not null && o.Anchor.X0.Count != 2 * dof)
        {
            throw new ArgumentException($"Anchor.X0 has {o.Anchor.X0.Count} coordinate(s), the data have {2 * dof}", nameof(o));
        }

        if (o.ElmBias is { } bias && !(double.IsFinite(bias.Low) && double.IsFinite(bias.High) && bias.Low <= bias.High))
        {
            throw new ArgumentException("ElmBias must be a finite interval with Low <= High", nameof(o));
        }

        ArgumentNullException.ThrowIfNull(o.Backend);
        if (!LinearAlgebraBackends.Choices.Contains(o.Backend.Trim().ToLowerInvariant()))
        {
            throw new ArgumentException($"Backend '{o.Backend}': allowed: {string.Join(", ", LinearAlgebraBackends.Choices)}", nameof(o));
        }
    }
}
