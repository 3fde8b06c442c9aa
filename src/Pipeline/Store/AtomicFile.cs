namespace Hnn.Pipeline.Store;

/// <summary>Writes a file through a temp file in the same folder and a rename; no temp file is left on failure.</summary>
internal static class AtomicFile
{
    /// <summary>Writes through a stream.</summary>
    public static void Write(string path, Action<Stream> write) => WriteTo(path, tmp =>
    {
        using var stream = File.Create(tmp);
        write(stream);
        stream.Flush(flushToDisk: true);
    });

    /// <summary>Writes text (UTF-8).</summary>
    public static void WriteText(string path, string text) => WriteTo(path, tmp => File.WriteAllText(tmp, text));

    /// <summary>Writes by path (for writers that open the file themselves).</summary>
    public static void WriteTo(string path, Action<string> write)
    {
        var full = Path.GetFullPath(path);
        var tmp = $"{full}.tmp-{Guid.NewGuid():N}";
        try
        {
            write(tmp);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp))
            {
                File.Delete(tmp);
            }
        }
    }
}
