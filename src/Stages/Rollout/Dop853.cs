namespace Hnn.Stages.Rollout;

/// <summary>
/// The explicit Runge–Kutta pair of Dormand and Prince of order 8 with embedded error estimators of orders 5 and 3
/// (DOP853; Hairer, Nørsett, Wanner, Solving Ordinary Differential Equations I, 2nd ed., §II.10, and Hairer's
/// Fortran code dop853.f, whose coefficients and step-size control are used here). Vectorised over M states with one
/// shared step: the error of a step is the largest of the M per-state error norms. Instead of dense output, every
/// output time is hit exactly by shortening the step that would pass it.
/// </summary>
internal static class Dop853
{
    private const int Stages = 12;

    // Step-size control of dop853.f (defaults): safety 0.9, 0.333 <= h_new / h <= 6, exponent 1/8, beta = 0.
    private const double Safety = 0.9;
    private const double MinFactor = 0.333;
    private const double MaxFactor = 6.0;
    private const double Exponent = 1.0 / 8.0;
    private const double UnitRoundoff = 2.220446049250313e-16; // 2^-52

    // Coefficients a_sj of stages s = 2..12 (row s-1 here), from dop853.f.
    private static readonly double[][] A =
    [
        [],
        [5.26001519587677318785587544488e-2],
        [1.97250569845378994544595329183e-2, 5.91751709536136983633785987549e-2],
        [2.95875854768068491816892993775e-2, 0, 8.87627564304205475450678981324e-2],
        [2.41365134159266685502369798665e-1, 0, -8.84549479328286085344864962717e-1, 9.24834003261792003115737966543e-1],
        [3.7037037037037037037037037037e-2, 0, 0, 1.70828608729473871279604482173e-1, 1.25467687566822425016691814123e-1],
        [3.7109375e-2, 0, 0, 1.70252211019544039314978060272e-1, 6.02165389804559606850219397283e-2, -1.7578125e-2],
        [
            3.70920001185047927108779319836e-2, 0, 0, 1.70383925712239993810214054705e-1, 1.07262030446373284651809199168e-1,
            -1.53194377486244017527936158236e-2, 8.27378916381402288758473766002e-3,
        ],
        [
            6.24110958716075717114429577812e-1, 0, 0, -3.36089262944694129406857109825, -8.68219346841726006818189891453e-1,
            2.75920996994467083049415600797e1, 2.01540675504778934086186788979e1, -4.34898841810699588477366255144e1,
        ],
        [
            4.77662536438264365890433908527e-1, 0, 0, -2.48811461997166764192642586468, -5.90290826836842996371446475743e-1,
            2.12300514481811942347288949897e1, 1.52792336328824235832596922938e1, -3.32882109689848629194453265587e1,
            -2.03312017085086261358222928593e-2,
        ],
        [
            -9.3714243008598732571704021658e-1, 0, 0, 5.18637242884406370830023853209, 1.09143734899672957818500254654,
            -8.14978701074692612513997267357, -1.85200656599969598641566180701e1, 2.27394870993505042818970056734e1,
            2.49360555267965238987089396762, -3.0467644718982195003823669022,
        ],
        [
            2.27331014751653820792359768449, 0, 0, -1.05344954667372501984066689879e1, -2.00087205822486249909675718444,
            -1.79589318631187989172765950534e1, 2.79488845294199600508499808837e1, -2.85899827713502369474065508674,
            -8.87285693353062954433549289258, 1.23605671757943030647266201528e1, 6.43392746015763530355970484046e-1,
        ],
    ];

    // Weights b_j of the order-8 solution.
    private static readonly double[] B =
    [
        5.42937341165687622380535766363e-2, 0, 0, 0, 0, 4.45031289275240888144113950566, 1.89151789931450038304281599044,
        -5.8012039600105847814672114227, 3.1116436695781989440891606237e-1, -1.52160949662516078556178806805e-1,
        2.01365400804030348374776537501e-1, 4.47106157277725905176885569043e-2,
    ];

    // Order-5 error estimator er_j.
    private static readonly double[] E5 =
    [
        0.1312004499419488073250102996e-1, 0, 0, 0, 0, -0.1225156446376204440720569753e1, -0.4957589496572501915214079952,
        0.1664377182454986536961530415e1, -0.3503288487499736816886487290, 0.3341791187130174790297318841,
        0.8192320648511571246570742613e-1, -0.2235530786388629525884427845e-1,
    ];

