namespace Hnn.Pipeline.Models;

/// <summary>The model file formats of <c>hnn export</c> and <see cref="HamiltonianModel.Save(string)"/>.</summary>
public static class ModelFormats
{
    public const string Json = "json";
    public const string Parquet = "parquet";
    public const string Onnx = "onnx";

    /// <summary>For messages: the formats allowed.</summary>
    public const string Allowed = "json, parquet, onnx";

    /// <summary>The format a file extension names (case-insensitive), or null.</summary>
    public static string? FromPath(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".json" => Json,
        ".parquet" => Parquet,
        ".onnx" => Onnx,
        _ => null,
    };
}
