namespace Hnn.Stages.Hdnn;

/// <summary>
/// The discrete adjoint of <see cref="HdnnForward"/>, derived by hand: given the cotangent lambda_N = dL/dy_N of every
/// row, walks the layers backwards, lambda_j = (dy_{j+1}/dy_j)^T lambda_{j+1}, and accumulates dL/dK_j and dL/db_j.
/// </summary>
/// <remarks>
/// Per layer type (s = tanh(z), s' = 1 - s^2, products elementwise where written so):
/// H1, y' = y + h J K s, z = K^T y + b: w = h J^T lambda'; g = (K^T w) s'; lambda = lambda' + K g;
/// dK += w s^T + y g^T; db += g.
/// H2 half-step t += c A s, z = A^T src + beta: w = c lambda_t; g = (A^T w) s'; lambda_src += A g;
/// dA += w s^T + src g^T; dbeta += g; the two half-steps are undone in reverse order (the second reads the new q).
/// MS1 half-step t += h tanh(M src + beta): g = h lambda_t s'; lambda_src += M^T g; dM += g src^T; dbeta += g,
/// with M = Kt (dKt += dM) or M = -Kt^T (dKt -= dM^T).
/// </remarks>
public static class HdnnBackward
{
    /// <summary>
    /// Runs the adjoint. <paramref name="lambda"/> holds lambda_N on entry and lambda_0 on return. Parameter gradients
    /// are added to <paramref name="gradK"/> and <paramref name="gradB"/> when they are not null; when
    /// <paramref name="cotangents"/> is not null, lambda_j is copied into cotangents[j] for j = 0..N.
    /// </summary>
    public static void Run(
        HdnnParameters parameters, double[][] states, int count, Span<double> lambda, double[]? gradK, double[]? gradB,
        double[][]? cotangents = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(states);
        var a = parameters.Architecture;
        int nf = a.Nf, layers = a.Layers;
        if (states.Length != layers + 1 || lambda.Length != count * nf)
        {
            throw new ArgumentException("states or lambda do not match the network and the batch");
        }

        cotangents?[layers] = lambda.ToArray();
        var dK = new double[nf * nf];
        var dB = new double[nf];
        for (var j = layers - 1; j >= 0; j--)
        {
            Array.Clear(dK);
            Array.Clear(dB);
            Layer(parameters, j, states[j], states[j + 1], count, lambda, dK, dB);
            if (gradK is not null && gradB is not null)
            {
                for (var i = 0; i < nf * nf; i++)
                {
                    gradK[(j * nf * nf) + i] += dK[i];
                }

                for (var i = 0; i < nf; i++)
                {
                    gradB[(j * nf) + i] += dB[i];
                }
            }

            cotangents?[j] = lambda.ToArray();
        }
    }

