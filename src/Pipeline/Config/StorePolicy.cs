namespace Hnn.Pipeline.Config;

/// <summary>
/// Where an artifact store may live. Refused: the root directory, anything inside a system directory (checked on the
/// path as given and on its resolved target, so a symlink to /etc is refused too), a path that is a file, and a store whose runs/ or
/// artifacts/ folders (or a stage folder) are symlinks out of the store (clean would delete files out there).
/// </summary>
public static class StorePolicy
{
    /// <summary>System directories a store may not be in (or be).</summary>
    public static IReadOnlyList<string> SystemDirectories { get; } =
        ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run", "/sbin", "/sys", "/usr"];

    /// <summary>Null if <paramref name="store"/> is an acceptable store, else why not (one line, naming the path).</summary>
    public static string? Problem(string store)
    {
        if (string.IsNullOrWhiteSpace(store))
        {
            return "an empty path is not allowed: give a directory, e.g. .hnn";
        }

        if (store.Any(char.IsControl))
        {
            return $"'{Shown.Cut(store)}' is not allowed: the path has a control character";
        }

        string full;
        try
        {
            full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(store));
        }
        catch (Exception e) when (e is ArgumentException or PathTooLongException or NotSupportedException)
        {
            return $"'{Shown.Cut(store)}' is not a usable path";
        }

        var resolved = Resolve(full);
        foreach (var path in new[] { full, resolved }.Distinct(StringComparer.Ordinal))
        {
            if (path == "/" || path.Length == 0)
            {
                return $"'{Shown.Cut(store)}'{Via(full, path)} is not allowed: a store may not be the root directory";
            }

            var system = SystemDirectories.FirstOrDefault(s => path == s || path.StartsWith(s + "/", StringComparison.Ordinal));
            if (system is not null)
            {
                return $"'{Shown.Cut(store)}'{Via(full, path)} is not allowed: a store may not be in the system directory {system} (allowed: anywhere outside {string.Join(", ", SystemDirectories)})";
            }
        }

        if (Path.Exists(resolved) && !Directory.Exists(resolved))
        {
            return $"'{Shown.Cut(store)}' is not allowed: it is a file, not a folder (a store is a folder; it is created if missing)";
        }

        // A missing store is created with its parents: the nearest existing ancestor must be a folder.
        for (var up = Path.GetDirectoryName(resolved); !string.IsNullOrEmpty(up); up = Path.GetDirectoryName(up))
        {
            if (Directory.Exists(up))
            {
                break;
            }

            if (Path.Exists(up))
            {
                return $"'{Shown.Cut(store)}' is not allowed: {Shown.Cut(up, 120)} is a file, so no store folder can be made under it";
            }
        }

        // Folders the tool writes into and clean deletes from must stay inside the store.
        var inside = new List<string> { Path.Combine(resolved, "runs"), Path.Combine(resolved, "artifacts") };
        var artifacts = Path.Combine(resolved, "artifacts");
        if (Directory.Exists(artifacts) && new DirectoryInfo(artifacts).LinkTarget is null)
        {
            inside.AddRange(Directory.EnumerateDirectories(artifacts).Take(1000));
        }

        foreach (var folder in inside)
        {
            var target = Resolve(folder);
            if (target != folder && !target.StartsWith(resolved + "/", StringComparison.Ordinal))
            {
                return $"'{Shown.Cut(store)}' is not allowed: {folder} is a symlink out of the store (to {target}); a store's folders must be inside it";
            }
        }

        return null;
    }

    private static string Via(string full, string path) => path == full ? string.Empty : $" (a symlink to {path})";

    /// <summary>The path with every symlink along it resolved (like realpath; missing parts are kept as they are).</summary>
    private static string Resolve(string full)
    {
        var result = "/";
        foreach (var part in full.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(result, part);
            try
            {
                var info = new DirectoryInfo(next);
                var target = info.LinkTarget is null ? null : info.ResolveLinkTarget(returnFinalTarget: true);
                result = target is null ? next : Path.TrimEndingDirectorySeparator(Path.GetFullPath(target.FullName));
            }
            catch (IOException)
            {
                result = next;
            }
        }

        return result;
    }
}
