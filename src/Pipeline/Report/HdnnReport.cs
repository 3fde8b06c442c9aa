using System.Globalization;
using System.Text;
using Hnn.Pipeline.Cli;
using Hnn.Stages.Hdnn;

namespace Hnn.Pipeline.Report;

/// <summary>
/// The report of an H-DNN pipeline (<c>hnn hdnn PIPELINE</c>): report.md with the accuracy table and the figures, all
/// PNGs beside it — the decision regions over the test points (first seed, per model, as the reference's README
/// figures), the training curves (mean outer loss per epoch, every model and seed), the backward-sensitivity norms per
/// layer, and the hidden states' propagation through the layers in the reference's projections: a change of basis
/// whose first vector is the classifier's normal W / |W| (the decision boundary is the line c_1 = -mu / |W|), then the
/// states of the test points projected onto the planes (c_1, c_k), k = 2..nf, at layers 0, N/2 and N.
/// </summary>
public static class HdnnReport
{
    /// <summary>Writes the report into <paramref name="folder"/>; returns the path of report.md.</summary>
    public static string Write(HdnnOutcome outcome, string folder)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        Directory.CreateDirectory(folder);
        var spec = outcome.Spec;
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# H-DNN pipeline {spec.Name}\n\n");
        md.Append(CultureInfo.InvariantCulture, $"{spec.Dataset}, {spec.Points} points (train: even indices, test: odd), nf {HdnnPipeline.Nf}; {spec.Layers} layers, t_end {spec.TEnd}, {spec.Epochs} epochs, lr {spec.LearningRate}, batch {spec.BatchSize}, alpha {spec.Alpha}, alpha_c {spec.AlphaC}, {spec.InnerSteps} inner classifier steps; seeds {string.Join(", ", spec.Seeds)}.\n\n");
        md.Append("| model | seed | train acc | test acc | train time (s) | cached |\n|---|---|---|---|---|---|\n");
        foreach (var r in outcome.Runs)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {r.Kind} | {r.Seed} | {r.TrainAccuracy:P2} | {r.TestAccuracy:P2} | {(r.TrainSeconds is { } s ? s.ToString("F1", CultureInfo.InvariantCulture) : "-")} | {(r.Cached ? "yes" : "no")} |\n");
        }

        md.Append("\n| model | mean train acc | mean test acc | min test acc | max test acc |\n|---|---|---|---|---|\n");
        foreach (var g in outcome.Runs.GroupBy(r => r.Kind))
        {
            md.Append(CultureInfo.InvariantCulture, $"| {g.Key} | {g.Average(r => r.TrainAccuracy):P2} | {g.Average(r => r.TestAccuracy):P2} | {g.Min(r => r.TestAccuracy):P2} | {g.Max(r => r.TestAccuracy):P2} |\n");
        }

        var loss = outcome.Runs.Select(r => new Series($"{r.Kind} seed {r.Seed}", [.. Enumerable.Range(1, r.EpochLoss.Length).Select(e => (double)e)], r.EpochLoss)).ToList();
        Plots.Lines(Path.Combine(folder, "loss.png"), $"{spec.Dataset}: training loss", "epoch", "mean outer loss (BCE + regulariser)", loss, logY: true);
        var sensitivity = outcome.Runs.Select(r => new Series($"{r.Kind} seed {r.Seed}", [.. Enumerable.Range(0, r.Sensitivity.Length).Select(j => (double)j)], r.Sensitivity)).ToList();
        Plots.Lines(Path.Combine(folder, "sensitivity.png"), $"{spec.Dataset}: backward sensitivity", "layer j", "mean ||dy_N / dy_j||_2 (test points)", sensitivity, logY: true);
        md.Append("\n## Training curves and backward sensitivity\n\n![training loss](loss.png) ![sensitivity norms](sensitivity.png)\n\n");
        md.Append("Sensitivity: the mean over the test points of the spectral norm of dy_N/dy_j (1 at j = N); values at or above 1 mean no vanishing gradients.\n\n");
        var layers = Enumerable.Range(0, 9).Select(i => i * spec.Layers / 8).Distinct().ToArray();
        md.Append("| model | seed |").Append(string.Concat(layers.Select(j => $" j = {j} |"))).Append('\n');
        md.Append("|---|---|").Append(string.Concat(layers.Select(_ => "---|"))).Append('\n');
        foreach (var r in outcome.Runs)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {r.Kind} | {r.Seed} |");
            foreach (var j in layers)
            {
                md.Append(CultureInfo.InvariantCulture, $" {r.Sensitivity[j]:F2} |");
            }

            md.Append('\n');
        }

        md.Append('\n');

        var first = spec.Seeds[0];
        var data = outcome.Data[first];
        var (testX, testLabels) = data.Test;
        int nf = data.Nf, n = testLabels.Length;
        md.Append(CultureInfo.InvariantCulture, $"## Decision regions and propagation (seed {first})\n\n");
        foreach (var r in outcome.Runs.Where(r => r.Seed == first))
        {
            var decision = $"decision-{r.Kind}-seed{first}.png";
            var px = Enumerable.Range(0, n).Select(i => testX[i * nf]).ToArray();
            var py = Enumerable.Range(0, n).Select(i => testX[(i * nf) + nf - 1]).ToArray();
            DecisionRegionPlot.Write(Path.Combine(folder, decision), string.Create(CultureInfo.InvariantCulture, $"{r.Kind}, {spec.Layers} layers, t_end {spec.TEnd}: test acc {r.TestAccuracy:P2}"),
                data.Box, (xy, count) => Scores(r, xy, count, nf), px, py, testLabels);
            md.Append(CultureInfo.InvariantCulture, $"### {r.Kind}\n\n![decision regions of {r.Kind}]({decision})\n\n");
            md.Append("Hidden states of the test points in the classifier's basis (c_1 along W; the boundary is c_1 = -mu/|W|):\n\n| plane | layer 0 | layer N/2 | layer N |\n|---|---|---|---|\n");
            var states = HdnnForward.States(r.Parameters, testX, n);
            var basis = ClassifierBasis(r.Classifier, nf);
            for (var k = 1; k < nf; k++)
            {
                md.Append(CultureInfo.InvariantCulture, $"| (c_1, c_{k + 1}) |");
                foreach (var layer in new[] { 0, spec.Layers / 2, spec.Layers })
                {
                    var file = $"propagation-{r.Kind}-seed{first}-c1c{k + 1}-layer{layer}.png";
                    var series = new List<Series>();
                    for (var label = 0; label < 2; label++)
                    {
                        var rows = Enumerable.Range(0, n).Where(i => testLabels[i] == label).ToArray();
                        series.Add(new Series($"class {label}", [.. rows.Select(i => Dot(basis[0], states[layer], i, nf))], [.. rows.Select(i => Dot(basis[k], states[layer], i, nf))]));
                    }

                    Plots.Scatter(Path.Combine(folder, file), $"{r.Kind} layer {layer}: (c_1, c_{k + 1})", "c_1 (classifier normal)", $"c_{k + 1}", series, markerSize: 2);
                    md.Append(CultureInfo.InvariantCulture, $" ![layer {layer}]({file}) |");
                }

                md.Append('\n');
            }

            md.Append('\n');
        }

        var path = Path.Combine(folder, "report.md");
        File.WriteAllText(path, md.ToString());
        return path;
    }

    /// <summary>
    /// An orthonormal basis of R^nf whose first vector is W / |W| (W the classifier's weights), completed by Gram-Schmidt
    /// over the standard basis vectors in order (those nearly in the span so far skipped). A zero W gives the standard basis.
    /// </summary>
    public static double[][] ClassifierBasis(ReadOnlySpan<double> classifier, int nf)
    {
        var basis = new List<double[]>();
        var w = classifier[..nf].ToArray();
        var norm = Math.Sqrt(w.Sum(v => v * v));
        if (norm > 0)
        {
            basis.Add([.. w.Select(v => v / norm)]);
        }

        for (var e = 0; e < nf && basis.Count < nf; e++)
        {
            var v = new double[nf];
            v[e] = 1;
            foreach (var b in basis)
            {
                var dot = 0.0;
                for (var i = 0; i < nf; i++)
                {
                    dot += b[i] * v[i];
                }

                for (var i = 0; i < nf; i++)
                {
                    v[i] -= dot * b[i];
                }
            }

            var length = Math.Sqrt(v.Sum(x => x * x));
            if (length > 1e-8)
            {
                basis.Add([.. v.Select(x => x / length)]);
            }
        }

        return [.. basis];
    }

    private static double Dot(double[] b, double[] rows, int i, int nf)
    {
        var sum = 0.0;
        for (var c = 0; c < nf; c++)
        {
            sum += b[c] * rows[(i * nf) + c];
        }

        return sum;
    }

    private static double[] Scores(HdnnModelRun r, double[] xy, int count, int nf)
    {
        var rows = new double[count * nf];
        for (var i = 0; i < count; i++)
        {
            rows[i * nf] = xy[2 * i];
            rows[(i * nf) + nf - 1] = xy[(2 * i) + 1];
        }

        var last = HdnnForward.Output(r.Parameters, rows, count);
        return [.. Enumerable.Range(0, count).Select(i => LinearClassifier.Logit(r.Classifier, last, i))];
    }
}
