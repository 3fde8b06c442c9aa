using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hnn.Pipeline.Config;

/// <summary>
/// The JSON form of a spec, as <c>hnn validate</c> prints it and manifest.json stores it under <c>config</c>: each
/// section's own form (the ToJson of its binder under Sections/), snake_case keys, enums by their config names.
/// </summary>
public static class PipelineJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>
    /// The spec's JSON form. The <c>hig</c> section appears (after <c>adam</c>) only when model.methods lists hig, so a
    /// pipeline without it has the same form (and manifest) as before the HIG method existed.
    /// </summary>
    public static JsonElement ToJson(PipelineSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var json = WithHig(spec, Base(spec));
        if (spec.Trajectories is not { } t)
        {
            return json;
        }

        // model.error_bars only when it is not the default, so the forms of earlier trajectory pipelines are unchanged.
        var trajectories = JsonSerializer.SerializeToElement(TrajectoriesToJson(t), Options);
        if (t.ErrorBars != TrajectoriesSection.ResidualBars)
        {
            trajectories = Append(trajectories, "error_bars", JsonSerializer.SerializeToElement(t.ErrorBars, Options));
        }

        // model.rollout_integrator likewise only when it is not the default (scheme).
        if (t.RolloutIntegrator != TrajectoriesSection.SchemeRollout)
        {
            trajectories = Append(trajectories, "rollout_integrator", JsonSerializer.SerializeToElement(t.RolloutIntegrator, Options));
        }

        return Append(json, "trajectories", trajectories);
    }

    /// <summary>data.trajectories, model.target and model.regularisation (only for a trajectory pipeline, last, so other forms are unchanged).</summary>
    private static object TrajectoriesToJson(TrajectorySpec t) => new
    {
        Generated = t.Generated is { } g ? new { g.Count, g.Dt, g.Steps, Noise = new { Sigma = g.NoiseSigma, Kind = g.Noise.ToString().ToLowerInvariant() } } : null,
        t.File,
        t.Columns,
        Trajectories = t.Count,
        t.Validation,
        t.Test,
        TestPoints = t.TestPoints,
        Target = Hnn.Stages.Training.TargetFormulations.ToName(t.Target),
        Regularisation = t.Regularisation.ToString(),
    };

    private static JsonElement Append(JsonElement json, string name, JsonElement value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            foreach (var p in json.EnumerateObject())
            {
                p.WriteTo(writer);
            }

            writer.WritePropertyName(name);
            value.WriteTo(writer);
            writer.WriteEndObject();
        }

        using var doc = JsonDocument.Parse(buffer.ToArray());
        return doc.RootElement.Clone();
    }

    private static JsonElement WithHig(PipelineSpec spec, JsonElement json)
    {
        if (spec.Hig is null)
        {
            return json;
        }

        var hig = JsonSerializer.SerializeToElement(HigSection.ToJson(spec.Hig), Options);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            foreach (var p in json.EnumerateObject())
            {
                p.WriteTo(writer);
                if (p.NameEquals("adam"))
                {
                    writer.WritePropertyName("hig");
                    hig.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        using var doc = JsonDocument.Parse(buffer.ToArray());
        return doc.RootElement.Clone();
    }

    private static JsonElement Base(PipelineSpec spec) => JsonSerializer.SerializeToElement(
        new
        {
            spec.Name,
            spec.Description,
            System = SystemSection.ToJson(spec.System),
            Domain = DomainSection.ToJson(spec.Domain),
            spec.Dof,
            Data = DataSection.ToJson(spec.Data),
            Anchor = AnchorSection.ToJson(spec.Anchor),
            Model = ModelSection.ToJson(spec.Model, spec.Adam is not null, spec.Hig is not null),
            Adam = AdamSection.ToJson(spec.Adam),
            Rollout = RolloutSection.ToJson(spec.Rollout),
            Stream = ModelSection.StreamToJson(spec.Data, spec.Model),
            Solver = SolverSection.ToJson(spec.Solver),
            Run = RunSection.ToJson(spec.Run),
        },
        Options);
}
