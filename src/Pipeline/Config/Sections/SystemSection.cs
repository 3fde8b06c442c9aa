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

        try
        {
            return SystemRegistry.Create(name, parameters);
        }
        catch (ArgumentException e)
        {
            r.Problem(paramMap is not null && SystemRegistry.Names.Contains(name) ? "system.params" : "system.name", SpecReader.FirstLine(e.Message));
            return null;
        }
    }

    public static object? ToJson(SystemSpec? s) => s is null ? null : new { s.Name, Params = s.Parameters };
}
