using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hnn.Stages.Baseline;

/// <summary>
/// The loss gradient of <see cref="HnnLoss"/> over rows of the data, on the flat parameters of a
/// <see cref="ParameterLayout"/>. Per row every quantity is a vector over the neurons, so the working set (a few arrays
/// of N doubles) stays in cache and no B x N matrix is ever formed. D = 2 (one degree of freedom, the common case) has
/// a kernel that takes two rows at a time with everything in registers; other D use chunked passes over the neurons.
/// </summary>
/// <remarks>
/// Per row k, with e = dL/d(grad H) = scale J^T r (see <see cref="HnnLoss"/>): forward z = b + sum_i x_i w_i,
/// t = tanh z, cs = c (1 - t^2), g_i = sum_j cs_j w_ij, r = J g - x'; backward a_j = sum_i e_i w_ij, s = 1 - t^2,
/// dc += s a, u = -2 cs a t, db += u, dw_i += e_i cs + x_i u.
/// <para>
/// Measured on the 2-core AVX-512 machine (N = 1000, 2048 rows, D = 2, one thread): about 2.7 ms, of which the
/// vectorised tanh (TensorPrimitives) is about 1.5 ms; the two-row D = 2 kernel is about 35 % faster than the chunked
/// general one, 64-byte aligned buffers about 15 % faster than plain arrays, 512-bit vectors 5-15 % faster than 256-bit,
/// and a first version (TensorPrimitives calls for the forward pass, a scalar backward loop) was 5 times slower.
/// </para>
/// </remarks>
internal static class GradientKernels
{
    /// <summary>Neurons per pass of the general kernel (a multiple of every lane count).</summary>
    private const int Chunk = 256;

    /// <summary>Scratch a worker needs (doubles).</summary>
    public static int ScratchLength(ParameterLayout layout) => (2 * layout.Stride) + (3 * Chunk);

    /// <summary>
    /// Adds <paramref name="scale"/> times the gradient of sum_k ||f(x_k) - x'_k||^2 over rows
    /// <c>start .. start + count</c> to <paramref name="grad"/>, and returns that (unscaled) sum of squared residuals.
    /// </summary>
    public static double Accumulate(
        ParameterLayout layout, ReadOnlySpan<double> theta, double[][] x, double[][] dx, int start, int count, double scale,
        Span<double> grad, Span<double> scratch)
    {
        if (theta.Length < layout.Length || grad.Length < layout.Length || scratch.Length < ScratchLength(layout))
        {
            throw new ArgumentException("parameter, gradient or scratch buffer too small for the layout");
        }

        return SimdWidth.Doubles switch
        {
            8 => Accumulate<Simd512>(layout, theta, x, dx, start, count, scale, grad, scratch),
            4 => Accumulate<Simd256>(layout, theta, x, dx, start, count, scale, grad, scratch),
            _ => Accumulate<Simd128>(layout, theta, x, dx, start, count, scale, grad, scratch),
        };
    }

    private static double Accumulate<TV>(
        ParameterLayout layout, ReadOnlySpan<double> theta, double[][] x, double[][] dx, int start, int count, double scale,
        Span<double> grad, Span<double> scratch)
        where TV : unmanaged, ISimd<TV>
    {
        var t = scratch[..(2 * layout.Stride)];
        var chunk = scratch.Slice(2 * layout.Stride, 3 * Chunk);
        double sse = 0;
        var k = start;
        var end = start + count;
        if (layout.Dim == 2)
        {
            for (; k + 1 < end; k += 2)
            {
                sse += PairD2<TV>(layout.Stride, theta, x, dx, k, scale, grad, t);
            }
        }

        for (; k < end; k++)
        {
            sse += Row<TV>(layout, theta, x, dx, k, scale, grad, t[..layout.Stride], chunk);
        }

        return sse;
    }

