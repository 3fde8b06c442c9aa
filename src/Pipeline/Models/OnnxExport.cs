using System.Globalization;

namespace Hnn.Pipeline.Models;

/// <summary>
/// A learned Hamiltonian as an ONNX model (IR version 7, opset 13, every tensor DOUBLE): input <c>x</c> [N, 2d]
/// (columns q1..qd, p1..pd), outputs <c>H</c> [N, 1], <c>gradH</c> [N, 2d] and <c>dx</c> [N, 2d], computed as
/// z = x W + b, t = tanh(z), H = t c + c0, gradH = ((1 - t²) ⊙ cᵀ) Wᵀ, dx = gradH Jᵀ with J = [[0, I], [−I, 0]]
/// (dq = dH/dp, dp = −dH/dq); the weights are initializers. Field numbers from onnx/onnx.proto.
/// </summary>
internal static class OnnxExport
{
    public const int Opset = 13;
    public const int IrVersion = 7;
    private const int Double = 11; // TensorProto.DataType.DOUBLE

    public static void Write(HamiltonianModel model, Stream stream)
    {
        var bytes = Build(model);
        stream.Write(bytes);
    }

    public static byte[] Build(HamiltonianModel model)
    {
        var n = model.Network;
        var dim = n.InputDim;
        var width = n.Width;
        var d = dim / 2;
        var w = new double[dim * width];    // W [2d, N], row-major
        var wt = new double[width * dim];   // W^T [N, 2d]
        for (var i = 0; i < dim; i++)
        {
            for (var j = 0; j < width; j++)
            {
                w[(i * width) + j] = n.Hidden.Weights[i][j];
                wt[(j * dim) + i] = n.Hidden.Weights[i][j];
            }
        }

        var jt = new double[dim * dim];     // J^T [2d, 2d]: dx_k = sum_m gradH_m J^T[m, k]
        for (var i = 0; i < d; i++)
        {
            jt[((d + i) * dim) + i] = 1;    // dq_i = dH/dp_i
            jt[(i * dim) + d + i] = -1;     // dp_i = -dH/dq_i
        }

        var graph = new ProtoWriter();
        Node(graph, "MatMul", ["x", "W"], "xW");
        Node(graph, "Add", ["xW", "b"], "z");
        Node(graph, "Tanh", ["z"], "t");
        Node(graph, "MatMul", ["t", "c"], "tc");
        Node(graph, "Add", ["tc", "c0"], "H");
        Node(graph, "Mul", ["t", "t"], "t2");
        Node(graph, "Sub", ["one", "t2"], "s");
        Node(graph, "Mul", ["s", "c_row"], "sc");
        Node(graph, "MatMul", ["sc", "WT"], "gradH");
        Node(graph, "MatMul", ["gradH", "JT"], "dx");
        graph.String(2, "hnn_hamiltonian");
        Initializer(graph, "W", [dim, width], w);
        Initializer(graph, "b", [width], n.Hidden.Biases);
        Initializer(graph, "c", [width, 1], n.Coefficients);
        Initializer(graph, "c_row", [width], n.Coefficients);
        Initializer(graph, "c0", [1], [n.OutputBias]);
        Initializer(graph, "one", [1], [1.0]);
        Initializer(graph, "WT", [width, dim], wt);
        Initializer(graph, "JT", [dim, dim], jt);
        graph.String(10, $"H(q, p) = sum_j c_j tanh(w_j . x + b_j) + c0 learned by {model.Info.Describe()}; x' = J grad H");
        ValueInfo(graph, 11, "x", dim);
        ValueInfo(graph, 12, "H", 1);
        ValueInfo(graph, 12, "gradH", dim);
        ValueInfo(graph, 12, "dx", dim);

        var m = new ProtoWriter()
            .Int(1, IrVersion)
            .String(2, "hnn")
            .String(3, typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "0")
            .Message(7, graph)
            .Message(8, new ProtoWriter().String(1, "").Int(2, Opset));
        var info = model.Info;
        foreach (var (key, value) in new (string, string?)[]
        {
            ("method", info.Method), ("width", info.Width.ToString(CultureInfo.InvariantCulture)), ("dof", info.Dof.ToString(CultureInfo.InvariantCulture)),
            ("data_seed", info.DataSeed.ToString(CultureInfo.InvariantCulture)), ("model_seed", info.ModelSeed.ToString(CultureInfo.InvariantCulture)),
            ("system", info.System), ("run_id", info.RunId), ("artifact", info.Artifact),
            ("c0", n.OutputBias.ToString("R", CultureInfo.InvariantCulture)),
        })
        {
            if (value is not null)
            {
                m.Message(14, new ProtoWriter().String(1, key).String(2, value));
            }
        }

        return m.ToArray();
    }

    /// <summary>NodeProto: input = 1, output = 2, name = 3, op_type = 4.</summary>
    private static void Node(ProtoWriter graph, string op, string[] inputs, string output)
    {
        var node = new ProtoWriter();
        foreach (var i in inputs)
        {
            node.String(1, i);
        }

        node.String(2, output).String(3, output).String(4, op);
        graph.Message(1, node);
    }

    /// <summary>TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian); GraphProto.initializer = 5.</summary>
    private static void Initializer(ProtoWriter graph, string name, long[] dims, IReadOnlyList<double> values)
    {
        var t = new ProtoWriter();
        foreach (var dim in dims)
        {
            t.Int(1, dim);
        }

        t.Int(2, Double).String(8, name).Bytes(9, ProtoWriter.LittleEndian(values));
        graph.Message(5, t);
    }

    /// <summary>
    /// ValueInfoProto (name = 1, type = 2) of a [N, columns] DOUBLE tensor: TypeProto.tensor_type = 1 → elem_type = 1,
    /// shape = 2 → TensorShapeProto.dim = 1 → dim_value = 1 | dim_param = 2.
    /// </summary>
    private static void ValueInfo(ProtoWriter graph, int field, string name, int columns)
    {
        var shape = new ProtoWriter()
            .Message(1, new ProtoWriter().String(2, "N"))
            .Message(1, new ProtoWriter().Int(1, columns));
        var tensor = new ProtoWriter().Int(1, Double).Message(2, shape);
        graph.Message(field, new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensor)));
    }
}
