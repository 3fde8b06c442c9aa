using Hnn.Datasets;

namespace Hnn.Pipeline.Config;

/// <summary>
/// <c>system:</c> — a Hamiltonian from <see cref="SystemRegistry"/> by name, with optional parameters (each system's
/// defaults are its own). Required unless the data come from a file. The system is built here, once per load, and
/// travels in the spec (<see cref="SystemSpec.Build"/>).
/// </summary>
internal static class SystemSection
{
    public static readonly string[] Keys = ["name", "params"];

    public static HamiltonianSystem? Read(SpecReader r, MapNode root, bool required)
    {
        var map = r.Map(root, "system", "system", required);
        r.CheckKeys(map, "system", Keys);
        var name = r.String(map, "name", "system.name", null);
        if (map is not null && name is null && map["name"] is null)
        {
            r.Problem("system.name", "is required; one of " + string.Join(", ", SystemRegistry.Names));
        }

        var parameters = new Dictionary<string, double>();
        var paramMap = r.Map(map, "params", "system.params", required: false);
        foreach (var (k, v) in paramMap?.Entries ?? [])
        {
            var d = r.Double(v, $"system.params.{k}");
            if (d is not null)
            {
                parameters[k] = d.Value;
            }
        }

        if (name is null)
        {
            return null;
        }

        if (paramMap is not null && SystemRegistry.Names.Contains(name))
        {
            // Unknown parameters as unknown keys (their line, the nearest name), before the registry sees them.
            var allowed = SystemRegistry.ParameterNames(name);
            var before = r.Problems.Count;
            if (allowed.Count == 0)
            {
                foreach (var (k, _) in paramMap.Entries)
                {
                    r.Problem($"system.params.{k}", $"unknown key; system '{name}' takes no parameters (remove system.params)");
                }
            }
            else
            {
                r.CheckKeys(paramMap, "system.params", allowed);
            }

            if (r.Problems.Count > before)
            {
                return null;
            }
        }

        try
        {
            return SystemRegistry.Create(name, parameters);
        }
        catch (ArgumentException e)
        {
            if (e.ParamName is { } p && parameters.TryGetValue(p, out var value))
            {
                // The registry's range check of one parameter: "Parameter 'f' of system 'x' is -1; allowed: finite and > 0."
                var text = SpecReader.FirstLine(e.Message);
                var semi = text.IndexOf("; ", StringComparison.Ordinal);
                var allowedText = semi < 0 ? text : text[(semi + 2)..].TrimEnd('.');
                r.Problem($"system.params.{p}", $"{SpecReader.Format(value)} is not allowed for system '{name}'; {allowedText}");
            }
            else
            {
                r.Problem(paramMap is not null && SystemRegistry.Names.Contains(name) ? "system.params" : "system.name", SpecReader.FirstLine(e.Message));
            }

            return null;
        }
    }

    public static object? ToJson(SystemSpec? s) => s is null ? null : new { s.Name, Params = s.Parameters };
}