    /// <summary>D = 2, rows k and k + 1 together (shared loads of w, b, c and of the gradient accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double PairD2<TV>(
        int n, ReadOnlySpan<double> theta, double[][] x, double[][] dx, int k, double scale, Span<double> grad, Span<double> t)
        where TV : unmanaged, ISimd<TV>
    {
        var step = (nuint)TV.Count;
        var nn = (nuint)n;
        ref var w0 = ref MemoryMarshal.GetReference(theta);
        ref var w1 = ref Unsafe.Add(ref w0, n);
        ref var b = ref Unsafe.Add(ref w0, 2 * n);
        ref var c = ref Unsafe.Add(ref w0, 3 * n);
        ref var gw0 = ref MemoryMarshal.GetReference(grad);
        ref var gw1 = ref Unsafe.Add(ref gw0, n);
        ref var gb = ref Unsafe.Add(ref gw0, 2 * n);
        ref var gc = ref Unsafe.Add(ref gw0, 3 * n);
        ref var ta = ref MemoryMarshal.GetReference(t);
        ref var tb = ref Unsafe.Add(ref ta, n);
        var one = TV.One;
        var minusTwo = TV.Create(-2.0);

        // Forward: z for both rows, then one tanh call over both.
        var xa0 = TV.Create(x[0][k]);
        var xa1 = TV.Create(x[1][k]);
        var xb0 = TV.Create(x[0][k + 1]);
        var xb1 = TV.Create(x[1][k + 1]);
        for (nuint j = 0; j < nn; j += step)
        {
            var ww0 = TV.Load(ref w0, j);
            var ww1 = TV.Load(ref w1, j);
            var bb = TV.Load(ref b, j);
            TV.Store(TV.Fma(xa1, ww1, TV.Fma(xa0, ww0, bb)), ref ta, j);
            TV.Store(TV.Fma(xb1, ww1, TV.Fma(xb0, ww0, bb)), ref tb, j);
        }

        var both = t[..(2 * n)];
        TensorPrimitives.Tanh(both, both);

        // grad H at both points: g_i = sum_j c_j (1 - t_j^2) w_ij.
        TV ga0 = TV.Zero, ga1 = TV.Zero, gb0 = TV.Zero, gb1 = TV.Zero;
        for (nuint j = 0; j < nn; j += step)
        {
            var cc = TV.Load(ref c, j);
            var ww0 = TV.Load(ref w0, j);
            var ww1 = TV.Load(ref w1, j);
            var t1 = TV.Load(ref ta, j);
            var cs1 = TV.Multiply(cc, TV.Subtract(one, TV.Multiply(t1, t1)));
            ga0 = TV.Fma(cs1, ww0, ga0);
            ga1 = TV.Fma(cs1, ww1, ga1);
            var t2 = TV.Load(ref tb, j);
            var cs2 = TV.Multiply(cc, TV.Subtract(one, TV.Multiply(t2, t2)));
            gb0 = TV.Fma(cs2, ww0, gb0);
            gb1 = TV.Fma(cs2, ww1, gb1);
        }

        // Residuals r = (g_p - dq/dt, -g_q - dp/dt) and e = scale J^T r = (-scale r_p, scale r_q).
        var rqa = TV.Sum(ga1) - dx[0][k];
        var rpa = -TV.Sum(ga0) - dx[1][k];
        var rqb = TV.Sum(gb1) - dx[0][k + 1];
        var rpb = -TV.Sum(gb0) - dx[1][k + 1];
        var sse = (rqa * rqa) + (rpa * rpa) + (rqb * rqb) + (rpb * rpb);
        var ea0 = TV.Create(-scale * rpa);
        var ea1 = TV.Create(scale * rqa);
        var eb0 = TV.Create(-scale * rpb);
        var eb1 = TV.Create(scale * rqb);

        // Backward.
        for (nuint j = 0; j < nn; j += step)
        {
            var ww0 = TV.Load(ref w0, j);
            var ww1 = TV.Load(ref w1, j);
            var cc = TV.Load(ref c, j);
            var t1 = TV.Load(ref ta, j);
            var a1 = TV.Fma(ea1, ww1, TV.Multiply(ea0, ww0));
            var s1 = TV.Subtract(one, TV.Multiply(t1, t1));
            var cs1 = TV.Multiply(cc, s1);
            var u1 = TV.Multiply(TV.Multiply(TV.Multiply(minusTwo, cs1), a1), t1);
            var t2 = TV.Load(ref tb, j);
            var a2 = TV.Fma(eb1, ww1, TV.Multiply(eb0, ww0));
            var s2 = TV.Subtract(one, TV.Multiply(t2, t2));
            var cs2 = TV.Multiply(cc, s2);
            var u2 = TV.Multiply(TV.Multiply(TV.Multiply(minusTwo, cs2), a2), t2);
            TV.Store(TV.Fma(s2, a2, TV.Fma(s1, a1, TV.Load(ref gc, j))), ref gc, j);
            TV.Store(TV.Add(TV.Add(TV.Load(ref gb, j), u1), u2), ref gb, j);
            var g0 = TV.Fma(ea0, cs1, TV.Fma(xa0, u1, TV.Load(ref gw0, j)));
            TV.Store(TV.Fma(eb0, cs2, TV.Fma(xb0, u2, g0)), ref gw0, j);
            var g1 = TV.Fma(ea1, cs1, TV.Fma(xa1, u1, TV.Load(ref gw1, j)));
            TV.Store(TV.Fma(eb1, cs2, TV.Fma(xb1, u2, g1)), ref gw1, j);
        }

        return sse;
    }

    /// <summary>Any D, one row, in passes over chunks of neurons (so the loops over inputs stay outside the vector loops).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Row<TV>(
        ParameterLayout layout, ReadOnlySpan<double> theta, double[][] x, double[][] dx, int k, double scale, Span<double> grad,
        Span<double> t, Span<double> chunk)
        where TV : unmanaged, ISimd<TV>
    {
        var dim = layout.Dim;
        var d = dim / 2;
        var n = layout.Stride;
        var step = (nuint)TV.Count;
        ref var w = ref MemoryMarshal.GetReference(theta);
        ref var b = ref Unsafe.Add(ref w, layout.Biases);
        ref var c = ref Unsafe.Add(ref w, layout.Coefficients);
        ref var gw = ref MemoryMarshal.GetReference(grad);
        ref var gb = ref Unsafe.Add(ref gw, layout.Biases);
        ref var gc = ref Unsafe.Add(ref gw, layout.Coefficients);
        ref var tr = ref MemoryMarshal.GetReference(t);
        ref var sa = ref MemoryMarshal.GetReference(chunk);
        ref var scs = ref Unsafe.Add(ref sa, Chunk);
        ref var su = ref Unsafe.Add(ref sa, 2 * Chunk);
        Span<TV> acc = stackalloc TV[dim];
        Span<double> e = stackalloc double[dim];
        var one = TV.One;
        var minusTwo = TV.Create(-2.0);

        // z = b + sum_i x_i w_i, then t = tanh z.
        for (var j0 = 0; j0 < n; j0 += Chunk)
        {
            var m = (nuint)Math.Min(Chunk, n - j0);
            ref var tj = ref Unsafe.Add(ref tr, j0);
            ref var bj = ref Unsafe.Add(ref b, j0);
            for (nuint j = 0; j < m; j += step)
            {
                TV.Store(TV.Load(ref bj, j), ref tj, j);
            }

            for (var i = 0; i < dim; i++)
            {
                var xi = TV.Create(x[i][k]);
                ref var wi = ref Unsafe.Add(ref w, layout.Weights(i) + j0);
                for (nuint j = 0; j < m; j += step)
                {
                    TV.Store(TV.Fma(xi, TV.Load(ref wi, j), TV.Load(ref tj, j)), ref tj, j);
                }
            }
        }

        TensorPrimitives.Tanh(t, t);

        // g_i = sum_j cs_j w_ij with cs = c (1 - t^2).
        acc.Clear();
        for (var j0 = 0; j0 < n; j0 += Chunk)
        {
            var m = (nuint)Math.Min(Chunk, n - j0);
            ref var tj = ref Unsafe.Add(ref tr, j0);
            ref var cj = ref Unsafe.Add(ref c, j0);
            for (nuint j = 0; j < m; j += step)
            {
                var tt = TV.Load(ref tj, j);
                TV.Store(TV.Multiply(TV.Load(ref cj, j), TV.Subtract(one, TV.Multiply(tt, tt))), ref scs, j);
            }

            for (var i = 0; i < dim; i++)
            {
                ref var wi = ref Unsafe.Add(ref w, layout.Weights(i) + j0);
                var a = acc[i];
                for (nuint j = 0; j < m; j += step)
                {
                    a = TV.Fma(TV.Load(ref scs, j), TV.Load(ref wi, j), a);
                }

                acc[i] = a;
            }
        }

        // r = (g_p - dq/dt, -g_q - dp/dt); e = scale J^T r = (-scale r_p, scale r_q).
        double sse = 0;
        for (var i = 0; i < d; i++)
        {
            var rq = TV.Sum(acc[d + i]) - dx[i][k];
            var rp = -TV.Sum(acc[i]) - dx[d + i][k];
            sse += (rq * rq) + (rp * rp);
            e[i] = -scale * rp;
            e[d + i] = scale * rq;
        }

        for (var j0 = 0; j0 < n; j0 += Chunk)
        {
            var m = (nuint)Math.Min(Chunk, n - j0);

            // a = sum_i e_i w_i into the first scratch row.
            ref var w0 = ref Unsafe.Add(ref w, j0);
            var e0 = TV.Create(e[0]);
            for (nuint j = 0; j < m; j += step)
            {
                TV.Store(TV.Multiply(e0, TV.Load(ref w0, j)), ref sa, j);
            }

            for (var i = 1; i < dim; i++)
            {
                var ei = TV.Create(e[i]);
                ref var wi = ref Unsafe.Add(ref w, layout.Weights(i) + j0);
                for (nuint j = 0; j < m; j += step)
                {
                    TV.Store(TV.Fma(ei, TV.Load(ref wi, j), TV.Load(ref sa, j)), ref sa, j);
                }
            }

            // dc += s a; u = -2 cs a t; db += u; keep cs and u for the weights.
            ref var tj = ref Unsafe.Add(ref tr, j0);
            ref var cj = ref Unsafe.Add(ref c, j0);
            ref var gcj = ref Unsafe.Add(ref gc, j0);
            ref var gbj = ref Unsafe.Add(ref gb, j0);
            for (nuint j = 0; j < m; j += step)
            {
                var a = TV.Load(ref sa, j);
                var tt = TV.Load(ref tj, j);
                var s = TV.Subtract(one, TV.Multiply(tt, tt));
                var cs = TV.Multiply(TV.Load(ref cj, j), s);
                var u = TV.Multiply(TV.Multiply(TV.Multiply(minusTwo, cs), a), tt);
                TV.Store(TV.Fma(s, a, TV.Load(ref gcj, j)), ref gcj, j);
                TV.Store(TV.Add(TV.Load(ref gbj, j), u), ref gbj, j);
                TV.Store(cs, ref scs, j);
                TV.Store(u, ref su, j);
            }

            // dw_i += e_i cs + x_i u.
            for (var i = 0; i < dim; i++)
            {
                var ei = TV.Create(e[i]);
                var xi = TV.Create(x[i][k]);
                ref var gwi = ref Unsafe.Add(ref gw, layout.Weights(i) + j0);
                for (nuint j = 0; j < m; j += step)
                {
                    TV.Store(TV.Fma(ei, TV.Load(ref scs, j), TV.Fma(xi, TV.Load(ref su, j), TV.Load(ref gwi, j))), ref gwi, j);
                }
            }
        }

        return sse;
    }
}
