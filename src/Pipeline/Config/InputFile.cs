using System.Runtime.InteropServices;
using System.Text;

namespace Hnn.Pipeline.Config;

/// <summary>
/// Opens user-named input files (pipeline files, includes, data files) only if they are regular files of bounded size:
/// a device (/dev/zero), FIFO, socket or directory is refused before it is opened (opening a FIFO would block), and
/// reads stop at the cap even when the size the file system reports is wrong (/proc files report 0). Symlinks are
/// followed; messages then name the link and its resolved target.
/// </summary>
public static class InputFile
{
    /// <summary>Largest pipeline or include file: 1 MiB (the largest pipeline in the repository is under 4 KB).</summary>
    public const long MaxConfigBytes = 1L << 20;

    /// <summary>Largest data file (CSV or Parquet): 16 GiB.</summary>
    public const long MaxDataBytes = 16L << 30;

    /// <summary>
    /// Checks that <paramref name="path"/> names an existing regular file of at most <paramref name="maxBytes"/> bytes
    /// and returns its resolved full path (the symlink target, if it is a link). <paramref name="what"/> names it in
    /// messages (e.g. "data file"); every message starts with <paramref name="path"/> and is one line.
    /// </summary>
    public static string CheckRegular(string path, string what, long maxBytes)
    {
        var full = Path.GetFullPath(path);
        var resolved = Resolve(full);
        var shown = resolved == full ? path : $"{path} (a symlink to {resolved})";
        var kind = KindOf(resolved);
        switch (kind)
        {
            case FileKind.Missing:
                throw new InputException($"{shown}: {what} not found");
            case FileKind.Regular:
                break;
            default:
                throw new InputException($"{shown}: is {Describe(kind)}, not a regular file ({what}s must be regular files)");
        }

        var length = new FileInfo(resolved).Length;
        if (length > maxBytes)
        {
            throw new InputException($"{shown}: {what} is {length} bytes; at most {maxBytes} bytes ({Bytes(maxBytes)}) are allowed");
        }

        return resolved;
    }

    /// <summary>How a path appears in messages: itself, or "path (a symlink to target)".</summary>
    public static string Shown(string path)
    {
        var full = Path.GetFullPath(path);
        var resolved = Resolve(full);
        return resolved == full ? path : $"{path} (a symlink to {resolved})";
    }

    /// <summary>
    /// Reads a pipeline or include file as strict UTF-8 text: a regular file of at most <see cref="MaxConfigBytes"/>,
    /// with no NUL or other control bytes (tab, CR and LF aside) and no invalid UTF-8.
    /// </summary>
    public static string ReadConfigText(string path)
    {
        var resolved = CheckRegular(path, "pipeline file", MaxConfigBytes);
        byte[] bytes;
        using (var stream = new FileStream(resolved, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
        {
            bytes = ReadAtMost(stream, MaxConfigBytes + 1);
        }

        if (bytes.Length > MaxConfigBytes)
        {
            throw new InputException($"{Shown(path)}: pipeline file is larger than {MaxConfigBytes} bytes ({Bytes(MaxConfigBytes)}), the most allowed");
        }

        var start = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException e)
        {
            var at = start + Math.Max(0, e.Index);
            throw new InputException($"{Shown(path)}:{LineOf(bytes, at)}: byte {at} is not UTF-8 text; a pipeline file must be UTF-8 text (is it a binary file?)");
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
            {
                var line = 1 + text.AsSpan(0, i).Count('\n');
                throw new InputException($"{Shown(path)}:{line}: control character U+{(int)c:X4}; a pipeline file must be text (is it a binary file?)");
            }
        }

        return text;
    }

    /// <summary>"1 MiB", "16 GiB", else bytes.</summary>
    public static string Bytes(long n) => n switch
    {
        _ when n >= 1L << 30 && n % (1L << 30) == 0 => $"{n >> 30} GiB",
        _ when n >= 1L << 20 && n % (1L << 20) == 0 => $"{n >> 20} MiB",
        _ => $"{n} bytes",
    };

    private static byte[] ReadAtMost(Stream stream, long max)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        while (buffer.Length < max)
        {
            var n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, max - buffer.Length));
            if (n == 0)
            {
                break;
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    private static int LineOf(byte[] bytes, int index) => 1 + bytes.AsSpan(0, Math.Min(index, bytes.Length)).Count((byte)'\n');

    /// <summary>The final target of a symlink chain (the path itself if it is no link, or if the chain is broken).</summary>
    private static string Resolve(string full)
    {
        try
        {
            var target = new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true);
            return target is null ? full : Path.GetFullPath(target.FullName);
        }
        catch (IOException)
        {
            // A link cycle (ELOOP) or the like: KindOf reports it as missing.
            return full;
        }
    }

    internal enum FileKind
    {
        Missing,
        Regular,
        Directory,
        CharacterDevice,
        BlockDevice,
        Fifo,
        Socket,
        Other,
    }

    private static string Describe(FileKind kind) => kind switch
    {
        FileKind.Directory => "a directory",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        _ => "a special file",
    };

    /// <summary>The file type, following symlinks (statx on Linux; elsewhere only file / directory is told apart).</summary>
    internal static FileKind KindOf(string path)
    {
        if (Directory.Exists(path))
        {
            return FileKind.Directory;
        }

        if (!File.Exists(path))
        {
            return FileKind.Missing;
        }

        return StatMode(path) switch
        {
            null => FileKind.Regular,
            var m => (m.Value & 0xF000) switch
            {
                0x8000 => FileKind.Regular,
                0x4000 => FileKind.Directory,
                0x2000 => FileKind.CharacterDevice,
                0x6000 => FileKind.BlockDevice,
                0x1000 => FileKind.Fifo,
                0xC000 => FileKind.Socket,
                _ => FileKind.Other,
            },
        };
    }

    /// <summary>st_mode of the file (symlinks followed), or null where statx is unavailable.</summary>
    private static int? StatMode(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        // struct statx is the same on every Linux architecture: stx_mode is a u16 at byte 28 of a 256-byte struct.
        var buffer = new byte[256];
        try
        {
            return Native.Statx(AtFdCwd, path, 0, StatxType, buffer) == 0 ? BitConverter.ToUInt16(buffer, 28) : null;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
    }

    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;

    private static class Native
    {
        [DllImport("libc", EntryPoint = "statx", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        public static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
    }
}
