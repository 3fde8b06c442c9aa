using System.Text.Json;
using Hnn.Pipeline.Execution;
using Parquet;
using Parquet.Schema;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// The run's tidy tables, for DuckDB, pandas or Spark: <c>results.parquet</c> (one row per experiment) and
/// <c>rollouts.parquet</c> (one row per experiment and integrator), with string columns for names, statuses and
/// reasons ("" when there is none), integers as integers and the artifact keys. Schema: docs/SCHEMA.md. Written to a temp file and renamed.
/// </summary>
public static class RunTables
{
    /// <summary>Writes results.parquet and, when any experiment was rolled out, rollouts.parquet into <paramref name="dir"/>.</summary>
    public static void Write(string dir, IReadOnlyList<ExperimentResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        WriteFile(Path.Combine(dir, "results.parquet"), results.Any(r => r.Trajectory is not null) ? [.. ResultColumns(results), .. TrajectoryColumns(results)] : ResultColumns(results));

        var rolled = results.SelectMany(x => (x.Rollouts ?? []).Select(o => (x, o))).ToList();
        if (rolled.Count == 0)
        {
            return;
        }

        WriteFile(Path.Combine(dir, "rollouts.parquet"),
        [
            Column("method", rolled.Select(t => t.x.Method).ToArray()),
            Column("width", rolled.Select(t => t.x.Width).ToArray()),
            Column("data_seed", rolled.Select(t => t.x.DataSeed).ToArray()),
            Column("model_seed", rolled.Select(t => t.x.ModelSeed).ToArray()),
            Column("integrator", rolled.Select(t => t.o.Integrator).ToArray()),
            Column("status", rolled.Select(t => t.o.Failure is null ? "ok" : double.IsNaN(t.o.MaxStateError) ? "failed" : "reference-failed").ToArray()),
            Column("failure", rolled.Select(t => t.o.Failure ?? "").ToArray()),
            Column("max_state_error", rolled.Select(t => t.o.MaxStateError).ToArray()),
            Column("final_state_error", rolled.Select(t => t.o.FinalStateError).ToArray()),
            Column("max_deviation_from_exact", rolled.Select(t => t.o.MaxDeviationFromExact).ToArray()),
            Column("max_energy_drift", rolled.Select(t => t.o.MaxEnergyDrift).ToArray()),
            Column("H_error", rolled.Select(t => t.o.HError).ToArray()),
            Column("gradH_error", rolled.Select(t => t.o.GradHError).ToArray()),
        ]);
    }

    /// <summary>
    /// The experiments of several runs in one table (<c>hnn compare --output</c>): results.parquet's columns after a
    /// leading string column <c>run</c> (the run id).
    /// </summary>
    public static void WriteComparison(string path, IReadOnlyList<(string Run, ExperimentResult Result)> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        IReadOnlyList<ExperimentResult> results = [.. rows.Select(x => x.Result)];
        WriteFile(path, [Column("run", rows.Select(x => x.Run).ToArray()), .. ResultColumns(results), .. results.Any(r => r.Trajectory is not null) ? TrajectoryColumns(results) : []]);
    }

    /// <summary>results.parquet's columns (docs/SCHEMA.md).</summary>
    private static Col[] ResultColumns(IReadOnlyList<ExperimentResult> r) =>
    [
        Column("method", r.Select(x => x.Method).ToArray()),
        Column("width", r.Select(x => x.Width).ToArray()),
        Column("data_seed", r.Select(x => x.DataSeed).ToArray()),
        Column("model_seed", r.Select(x => x.ModelSeed).ToArray()),
        Column("train_seconds", r.Select(x => x.TrainSeconds).ToArray()),
        Column("rank", r.Select(x => x.Rank).ToArray()),
        Column("cached", r.Select(x => x.FromCache).ToArray()),
        Column("train_points", r.Select(x => x.Train.Count).ToArray()),
        Column("test_points", r.Select(x => x.Test.Count).ToArray()),
        Column("train_H", r.Select(x => x.Train.H).ToArray()),
        Column("train_gradH", r.Select(x => x.Train.GradH).ToArray()),
        Column("train_dx", r.Select(x => x.Train.Dx).ToArray()),
        Column("test_H", r.Select(x => x.Test.H).ToArray()),
        Column("test_gradH", r.Select(x => x.Test.GradH).ToArray()),
        Column("test_dx", r.Select(x => x.Test.Dx).ToArray()),
        Column("keys", r.Select(x => JsonSerializer.Serialize(x.Keys)).ToArray()),
    ];

