using Hnn.Datasets;
using Hnn.Stages.Model;

namespace Hnn.Stages.Training;

/// <summary>
/// The band calibration on held-out trajectories (docs/ALGORITHM.md §2.5): the true H is constant along a trajectory, so
/// the learned H's change along a validation trajectory is pure error, and one scale kappa of the Bayesian band is fitted
/// to it (<see cref="BayesianOutputLayer.WithTrajectoryScale"/>). Used by the regularisation study and by the pipeline's
/// error-bars stage (model.error_bars: trajectories).
/// </summary>
public static class TrajectoryBandCalibration
{
    /// <summary>
    /// kappa of <see cref="BayesianOutputLayer.WithTrajectoryScale"/> on the validation trajectories, with the learned H
    /// corrected as on the test points and the observation noise's variance sum_i sigma_i^2 (dH/dx_i(x_n)^2 + dH/dx_i(x_0)^2)
    /// from the *estimated* noise: sigma_i = sigma s_i (s_i the coordinate's RMS over the training observations), sigma the
    /// training-residual estimate itself for whitened rows (their noise is sigma) and sigma_row dt / (sqrt 2 rms(s)) for
    /// midpoint rows (their row noise is sqrt 2 sigma_i / dt; <paramref name="dt"/> the observation step, the mean step if uneven), and
    /// <see cref="BayesianOutputLayer.ObservationNoiseSd"/> when the layer has one (the correlated-noise posterior);
    /// with <paramref name="noiseFree"/> (observations known to be exact) no noise share at all. <paramref name="widenOnly"/>:
    /// kappa &gt;= 1 (docs/ALGORITHM.md §2.5: with noisy observations the noise share dominates the change along a trajectory,
    /// and the fitted kappa can fall far below 1 by over-explaining it; the posterior already carries the noise, so the
    /// H-level data may only widen the band).
    /// </summary>
    public static double Kappa(BayesianOutputLayer bayes, HiddenLayer hidden, Network mean, TrajectorySet train, TrajectorySet validation,
        TargetFormulation formulation, double meanSquareStep, double dt, bool whitened = false, bool noiseFree = false, bool widenOnly = false)
    {
        var rms = IntegralRows.CoordinateRms(train);
        var rmsAll = Math.Sqrt(rms.Average(v => v * v));
        // The correlated-noise posterior (BayesianOutputLayer.CorrelatedAtRegularisation) estimates the relative observation noise itself.
        var sigma = bayes.ObservationNoiseSd ?? (whitened ? bayes.TrainingNoiseSd : bayes.TrainingNoiseSd * dt / (Math.Sqrt(2) * rmsAll));
        var states = new List<double[][]>();
        var energies = new List<double[]>();
        var variances = new List<double[]>();
        foreach (var t in validation.Trajectories)
        {
            var x = t.States;
            var count = t.Length;
            var grad = x.Select(_ => new double[count]).ToArray();
            var h = new double[count];
            mean.Predict(x, 0, count, h, grad);
            var corrected = Formulations.CorrectedEnergy(mean, x, formulation, meanSquareStep);
            var v = new double[count];
            for (var n = 0; n < count; n++)
            {
                for (var i = 0; i < x.Length; i++)
                {
                    var si = sigma * rms[i];
                    v[n] += si * si * ((grad[i][n] * grad[i][n]) + (grad[i][0] * grad[i][0]));
                }
            }

            states.Add(x);
            energies.Add(corrected);
            variances.Add(v);
        }

        // Observations known to be exact (generated without noise): the residual is the network's error, not noise, and
        // no share of the change along a trajectory is the observations'.
        return bayes.WithTrajectoryScale(hidden, states, energies, noiseFree ? null : variances, widenOnly ? 1 : 0).NoiseSd / bayes.NoiseSd;
    }

    /// <summary>The smallest box holding every point of <paramref name="x"/> (columns q1..qd, p1..pd): the region the data cover, when no domain is given.</summary>
    public static Domain BoundingBox(double[][] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var d = x.Length / 2;
        Interval Span(double[] c) => new(c.Min(), c.Max());
        return new Domain([.. x.Take(d).Select(Span)], [.. x.Skip(d).Select(Span)]);
    }

    /// <summary>
    /// The parts of the trajectories inside the domain (where the band is claimed and measured): each trajectory cut at
    /// its first observation outside the box; pieces of fewer than 2 observations dropped (the trajectories leave the box
    /// where the data thin out, and an H error there says nothing about the box).
    /// </summary>
    public static TrajectorySet InDomain(TrajectorySet set, Domain domain)
    {
        var intervals = domain.Q.Concat(domain.P).ToArray();
        var kept = new List<TrajectorySeries>();
        foreach (var t in set.Trajectories)
        {
            var length = 0;
            while (length < t.Length && intervals.Select((iv, i) => (iv, i)).All(p => t.States[p.i][length] >= p.iv.Lower && t.States[p.i][length] <= p.iv.Upper))
            {
                length++;
            }

            if (length >= 2)
            {
                kept.Add(new TrajectorySeries(t.Id, t.Times[..length], [.. t.States.Select(c => c[..length])]));
            }
        }

        return kept.Count > 0 ? new TrajectorySet(kept) : set;
    }

}
