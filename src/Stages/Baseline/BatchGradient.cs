using System.Numerics.Tensors;
using Hnn.Stages.Numerics;

namespace Hnn.Stages.Baseline;

/// <summary>
/// Loss and gradient over a mini-batch, split into fixed blocks of <see cref="RowsPerBlock"/> rows. Each block accumulates
/// into its own buffer and the buffers are summed in block order, so the result depends only on the data and the
/// parameters (and the machine's lane width), never on the number of threads or on which thread ran which block.
/// Buffers are allocated once; a step allocates nothing but the parallel loop's own bookkeeping.
/// </summary>
internal sealed class BatchGradient
{
    /// <summary>Rows per block: small enough to balance two to a few workers, large enough that summing is negligible.</summary>
    public const int RowsPerBlock = 128;

    private readonly ParameterLayout _layout;
    private readonly int _threads;
    private readonly AlignedBuffer[] _blockGrads;
    private readonly double[] _blockSse;
    private readonly AlignedBuffer[] _scratch;
    private readonly Action<int> _worker;
    private readonly ParallelOptions _parallel;

    // Per-call state read by the workers (a field, not a closure, so a step allocates no delegate).
    private AlignedBuffer? _theta;
    private double[][]? _x;
    private double[][]? _dx;
    private int _start;
    private int _count;
    private int _blocks;
    private double _scale;
    private int _nextBlock;

    public BatchGradient(ParameterLayout layout, int maxRows, int threads)
    {
        _layout = layout;
        var maxBlocks = Math.Max(1, (maxRows + RowsPerBlock - 1) / RowsPerBlock);
        _threads = Math.Max(1, Math.Min(threads, maxBlocks));
        _blockGrads = new AlignedBuffer[maxBlocks];
        for (var i = 0; i < maxBlocks; i++)
        {
            _blockGrads[i] = new AlignedBuffer(layout.Length);
        }

        _blockSse = new double[maxBlocks];
        _scratch = new AlignedBuffer[_threads];
        for (var i = 0; i < _threads; i++)
        {
            _scratch[i] = new AlignedBuffer(GradientKernels.ScratchLength(layout));
        }

        _worker = Work;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = _threads };
    }

    /// <summary>
    /// L = 1/(count D) sum_k ||f(x_k) - x'_k||^2 over rows <c>start .. start + count</c>, returned, and dL/dtheta written
    /// to <paramref name="gradient"/> (flat layout).
    /// </summary>
    public double Compute(AlignedBuffer theta, double[][] x, double[][] dx, int start, int count, Span<double> gradient)
    {
        var blocks = (count + RowsPerBlock - 1) / RowsPerBlock;
        if (count < 1 || blocks > _blockGrads.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"must be in 1..{_blockGrads.Length * RowsPerBlock}");
        }

        _theta = theta;
        _x = x;
        _dx = dx;
        _start = start;
        _count = count;
        _blocks = blocks;
        _scale = 2.0 / ((double)count * _layout.Dim);
        _nextBlock = 0;
        var workers = Math.Min(_threads, blocks);
        if (workers == 1)
        {
            Work(0);
        }
        else
        {
            Parallel.For(0, workers, _parallel, _worker);
        }

        _theta = null;
        _x = null;
        _dx = null;

        // Fixed-order reduction.
        var g = gradient[.._layout.Length];
        _blockGrads[0].Span.CopyTo(g);
        double sse = _blockSse[0];
        for (var i = 1; i < blocks; i++)
        {
            TensorPrimitives.Add(g, _blockGrads[i].Span, g);
            sse += _blockSse[i];
        }

        return sse / ((double)count * _layout.Dim);
    }

    private void Work(int worker)
    {
        var scratch = _scratch[worker].Span;
        var theta = _theta!.Span;
        int block;
        while ((block = Interlocked.Increment(ref _nextBlock) - 1) < _blocks)
        {
            var first = block * RowsPerBlock;
            var rows = Math.Min(RowsPerBlock, _count - first);
            var grad = _blockGrads[block].Span;
            grad.Clear();
            _blockSse[block] = GradientKernels.Accumulate(_layout, theta, _x!, _dx!, _start + first, rows, _scale, grad, scratch);
        }
    }
}
