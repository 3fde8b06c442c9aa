namespace Hnn.Stages.Hdnn;

/// <summary>
/// Forward propagation through an H-DNN, for a batch of states at once (row-major, count x nf). The layer maps follow
/// the reference code (DecodEPFL/HamiltonianNet, integrators/integrators.py), written in column-vector form.
/// </summary>
public static class HdnnForward
{
    /// <summary>All hidden states y_0 .. y_N (N = layers), each a fresh count x nf array; y_0 is a copy of the input.</summary>
    public static double[][] States(HdnnParameters parameters, ReadOnlySpan<double> input, int count)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var a = parameters.Architecture;
        if (input.Length != count * a.Nf)
        {
            throw new ArgumentException($"input has {input.Length} values, expected {count} x {a.Nf}");
        }

        var states = new double[a.Layers + 1][];
        states[0] = input.ToArray();
        for (var j = 0; j < a.Layers; j++)
        {
            states[j + 1] = (double[])states[j].Clone();
            Step(parameters, j, states[j + 1], count);
        }

        return states;
    }

    /// <summary>The last state y_N only.</summary>
    public static double[] Output(HdnnParameters parameters, ReadOnlySpan<double> input, int count)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var y = input.ToArray();
        for (var j = 0; j < parameters.Architecture.Layers; j++)
        {
            Step(parameters, j, y, count);
        }

        return y;
    }

    /// <summary>Applies layer <paramref name="layer"/> in place to every row of <paramref name="y"/>.</summary>
    public static void Step(HdnnParameters parameters, int layer, Span<double> y, int count)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var a = parameters.Architecture;
        int nf = a.Nf, m = a.Half;
        var k = parameters.K.AsSpan(layer * nf * nf, nf * nf);
        var b = parameters.B.AsSpan(layer * nf, nf);
        var h = a.H;
        switch (a.Kind)
        {
            case HdnnKind.H1J1:
            case HdnnKind.H1J2:
                var j = a.InterconnectionMatrix();
                Span<double> s = stackalloc double[nf];
                Span<double> u = stackalloc double[nf];
                for (var i = 0; i < count; i++)
                {
                    var row = y.Slice(i * nf, nf);
                    Matrix.TransposeTimes(k, nf, 0, 0, nf, row, b, s);
                    Tanh(s);
                    Matrix.Times(k, nf, 0, 0, nf, s, u);
                    for (var r = 0; r < nf; r++)
                    {
                        double sum = 0;
                        for (var q = 0; q < nf; q++)
                        {
                            sum += j[(r * nf) + q] * u[q];
                        }

                        row[r] += h * sum;
                    }
                }

                break;
            case HdnnKind.H2:
                for (var i = 0; i < count; i++)
                {
                    var row = y.Slice(i * nf, nf);
                    HalfStepH2(k, nf, 0, b[..m], row[..m], row[m..], h);
                    HalfStepH2(k, nf, m, b[m..], row[m..], row[..m], -h);
                }

                break;
            case HdnnKind.MS1:
                for (var i = 0; i < count; i++)
                {
                    var row = y.Slice(i * nf, nf);
                    HalfStepMs1(k, nf, m, transposed: false, b[m..], row[..m], row[m..], h);
                    HalfStepMs1(k, nf, m, transposed: true, b[..m], row[m..], row[..m], h);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(parameters), a.Kind, "unknown layer type");
        }
    }

    /// <summary>target += c A tanh(A^T source + beta), A the m x m block of K at (offset, offset).</summary>
    internal static void HalfStepH2(ReadOnlySpan<double> k, int nf, int offset, ReadOnlySpan<double> beta, ReadOnlySpan<double> source, Span<double> target, double c)
    {
        var m = source.Length;
        Span<double> s = stackalloc double[m];
        Span<double> u = stackalloc double[m];
        Matrix.TransposeTimes(k, nf, offset, offset, m, source, beta, s);
        Tanh(s);
        Matrix.Times(k, nf, offset, offset, m, s, u);
        for (var r = 0; r < m; r++)
        {
            target[r] += c * u[r];
        }
    }

    /// <summary>target += h tanh(M source + beta) with M = Kt, or M = -Kt^T when <paramref name="transposed"/>.</summary>
    internal static void HalfStepMs1(ReadOnlySpan<double> k, int nf, int m, bool transposed, ReadOnlySpan<double> beta, ReadOnlySpan<double> source, Span<double> target, double h)
    {
        Span<double> s = stackalloc double[m];
        HalfStepMs1Argument(k, nf, m, transposed, beta, source, s);
        for (var r = 0; r < m; r++)
        {
            target[r] += h * Math.Tanh(s[r]);
        }
    }

    /// <summary>result = M source + beta, M = Kt (the top-left m x m block of K) or -Kt^T.</summary>
    internal static void HalfStepMs1Argument(ReadOnlySpan<double> k, int nf, int m, bool transposed, ReadOnlySpan<double> beta, ReadOnlySpan<double> source, Span<double> result)
    {
        if (transposed)
        {
            Matrix.TransposeTimes(k, nf, 0, 0, m, source, default, result);
            for (var r = 0; r < m; r++)
            {
                result[r] = beta[r] - result[r];
            }
        }
        else
        {
            Matrix.Times(k, nf, 0, 0, m, source, result);
            for (var r = 0; r < m; r++)
            {
                result[r] += beta[r];
            }
        }
    }

    internal static void Tanh(Span<double> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Math.Tanh(values[i]);
        }
    }
}
