using Hnn.Datasets;

namespace Hnn.Stages.Hdnn;

/// <summary>
/// The layer weights of an H-DNN: K (layers x nf x nf, layer-major, each row-major) and b (layers x nf). Entries that
/// are not free for the layer type (<see cref="HdnnArchitecture.IsFree"/>) are zero and stay zero.
/// </summary>
public sealed record HdnnParameters(HdnnArchitecture Architecture, double[] K, double[] B)
{
    /// <summary>
    /// Standard-normal K and b, as the reference initialises them (torch.randn; the H2 mask applied, MS1's single
    /// block). Every draw comes from <paramref name="rng"/>.
    /// </summary>
    public static HdnnParameters Random(HdnnArchitecture architecture, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(rng);
        int nf = architecture.Nf, layers = architecture.Layers;
        var k = new double[layers * nf * nf];
        var b = new double[layers * nf];
        for (var j = 0; j < layers; j++)
        {
            for (var r = 0; r < nf; r++)
            {
                for (var c = 0; c < nf; c++)
                {
                    if (architecture.IsFree(r, c))
                    {
                        k[(j * nf * nf) + (r * nf) + c] = rng.NextNormal();
                    }
                }
            }

            for (var r = 0; r < nf; r++)
            {
                b[(j * nf) + r] = rng.NextNormal();
            }
        }

        return new HdnnParameters(architecture, k, b);
    }

    /// <summary>A deep copy.</summary>
    public HdnnParameters Copy() => new(Architecture, (double[])K.Clone(), (double[])B.Clone());
}