    // Order-3 error estimator: b_j - bhh_j, bhh nonzero at stages 1, 9 and 12.
    private static readonly double[] E3 = ThirdOrderEstimator();

    private static double[] ThirdOrderEstimator()
    {
        var e = (double[])B.Clone();
        e[0] -= 0.244094488188976377952755905512;
        e[8] -= 0.733846688281611857341361741547;
        e[11] -= 0.220588235294117647058823529412e-1;
        return e;
    }

    /// <summary>
    /// States at <paramref name="times"/> (checked by the caller: finite, non-negative, increasing) from x0 at t = 0;
    /// <paramref name="progress"/> receives the fraction of the time span done after each output time.
    /// </summary>
    public static Trajectory Solve(HamiltonianField field, double[][] x0, double[] times, ReferenceSettings settings, CancellationToken ct,
        IProgress<double>? progress = null)
    {
        var dim = x0.Length;
        var count = x0[0].Length;
        var y = Batch.Copy(x0);
        var yNew = Batch.New(dim, count);
        var tmp = Batch.New(dim, count);
        var k = new double[Stages][][];
        for (var s = 0; s < Stages; s++)
        {
            k[s] = Batch.New(dim, count);
        }

        field.TimeDerivative(y, k[0]);
        var h = InitialStep(field, y, k[0], tmp, k[1], settings);
        var states = new double[times.Length][][];
        var t = 0.0;
        var attempts = 0;
        var rejected = false;
        for (var o = 0; o < times.Length; o++)
        {
            var target = times[o];
            while (t < target)
            {
                ct.ThrowIfCancellationRequested();
                if (++attempts > settings.MaxSteps)
                {
                    throw new InvalidOperationException(
                        $"dop853: more than {settings.MaxSteps} steps before reaching t = {target:g6} (at t = {t:g6}, h = {h:0.00e+00}); raise MaxSteps or the tolerances.");
                }

                var last = h >= target - t;
                var step = last ? target - t : h;
                if (!last && 0.1 * step <= Math.Abs(t) * UnitRoundoff)
                {
                    // 0.1 |h| <= |t| * unit round-off (dop853.f): the step has become too small to advance t.
                    throw new InvalidOperationException(
                        $"dop853: step size {step:0.00e+00} too small at t = {t:g17}; the solution may blow up or the problem be stiff.");
                }

                Attempt(field, y, k, tmp, yNew, step);
                var err = ErrorNorm(y, yNew, k, step, settings);
                if (err <= 1)
                {
                    var fac = Math.Clamp(Math.Pow(err, Exponent) / Safety, 1 / MaxFactor, 1 / MinFactor);
                    var hNew = step / fac;
                    if (rejected)
                    {
                        hNew = Math.Min(hNew, step);
                    }

                    rejected = false;
                    (y, yNew) = (yNew, y);
                    t = last ? target : t + step;
                    field.TimeDerivative(y, k[0]); // first same as last: k1 of the next step

                    // A step shortened to land on an output time says little about the natural step size.
                    h = last ? Math.Max(hNew, h) : hNew;
                }
                else
                {
                    // Rejected (also for a non-finite error): shrink by at most 1/0.333.
                    var fac = double.IsFinite(err) ? Math.Min(1 / MinFactor, Math.Pow(err, Exponent) / Safety) : 1 / MinFactor;
                    h = step / fac;
                    rejected = true;
                }
            }

            states[o] = Batch.Copy(y);
            progress?.Report(times[^1] > 0 ? times[o] / times[^1] : 1);
        }

        return new Trajectory((double[])times.Clone(), states);
    }

    /// <summary>Stages 2..12 (k[0] holds f(y)) and the order-8 solution y_new = y + h sum b_j k_j.</summary>
    private static void Attempt(HamiltonianField field, double[][] y, double[][][] k, double[][] tmp, double[][] yNew, double h)
    {
        var dim = y.Length;
        var count = y[0].Length;
        for (var s = 1; s < Stages; s++)
        {
            Combine(y, A[s], k, h, tmp, dim, count);
            field.TimeDerivative(tmp, k[s]);
        }

        Combine(y, B, k, h, yNew, dim, count);
    }

