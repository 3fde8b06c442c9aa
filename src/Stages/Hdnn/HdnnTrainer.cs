using Hnn.Datasets;
using Hnn.Stages.Baseline;

namespace Hnn.Stages.Hdnn;

/// <summary>
/// Trains an H-DNN the way the reference does (DecodEPFL/HamiltonianNet, examples/train_2d_example.py), re-implemented:
/// each epoch visits the training set in a seeded random order, in floor(n / batch) batches; for each batch a fresh
/// zero classifier is fitted to the batch's last states by <see cref="HdnnSettings.InnerSteps"/> Adam steps (BCE plus
/// ridge), then one Adam step is taken on K, b for BCE of that classifier plus the regulariser. After training, a fresh
/// classifier is fitted with Adam over the same number of epochs and batches on the fixed network, and accuracy is the
/// fraction of logit &gt;= 0 predictions that match.
/// </summary>
public static class HdnnTrainer
{
    /// <summary>Trains on the given rows (row-major, nf features) and reports train and test accuracy.</summary>
    public static HdnnTrainingResult Train(
        HdnnSettings settings, double[] trainX, int[] trainLabels, double[] testX, int[] testLabels, IProgress<(int Epoch, double Loss)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(trainX);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(testX);
        ArgumentNullException.ThrowIfNull(testLabels);
        var architecture = settings.Architecture();
        int nf = architecture.Nf, n = trainLabels.Length, bs = settings.BatchSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(n, bs);
        var parameters = HdnnParameters.Random(architecture, new Rng(settings.Seed, "hdnn-init"));
        var order = new Rng(settings.Seed, "hdnn-batches");
        var batches = n / bs;
        var packed = new double[parameters.K.Length + parameters.B.Length];
        var grad = new double[packed.Length];
        var m = new double[packed.Length];
        var v = new double[packed.Length];
        var batchX = new double[bs * nf];
        var batchLabels = new int[bs];
        var indices = Enumerable.Range(0, n).ToArray();
        var epochLoss = new List<double>();
        var step = 0;
        for (var epoch = 0; epoch < settings.Epochs; epoch++)
        {
            order.Shuffle<int>(indices);
            double lossSum = 0;
            for (var batch = 0; batch < batches; batch++)
            {
                Gather(trainX, trainLabels, indices.AsSpan(batch * bs, bs), nf, batchX, batchLabels);
                var last = HdnnForward.Output(parameters, batchX, bs);
                var classifier = new double[nf + 1];
                FitClassifier(classifier, settings, [(last, batchLabels)], settings.InnerSteps);
                var g = HdnnLoss.Evaluate(parameters, classifier, batchX, batchLabels, bs, settings.Alpha);
                lossSum += g.Loss;
                parameters.K.CopyTo(packed, 0);
                parameters.B.CopyTo(packed, parameters.K.Length);
                g.GradK.CopyTo(grad, 0);
                g.GradB.CopyTo(grad, parameters.K.Length);
                step++;
                AdamUpdate.Apply(packed, grad, m, v, settings.BiasCorrectionByEpoch ? epoch + 1 : step, settings.LearningRate, 0);
                packed.AsSpan(0, parameters.K.Length).CopyTo(parameters.K);
                packed.AsSpan(parameters.K.Length).CopyTo(parameters.B);
            }

            epochLoss.Add(lossSum / batches);
            progress?.Report((epoch, lossSum / batches));
        }

        var final = FinalClassifier(parameters, settings, trainX, trainLabels, order);
        var trainAccuracy = LinearClassifier.Accuracy(final, HdnnForward.Output(parameters, trainX, n), trainLabels, n);
        var testAccuracy = LinearClassifier.Accuracy(final, HdnnForward.Output(parameters, testX, testLabels.Length), testLabels, testLabels.Length);
        return new HdnnTrainingResult(parameters, final, trainAccuracy, testAccuracy, epochLoss);
    }

    /// <summary>
    /// The reference's last phase: a fresh classifier, Adam over <see cref="HdnnSettings.Epochs"/> epochs of shuffled
    /// batches of the fixed network's last states (one step per batch).
    /// </summary>
    private static double[] FinalClassifier(HdnnParameters parameters, HdnnSettings settings, double[] trainX, int[] trainLabels, Rng order)
    {
        int nf = parameters.Architecture.Nf, n = trainLabels.Length, bs = settings.BatchSize;
        var last = HdnnForward.Output(parameters, trainX, n);
        var indices = Enumerable.Range(0, n).ToArray();
        var batches = new List<(double[] X, int[] Labels)>();
        for (var epoch = 0; epoch < settings.Epochs; epoch++)
        {
            order.Shuffle<int>(indices);
            for (var batch = 0; batch < n / bs; batch++)
            {
                var x = new double[bs * nf];
                var labels = new int[bs];
                Gather(last, trainLabels, indices.AsSpan(batch * bs, bs), nf, x, labels);
                batches.Add((x, labels));
            }
        }

        var classifier = new double[nf + 1];
        FitClassifier(classifier, settings, batches, 1);
        return classifier;
    }

    /// <summary>Adam (t = 1, 2, ...) on BCE plus ridge: <paramref name="stepsPerBatch"/> steps on each batch in turn.</summary>
    private static void FitClassifier(double[] classifier, HdnnSettings settings, IReadOnlyList<(double[] Y, int[] Labels)> batches, int stepsPerBatch)
    {
        var m = new double[classifier.Length];
        var v = new double[classifier.Length];
        var grad = new double[classifier.Length];
        var t = 0;
        foreach (var (y, labels) in batches)
        {
            for (var s = 0; s < stepsPerBatch; s++)
            {
                Array.Clear(grad);
                LinearClassifier.Loss(classifier, y, labels, labels.Length, settings.ClassifierRidge, grad, default);
                AdamUpdate.Apply(classifier, grad, m, v, ++t, settings.LearningRate, 0);
            }
        }
    }

    private static void Gather(double[] x, int[] labels, ReadOnlySpan<int> rows, int nf, double[] intoX, int[] intoLabels)
    {
        for (var i = 0; i < rows.Length; i++)
        {
            Array.Copy(x, rows[i] * nf, intoX, i * nf, nf);
            intoLabels[i] = labels[rows[i]];
        }
    }
}