    private static void Layer(
        HdnnParameters parameters, int layer, double[] before, double[] after, int count, Span<double> lambda, Span<double> dK, Span<double> dB)
    {
        var a = parameters.Architecture;
        int nf = a.Nf, m = a.Half;
        var k = parameters.K.AsSpan(layer * nf * nf, nf * nf);
        var b = parameters.B.AsSpan(layer * nf, nf);
        var h = a.H;
        switch (a.Kind)
        {
            case HdnnKind.H1J1:
            case HdnnKind.H1J2:
                var jm = a.InterconnectionMatrix();
                Span<double> w = stackalloc double[nf];
                for (var i = 0; i < count; i++)
                {
                    var lam = lambda.Slice(i * nf, nf);
                    var y = before.AsSpan(i * nf, nf);
                    for (var q = 0; q < nf; q++)
                    {
                        double sum = 0;
                        for (var r = 0; r < nf; r++)
                        {
                            sum += jm[(r * nf) + q] * lam[r];
                        }

                        w[q] = h * sum;
                    }

                    BackH2Like(k, nf, 0, nf, b, y, w, lam, dK, dB);
                }

                break;
            case HdnnKind.H2:
                Span<double> w2 = stackalloc double[m];
                for (var i = 0; i < count; i++)
                {
                    var lam = lambda.Slice(i * nf, nf);
                    // Second half-step p -= h K22 s(K22^T q_new + b_q): target p, source q_new (= after's q).
                    for (var r = 0; r < m; r++)
                    {
                        w2[r] = -h * lam[r];
                    }

                    BackH2Like(k, nf, m, m, b[m..], after.AsSpan((i * nf) + m, m), w2, lam[m..], dK, dB[m..]);
                    // First half-step q += h K11 s(K11^T p + b_p): target q, source p (= before's p).
                    for (var r = 0; r < m; r++)
                    {
                        w2[r] = h * lam[m + r];
                    }

                    BackH2Like(k, nf, 0, m, b[..m], before.AsSpan(i * nf, m), w2, lam[..m], dK, dB[..m]);
                }

                break;
            case HdnnKind.MS1:
                for (var i = 0; i < count; i++)
                {
                    var lam = lambda.Slice(i * nf, nf);
                    // Second half-step y += h tanh(-Kt^T z_new + b_y): target y (first half), source z_new.
                    BackMs1(k, nf, m, transposed: true, b[..m], after.AsSpan((i * nf) + m, m), h, lam[..m], lam[m..], dK, dB[..m]);
                    // First half-step z += h tanh(Kt y + b_z): target z, source y (before).
                    BackMs1(k, nf, m, transposed: false, b[m..], before.AsSpan(i * nf, m), h, lam[m..], lam[..m], dK, dB[m..]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(parameters), a.Kind, "unknown layer type");
        }
    }

    /// <summary>
    /// Adjoint of t += A tanh(A^T src + beta) given w = (scale) lambda_t: lambda_src += A g, dA += w s^T + src g^T,
    /// dbeta += g with g = (A^T w) s'. A is the size x size block of K at (offset, offset).
    /// </summary>
    private static void BackH2Like(
        ReadOnlySpan<double> k, int nf, int offset, int size, ReadOnlySpan<double> beta, ReadOnlySpan<double> src, ReadOnlySpan<double> w,
        Span<double> lambdaSrc, Span<double> dK, Span<double> dBeta)
    {
        Span<double> s = stackalloc double[size];
        Span<double> g = stackalloc double[size];
        Matrix.TransposeTimes(k, nf, offset, offset, size, src, beta, s);
        HdnnForward.Tanh(s);
        Matrix.TransposeTimes(k, nf, offset, offset, size, w, default, g);
        for (var c = 0; c < size; c++)
        {
            g[c] *= 1 - (s[c] * s[c]);
            dBeta[c] += g[c];
        }

        for (var r = 0; r < size; r++)
        {
            double sum = 0;
            var row = ((offset + r) * nf) + offset;
            for (var c = 0; c < size; c++)
            {
                sum += k[row + c] * g[c];
                dK[row + c] += (w[r] * s[c]) + (src[r] * g[c]);
            }

            lambdaSrc[r] += sum;
        }
    }

    /// <summary>Adjoint of t += h tanh(M src + beta), M = Kt or -Kt^T (see the class remarks).</summary>
    private static void BackMs1(
        ReadOnlySpan<double> k, int nf, int m, bool transposed, ReadOnlySpan<double> beta, ReadOnlySpan<double> src, double h,
        ReadOnlySpan<double> lambdaTarget, Span<double> lambdaSrc, Span<double> dK, Span<double> dBeta)
    {
        Span<double> z = stackalloc double[m];
        HdnnForward.HalfStepMs1Argument(k, nf, m, transposed, beta, src, z);
        for (var r = 0; r < m; r++)
        {
            var s = Math.Tanh(z[r]);
            z[r] = h * lambdaTarget[r] * (1 - (s * s));
            dBeta[r] += z[r];
        }

        // z now holds g. M[i, c] = Kt[i, c] (or -Kt[c, i]); lambda_src[c] += sum_i M[i, c] g[i]; dM[i, c] = g[i] src[c].
        for (var i = 0; i < m; i++)
        {
            for (var c = 0; c < m; c++)
            {
                if (transposed)
                {
                    lambdaSrc[c] -= k[(c * nf) + i] * z[i];
                    dK[(c * nf) + i] -= z[i] * src[c];
                }
                else
                {
                    lambdaSrc[c] += k[(i * nf) + c] * z[i];
                    dK[(i * nf) + c] += z[i] * src[c];
                }
            }
        }
    }
}