    /// <summary>results.parquet's trajectory columns (a run with data.trajectories; docs/SCHEMA.md), NaN / "" where none.</summary>
    private static Col[] TrajectoryColumns(IReadOnlyList<ExperimentResult> r)
    {
        double D(ExperimentResult x, Func<TrajectoryResult, double> f) => x.Trajectory is { } t ? f(t) : double.NaN;
        string S(ExperimentResult x, Func<TrajectoryResult, string?> f) => x.Trajectory is { } t ? f(t) ?? "" : "";
        return
        [
            Column("target", r.Select(x => S(x, t => t.Target)).ToArray()),
            Column("regularisation", r.Select(x => S(x, t => t.Regularisation)).ToArray()),
            Column("regularisation_value", r.Select(x => D(x, t => t.RegularisationValue)).ToArray()),
            Column("criterion", r.Select(x => S(x, t => t.Criterion)).ToArray()),
            Column("criterion_score", r.Select(x => D(x, t => t.CriterionScore)).ToArray()),
            Column("effective_dof", r.Select(x => D(x, t => t.EffectiveDof)).ToArray()),
            Column("test_H_uncorrected", r.Select(x => D(x, t => t.TestHUncorrected)).ToArray()),
            Column("test_H_corrected", r.Select(x => D(x, t => t.TestHCorrected)).ToArray()),
            Column("rollout_error", r.Select(x => D(x, t => t.RolloutError)).ToArray()),
            Column("rollout_max_error", r.Select(x => D(x, t => t.RolloutMaxError)).ToArray()),
            Column("exact_rollout_error", r.Select(x => D(x, t => t.ExactRolloutError)).ToArray()),
            Column("test_trajectories", r.Select(x => x.Trajectory?.TestTrajectories ?? 0).ToArray()),
            Column("rollout_failure", r.Select(x => S(x, t => t.RolloutFailure)).ToArray()),
            Column("error_bar_lambda", r.Select(x => D(x, t => t.ErrorBarLambda)).ToArray()),
            Column("noise_sd", r.Select(x => D(x, t => t.NoiseSd)).ToArray()),
            Column("median_sd", r.Select(x => D(x, t => t.MedianSd)).ToArray()),
            Column("coverage95", r.Select(x => D(x, t => t.Coverage95)).ToArray()),
            Column("invariant_drift", r.Select(x => D(x, t => t.InvariantDrift)).ToArray()),
            Column("invariant_drift2", r.Select(x => D(x, t => t.InvariantDrift2)).ToArray()),
            Column("exact_invariant_drift", r.Select(x => D(x, t => t.ExactInvariantDrift)).ToArray()),
        ];
    }

    /// <summary>A column: its field and how to write its values into a row group.</summary>
    private sealed record Col(DataField Field, Func<ParquetRowGroupWriter, Task> Write);

    private static Col Column<T>(string name, T[] values)
        where T : struct
    {
        var field = new DataField<T>(name);
        return new Col(field, g => g.WriteAsync<T>(field, values, null, null, CancellationToken.None));
    }

    private static Col Column(string name, string[] values)
    {
        var field = new DataField<string>(name);
        return new Col(field, g => g.WriteAsync(field, values, null));
    }

    private static void WriteFile(string path, Col[] columns) =>
        Store.AtomicFile.Write(path, stream => WriteAsync(stream, columns).GetAwaiter().GetResult());

    private static async Task WriteAsync(Stream stream, Col[] columns)
    {
        var schema = new ParquetSchema(columns.Select(c => c.Field).ToArray());
        var writer = await ParquetWriter.CreateAsync(schema, stream, Store.ParquetTableWriter.ToParquetOptions(Store.ParquetWriteOptions.Default), false).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            using var group = writer.CreateRowGroup();
            foreach (var c in columns)
            {
                await c.Write(group).ConfigureAwait(false);
            }
        }
    }
}
