using Hnn.Pipeline.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// The ONNX export run by an independent runtime (Microsoft.ML.OnnxRuntime): H, grad H and x' against the tool's own
/// evaluation (<see cref="HamiltonianModel.Evaluate"/>), to 1e-12 relative (max-norm over the batch: the graph sums in
/// another order than Network.Predict, so the last bits differ).
/// </summary>
[Collection(CliCollection.Name)]
public sealed class OnnxExportTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void OnnxRuntime_computes_the_tools_H_gradH_and_x_dot_for_a_2_dof_model()
    {
        using var box = new CliSandbox();
        var model = HamiltonianModelTests.RandomModel(dof: 2, width: 57, seed: 9);
        var path = Path.Combine(box.Root, "m.onnx");
        model.Save(path);
        output.WriteLine($"2 dof, width 57: relative max differences (H, grad H, x') {Compare(model, path, HamiltonianModelTests.Points(4, 33, 2))}");
    }

    [Fact]
    public async Task Hnn_export_onnx_of_a_run_agrees_with_the_tool()
    {
        using var box = new CliSandbox();
        var run = await box.RunAsync(box.Write("p.yaml", CliSandbox.SmallPipeline.Replace("methods: [elm, u-swim, a-swim, swim]", "methods: [swim]", StringComparison.Ordinal)));
        Assert.True(run.ExitCode == 0, run.ToString());
        var path = Path.Combine(box.Root, "swim.onnx");
        var r = await CliSandbox.InvokeAsync(["export", "latest", "--store", box.StoreRoot, "--format", "onnx", "--output", path]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var model = HamiltonianModel.FromRun(box.Store(), "latest");
        output.WriteLine($"swim width 100: relative max differences (H, grad H, x') {Compare(model, path, HamiltonianModelTests.Points(2, 200, 3).Select(c => c.Select(v => v * 2.5).ToArray()).ToArray())}");
    }

    /// <summary>Runs the ONNX file on <paramref name="x"/> (columns) and compares every output with the tool's.</summary>
    internal static (double H, double GradH, double Dx) Compare(HamiltonianModel model, string path, double[][] x)
    {
        var (dim, count) = (x.Length, x[0].Length);
        var rows = new double[count * dim];
        for (var k = 0; k < count; k++)
        {
            for (var i = 0; i < dim; i++)
            {
                rows[(k * dim) + i] = x[i][k];
            }
        }

        using var session = new InferenceSession(path);
        using var input = OrtValue.CreateTensorValueFromMemory(rows, [count, dim]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x"], [input], ["H", "gradH", "dx"]);
        var h = outputs[0].GetTensorDataAsSpan<double>().ToArray();
        var grad = outputs[1].GetTensorDataAsSpan<double>().ToArray();
        var dx = outputs[2].GetTensorDataAsSpan<double>().ToArray();
        Assert.Equal([count, 1L], outputs[0].GetTensorTypeAndShape().Shape);
        Assert.Equal([count, (long)dim], outputs[2].GetTensorTypeAndShape().Shape);

        var expected = model.Evaluate(x);
        var eh = RelMax(h, expected.H);
        var eg = RelMax(grad, Interleave(expected.GradH));
        var ex = RelMax(dx, Interleave(expected.Dx));
        Assert.True(eh <= Tolerance && eg <= Tolerance && ex <= Tolerance, $"relative max differences: H {eh:e2}, grad H {eg:e2}, x' {ex:e2}");
        return (eh, eg, ex);
    }

    private static double[] Interleave(double[][] cols) =>
        [.. Enumerable.Range(0, cols[0].Length).SelectMany(k => cols.Select(c => c[k]))];

    private static double RelMax(double[] actual, double[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Max(Math.Abs);
        return actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max() / scale;
    }
}
