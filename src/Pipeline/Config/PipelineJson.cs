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

    public static JsonElement ToJson(PipelineSpec spec) => JsonSerializer.SerializeToElement(
        new
        {
            spec.Name,
            spec.Description,
            System = SystemSection.ToJson(spec.System),
            Domain = DomainSection.ToJson(spec.Domain),
            spec.Dof,
            Data = DataSection.ToJson(spec.Data),
            Anchor = AnchorSection.ToJson(spec.Anchor),
            Model = ModelSection.ToJson(spec.Model, spec.Adam is not null),
            Adam = AdamSection.ToJson(spec.Adam),
            Rollout = RolloutSection.ToJson(spec.Rollout),
            Stream = ModelSection.StreamToJson(spec.Data, spec.Model),
            Solver = SolverSection.ToJson(spec.Solver),
            Run = RunSection.ToJson(spec.Run),
        },
        Options);
}
