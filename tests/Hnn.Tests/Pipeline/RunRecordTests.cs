using System.Text.Json;
using Hnn.Pipeline.Cli;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>manifest.json is read into one record (RunManifest), including manifests written before it was typed.</summary>
public sealed class RunRecordTests
{
    private static string TestData(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", "manifests", name);

    [Fact]
    public void AManifestWrittenByMainBeforeTheRecordReads()
    {
        // Written by `hnn run` at 70c9d86 (TestData/SOURCE.md); the values below are that file's.
        var m = RunManifest.Read(TestData("main-70c9d86-pin-c.json"));
        Assert.Equal("20261203-100258-pin-c-43097b", m.RunId);
        Assert.Equal("pin-c", m.Pipeline);
        Assert.Equal("completed", m.Status);
        Assert.Equal(13, m.Stages.Count); // 11 nodes; A-SWIM loads the sample and fit it shares with U-SWIM
        Assert.Equal(["elm", "u-swim", "a-swim"], m.Results.Select(r => r.Method));
        Assert.Equal(("fit", "9b00578e5dadfdc532be8d7b"), m.Results[2].Model);
        Assert.Equal(("fit", "694d5e807709f9ece3900f2c"), m.Results[0].Model);
        Assert.Null(m.Results[0].ReferenceKey);
        Assert.Equal(JsonValueKind.Object, m.Config.ValueKind);
        Assert.Equal(1, m.Config.GetProperty("dof").GetInt32());
        Assert.NotNull(m.BlasKernel);
    }

    [Fact]
    public void AManifestOfTheFirstFormatReads()
    {
        // The fields of the first RunManifest (76fb30a): no blas_kernel, stage records without compute_seconds, results
        // without rollouts; and an entry without a key, which is skipped.
        var dir = Path.Combine(Path.GetTempPath(), "hnn-record-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, "manifest.json");
            File.WriteAllText(path, """
                {"run_id": "old", "pipeline": "p", "source": "/x.yaml", "overrides": [], "started": "2025-01-02T03:04:05+00:00",
                 "wall_seconds": 1.5, "status": "completed", "backend": "managed", "backend_note": "", "versions": {"hnn": "0.1"},
                 "machine": {}, "config": {"dof": 1},
                 "stages": [{"stage": "fit", "key": "abc", "cached": false, "seconds": 0.5}, {"stage": "odd"}],
                 "results": [{"method": "elm", "width": 10, "data_seed": 1, "model_seed": 2, "train_seconds": 0.1, "rank": 11,
                   "train": {"h": 1e-3, "grad_h": 1e-2, "dx": 1e-2, "count": 5}, "test": {"h": 2e-3, "grad_h": 2e-2, "dx": 2e-2, "count": 5},
                   "from_cache": false, "keys": {"sample": "s", "fit": "abc", "evaluate": "e"}}]}
                """);
            var m = RunManifest.Read(path);
            Assert.Equal(1.5, m.WallSeconds);
            Assert.Equal(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero), m.Started);
            Assert.Null(m.BlasKernel);
            Assert.Equal([("fit", "abc", 0.5, 0.0)], m.Stages.Select(s => (s.Stage, s.Key, s.Seconds, s.ComputeSeconds)));
            Assert.Equal(("fit", "abc"), m.Results[0].Model);
            Assert.Null(m.Results[0].Rollouts);
            Assert.Equal(2e-3, m.Results[0].Test.H);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void WrittenAndReadBackItIsTheSameRecord()
    {
        var m = RunManifest.Read(TestData("main-70c9d86-pin-c.json"));
        var (back, error) = RunManifest.Parse(JsonSerializer.Serialize(m, RunManifest.Json));
        Assert.Null(error);
        Assert.Equal(JsonSerializer.Serialize(m, RunManifest.Json), JsonSerializer.Serialize(back, RunManifest.Json));
    }

    [Theory]
    [InlineData("{\"run_id\": \"x\", \"stages\": [", "not valid JSON")]
    [InlineData("[1, 2]", "not a run manifest")]
    [InlineData("{\"results\": [1]}", "'results' is not a list of experiment results")]
    public void WhatIsNoManifestIsSaidInOneLine(string text, string expected)
    {
        var (m, error) = RunManifest.Parse(text);
        Assert.Null(m);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
