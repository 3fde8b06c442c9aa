using Hnn.Datasets;
using Xunit;

namespace Hnn.Tests.Datasets;

/// <summary>
/// Every registered system with the domain it is trained on. Domains of the paper's systems follow the
/// reference code (AlphaGergedan/Sampling-HNNs, src/*_experiment.py); the others are chosen here.
/// </summary>
internal static class PaperSystems
{
    internal static readonly (string Id, HamiltonianSystem System, Domain Domain)[] All =
    [
        ("mass-spring", new MassSpring(), Box(1, -1, 3, -2, 2)),
        ("mass-spring k=2,m=0.5,q_eq=-1", new MassSpring(2, 0.5, -1), Box(1, -3, 1, -2, 2)),
        ("single-pendulum", new SinglePendulum(), Box(1, -2 * Math.PI, 2 * Math.PI, -1, 1)),
        ("single-pendulum f=5", new SinglePendulum(5), Box(1, -2 * Math.PI, 2 * Math.PI, -1, 1)),
        ("lotka-volterra zero-centred", LotkaVolterra.ZeroCentred(), Box(1, -5, 5, -5, 5)),
        ("lotka-volterra five-centred", LotkaVolterra.FiveCentred(), Box(1, 0, 8, 0, 8)),
        ("double-pendulum", new DoublePendulum(), Box(2, -Math.PI, Math.PI, -1, 1)),
        ("henon-heiles", new HenonHeiles(), Box(2, -5, 5, -5, 5)),
        ("henon-heiles alpha=0.7", new HenonHeiles(0.7), Box(2, -5, 5, -5, 5)),
        ("harmonic-chain", new HarmonicChain(), Box(2, -1, 1, -1, 1)),
        ("harmonic-chain n=5", new HarmonicChain(5, 0.25), Box(5, -1, 1, -1, 1)),
        ("coupled-oscillators", new CoupledOscillators(), Box(2, -2, 2, -2, 2)),
        ("kepler", new Kepler(), new Domain([new Interval(0.5, 2), new Interval(-1.5, 1.5)], [new Interval(-1, 1), new Interval(-1, 1)])),
        ("kepler dim=3,k=2", new Kepler(2, 3), new Domain([new Interval(-2, -0.5), new Interval(-1, 1), new Interval(-1, 1)], [new Interval(-1, 1), new Interval(-1, 1), new Interval(-1, 1)])),
        ("fput", new Fput(), Box(8, -1, 1, -1, 1)),
        ("fput beta=1 fixed", new Fput(5, 0.25, 1, periodic: false), Box(5, -1, 1, -1, 1)),
    ];

    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var entry in All)
        {
            data.Add(entry.Id);
        }

        return data;
    }

    public static (HamiltonianSystem System, Domain Domain) Get(string id)
    {
        var entry = All.Single(e => e.Id == id);
        return (entry.System, entry.Domain);
    }

    public static Domain Box(int dof, double qLower, double qUpper, double pLower, double pUpper) =>
        Domain.Uniform(dof, new Interval(qLower, qUpper), new Interval(pLower, pUpper));
}