    /// <summary>result = y + h sum_j a_j k_j over the nonzero a_j.</summary>
    private static void Combine(double[][] y, double[] a, double[][][] k, double h, double[][] result, int dim, int count)
    {
        for (var i = 0; i < dim; i++)
        {
            y[i].AsSpan().CopyTo(result[i]);
        }

        for (var j = 0; j < a.Length; j++)
        {
            if (a[j] == 0)
            {
                continue;
            }

            var c = h * a[j];
            for (var i = 0; i < dim; i++)
            {
                var r = result[i];
                var kj = k[j][i];
                for (var m = 0; m < count; m++)
                {
                    r[m] += c * kj[m];
                }
            }
        }
    }

    /// <summary>
    /// dop853.f's error estimate per state, err = |h| e5² / sqrt(n (e5² + 0.01 e3²)) with e5, e3 the weighted
    /// 2-norms of the order-5 and order-3 estimators, maximised over the M states. NaN or infinity for a
    /// non-finite step.
    /// </summary>
    private static double ErrorNorm(double[][] y, double[][] yNew, double[][][] k, double h, ReferenceSettings settings)
    {
        var dim = y.Length;
        var count = y[0].Length;
        var worst = 0.0;
        for (var m = 0; m < count; m++)
        {
            double e5 = 0, e3 = 0;
            for (var i = 0; i < dim; i++)
            {
                var sk = settings.AbsoluteTolerance + (settings.RelativeTolerance * Math.Max(Math.Abs(y[i][m]), Math.Abs(yNew[i][m])));
                double s5 = 0, s3 = 0;
                for (var j = 0; j < Stages; j++)
                {
                    var kj = k[j][i][m];
                    s5 += E5[j] * kj;
                    s3 += E3[j] * kj;
                }

                e5 += (s5 / sk) * (s5 / sk);
                e3 += (s3 / sk) * (s3 / sk);
            }

            var denominator = e5 + (0.01 * e3);
            if (denominator <= 0)
            {
                denominator = 1;
            }

            var err = Math.Abs(h) * e5 / Math.Sqrt(dim * denominator);
            if (!double.IsFinite(err))
            {
                return double.PositiveInfinity;
            }

            worst = Math.Max(worst, err);
        }

        return worst;
    }

    /// <summary>
    /// Initial step of dop853.f's HINIT (Hairer–Nørsett–Wanner §II.4) with RMS norms, maximised over the M states:
    /// h0 = 0.01 |y| / |f| (1e-6 if either is tiny), one explicit Euler step to estimate the second derivative,
    /// h1 = (0.01 / max(|f'|, |f|))^(1/8), h = min(100 h0, h1).
    /// </summary>
    private static double InitialStep(HamiltonianField field, double[][] y, double[][] f0, double[][] y1, double[][] f1, ReferenceSettings settings)
    {
        var dim = y.Length;
        var count = y[0].Length;
        double Weight(double v) => settings.AbsoluteTolerance + (settings.RelativeTolerance * Math.Abs(v));

        double dnf = 0, dny = 0;
        for (var m = 0; m < count; m++)
        {
            double sf = 0, sy = 0;
            for (var i = 0; i < dim; i++)
            {
                var w = Weight(y[i][m]);
                sf += (f0[i][m] / w) * (f0[i][m] / w);
                sy += (y[i][m] / w) * (y[i][m] / w);
            }

            dnf = Math.Max(dnf, sf / dim);
            dny = Math.Max(dny, sy / dim);
        }

        var h = dnf <= 1e-10 || dny <= 1e-10 ? 1e-6 : 0.01 * Math.Sqrt(dny / dnf);
        for (var i = 0; i < dim; i++)
        {
            for (var m = 0; m < count; m++)
            {
                y1[i][m] = y[i][m] + (h * f0[i][m]);
            }
        }

        field.TimeDerivative(y1, f1);
        var der2 = 0.0;
        for (var m = 0; m < count; m++)
        {
            var s = 0.0;
            for (var i = 0; i < dim; i++)
            {
                var e = (f1[i][m] - f0[i][m]) / Weight(y[i][m]);
                s += e * e;
            }

            der2 = Math.Max(der2, s / dim);
        }

        der2 = Math.Sqrt(der2) / h;
        var der12 = Math.Max(der2, Math.Sqrt(dnf));
        var h1 = der12 <= 1e-15 ? Math.Max(1e-6, h * 1e-3) : Math.Pow(0.01 / der12, 1.0 / 8.0);
        var result = Math.Min(100 * h, h1);
        return double.IsFinite(result) && result > 0 ? result : 1e-6;
    }
}
