using Hnn.Stages.Baseline;
using Hnn.Stages.Numerics;

namespace Hnn.Stages.Hig;

/// <summary>
/// One mini-batch update of the control network (mutable optimiser state: parameters, Adam moments, step count).
/// With r_b = dL/dy_b = 2 (P(x_b; u_b) - y*_b) / B and J_b = dP/du at sample b:
/// Adam: g = sum_b (d f / d theta)^T J_b^T r_b, then an Adam step;
/// SIP: u_b' = u_b - J_b^+ r_b (pseudo-inverse truncated), then an Adam step on (1/B) sum_b ||u_b' - f(y*_b)||^2;
/// HIG: theta -= lr (J_joint)^(-1/2) r with J_joint the (B 2N) x P Jacobian of all predicted end states (row b 2N + i).
/// </summary>
internal sealed class ControlStep
{
    private readonly OscillatorChain _chain;
    private readonly ControlNetwork _network;
    private readonly ControlOptimiserSettings _settings;
    private readonly ILinearAlgebra _la;
    private readonly double[] _m;
    private readonly double[] _v;
    private int _adamSteps;

    public ControlStep(OscillatorChain chain, ControlNetwork network, ControlOptimiserSettings settings, ILinearAlgebra la, double[] theta)
    {
        if (theta.Length != network.ParameterCount)
            throw new ArgumentException($"need {network.ParameterCount} parameters, got {theta.Length}");
        _chain = chain;
        _network = network;
        _settings = settings;
        _la = la;
        Theta = theta;
        _m = new double[theta.Length];
        _v = new double[theta.Length];
    }

    public double[] Theta { get; }

    public int Updates { get; private set; }

    public void Update(ControlData data, int first)
    {
        switch (_settings.Method)
        {
            case ControlOptimiser.Adam:
                Adam(Gradient(data, first));
                break;
            case ControlOptimiser.Sip:
                Adam(SipGradient(data, first));
                break;
            case ControlOptimiser.Hig:
                Hig(data, first);
                break;
            default:
                throw new InvalidOperationException($"unknown optimiser {_settings.Method}");
        }

        Updates++;
    }

    private void Adam(double[] gradient)
    {
        _adamSteps++;
        AdamUpdate.Apply(Theta, gradient, _m, _v, _adamSteps, _settings.LearningRate, 0);
    }

    /// <summary>The loss gradient dL/dtheta of the batch.</summary>
    internal double[] Gradient(ControlData data, int first)
    {
        int batch = _settings.BatchSize, d = _chain.StateSize, nt = _chain.Steps;
        var gradient = new double[Theta.Length];
        var jp = new double[d * nt];
        var seed = new double[nt];
        for (var b = 0; b < batch; b++)
        {
            var x = data.State(first + b);
            var u = _network.Forward(Theta, x);
            var y = _chain.SimulateWithJacobian(x, u, jp);
            for (var t = 0; t < nt; t++)
            {
                var sum = 0.0;
                for (var i = 0; i < d; i++)
                    sum += jp[(t * d) + i] * 2 * (y[i] - x[i]) / batch;
                seed[t] = sum;
            }

            _network.AddVectorJacobian(Theta, x, seed, gradient);
        }

        return gradient;
    }

    /// <summary>The gradient of SIP's proxy loss (1/B) sum_b ||u_b' - f(y*_b)||^2 with u_b' held fixed.</summary>
    private double[] SipGradient(ControlData data, int first)
    {
        int batch = _settings.BatchSize, d = _chain.StateSize, nt = _chain.Steps;
        var gradient = new double[Theta.Length];
        var jp = new double[d * nt];
        var r = new double[d];
        var seed = new double[nt];
        for (var b = 0; b < batch; b++)
        {
            var x = data.State(first + b);
            var u = _network.Forward(Theta, x);
            var y = _chain.SimulateWithJacobian(x, u, jp);
            for (var i = 0; i < d; i++)
                r[i] = 2 * (y[i] - x[i]) / batch;
            var delta = PartialInverse.Apply(_la.Svd(jp, d, nt), _settings.Truncation, -1, r);

            // u' = u - delta, so d/du of ||u' - u||^2 / B is 2 (u - u') / B = 2 delta / B.
            for (var t = 0; t < nt; t++)
                seed[t] = 2 * delta[t] / batch;
            _network.AddVectorJacobian(Theta, x, seed, gradient);
        }

        return gradient;
    }

    private void Hig(ControlData data, int first)
    {
        var joint = JointJacobian(data, first, out var r);
        var update = PartialInverse.Apply(_la.Svd(joint, r.Length, Theta.Length), _settings.Truncation, _settings.Exponent, r);
        for (var c = 0; c < Theta.Length; c++)
            Theta[c] -= _settings.LearningRate * update[c];
    }

    /// <summary>
    /// The joint Jacobian d y / d theta of the batch's predicted end states ((B 2N) x P, column-major, row b 2N + i) and
    /// the loss gradient with respect to them, <paramref name="r"/> = 2 (y - y*) / B.
    /// </summary>
    internal double[] JointJacobian(ControlData data, int first, out double[] r)
    {
        int batch = _settings.BatchSize, d = _chain.StateSize, nt = _chain.Steps, p = Theta.Length;
        var rows = batch * d;
        var byRow = new double[rows * p]; // row-major rows x P: row b 2N + i contiguous while it is accumulated
        r = new double[rows];
        var jp = new double[d * nt];
        var jn = new double[nt * p];
        for (var b = 0; b < batch; b++)
        {
            var x = data.State(first + b);
            var u = _network.Jacobian(Theta, x, jn);
            var y = _chain.SimulateWithJacobian(x, u, jp);
            for (var i = 0; i < d; i++)
                r[(b * d) + i] = 2 * (y[i] - x[i]) / batch;

            // d y_i / d theta = sum_t (dP/du)_(i, t) (d u_t / d theta).
            for (var t = 0; t < nt; t++)
            {
                var row = jn.AsSpan(t * p, p);
                for (var i = 0; i < d; i++)
                {
                    var coefficient = jp[(t * d) + i];
                    if (coefficient == 0)
                        continue;
                    var target = byRow.AsSpan(((b * d) + i) * p, p);
                    for (var c = 0; c < p; c++)
                        target[c] += coefficient * row[c];
                }
            }
        }

        var joint = new double[rows * p]; // column-major, as LAPACK takes it
        for (var q = 0; q < rows; q++)
            for (var c = 0; c < p; c++)
                joint[(c * rows) + q] = byRow[(q * p) + c];
        return joint;
    }
}
