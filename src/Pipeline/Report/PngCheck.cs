using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Hnn.Pipeline.Report;

/// <summary>What <see cref="PngCheck"/> read from a valid PNG.</summary>
public sealed record PngInfo(int Width, int Height, int BitDepth, int ColorType, bool Interlaced);

/// <summary>
/// Checks that bytes are a complete, uncorrupted PNG (ISO/IEC 15948): the signature; IHDR first, 13 bytes, with
/// width and height above 0 and a valid bit depth / colour type pair; every chunk's CRC-32; PLTE before IDAT
/// for palette images; consecutive IDAT chunks whose zlib stream inflates to exactly the scanline bytes the
/// header implies, each scanline starting with a filter type 0..4; IEND last with nothing after it. Errors
/// throw <see cref="InvalidDataException"/> naming the file (or source) and the problem.
/// </summary>
public static class PngCheck
{
    /// <summary>Largest decoded image accepted (bytes of filtered scanlines), so a hostile header cannot exhaust time.</summary>
    public const long MaxRawBytes = 1L << 30;

    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly uint[] CrcTable = MakeCrcTable();

    /// <summary>Validates the PNG file at <paramref name="path"/>.</summary>
    public static PngInfo Validate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: no such file");
        }

        return Validate(File.ReadAllBytes(path), path);
    }

    /// <summary>Validates PNG bytes; <paramref name="source"/> names them in error messages.</summary>
    public static PngInfo Validate(ReadOnlySpan<byte> data, string source)
    {
        if (data.Length < Signature.Length || !data[..Signature.Length].SequenceEqual(Signature))
        {
            throw Error(source, data.Length < Signature.Length ? $"only {data.Length} bytes" : "wrong signature (first 8 bytes)");
        }

        PngInfo? header = null;
        bool sawPalette = false;
        bool idatDone = false;
        var idat = new MemoryStream();
        int pos = Signature.Length;
        int index = 0;
        while (true)
        {
            if (data.Length - pos < 12)
            {
                throw Error(source, pos == data.Length
                    ? "file ends without an IEND chunk (truncated?)"
                    : $"truncated chunk header at byte {pos} ({data.Length - pos} bytes left)");
            }

            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var typeBytes = data.Slice(pos + 4, 4);
            string type = Encoding.ASCII.GetString(typeBytes);
            if (length > int.MaxValue)
            {
                throw Error(source, $"chunk {index} ('{Printable(type)}') at byte {pos} declares length {length} (over 2^31-1)");
            }

            if ((long)pos + 12 + length > data.Length)
            {
                throw Error(source, $"chunk {index} ('{Printable(type)}') at byte {pos} declares {length} data bytes but the file ends after {data.Length - pos - 8}");
            }

            foreach (byte b in typeBytes)
            {
                if (!((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')))
                {
                    throw Error(source, $"chunk {index} at byte {pos} has an invalid type '{Printable(type)}'");
                }
            }

            var body = data.Slice(pos + 8, (int)length);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8 + (int)length)..]);
            uint computed = Crc32(data.Slice(pos + 4, 4 + (int)length));
            if (stored != computed)
            {
                throw Error(source, $"chunk {index} ('{type}') at byte {pos} has CRC 0x{stored:X8} but its bytes give 0x{computed:X8}");
            }

            if (index == 0 && type != "IHDR")
            {
                throw Error(source, $"first chunk is '{type}', not IHDR");
            }

            switch (type)
            {
                case "IHDR":
                    if (index != 0)
                    {
                        throw Error(source, $"second IHDR chunk (chunk {index})");
                    }

                    header = ReadHeader(body, source);
                    break;
                case "PLTE":
                    sawPalette = true;
                    break;
                case "IDAT":
                    if (idatDone)
                    {
                        throw Error(source, $"IDAT chunks are not consecutive (chunk {index})");
                    }

                    if (header!.ColorType == 3 && !sawPalette)
                    {
                        throw Error(source, "palette image without a PLTE chunk before IDAT");
                    }

                    idat.Write(body);
                    break;
                case "IEND":
                    if (length != 0)
                    {
                        throw Error(source, $"IEND has {length} data bytes (must be 0)");
                    }

                    int end = pos + 12;
                    if (end != data.Length)
                    {
                        throw Error(source, $"{data.Length - end} bytes after IEND");
                    }

                    if (idat.Length == 0)
                    {
                        throw Error(source, "no IDAT chunk (no image data)");
                    }

                    CheckImageData(idat, header!, source);
                    return header!;
                default:
                    if ((typeBytes[0] & 0x20) == 0)
                    {
                        throw Error(source, $"unknown critical chunk '{type}' (chunk {index})");
                    }

                    break;
            }

            if (type != "IDAT" && idat.Length > 0)
            {
                idatDone = true;
            }

            pos += 12 + (int)length;
            index++;
        }
    }

    /// <summary>Like <see cref="Validate(string)"/> but returns the error message instead of throwing.</summary>
    public static bool TryValidate(string path, out PngInfo? info, out string? error)
    {
        try
        {
            info = Validate(path);
            error = null;
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            info = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>CRC-32 as PNG uses it (ISO 3309 / ITU-T V.42, polynomial 0xEDB88320 reflected).</summary>
    public static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in bytes)
        {
            c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        }

        return c ^ 0xFFFFFFFFu;
    }

    private static PngInfo ReadHeader(ReadOnlySpan<byte> body, string source)
    {
        if (body.Length != 13)
        {
            throw Error(source, $"IHDR has {body.Length} data bytes (must be 13)");
        }

        uint width = BinaryPrimitives.ReadUInt32BigEndian(body);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        int bitDepth = body[8];
        int colorType = body[9];
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
        {
            throw Error(source, $"image size {width}x{height} (each must be 1..2^31-1)");
        }

        int[] allowed = colorType switch
        {
            0 => [1, 2, 4, 8, 16],
            2 or 4 or 6 => [8, 16],
            3 => [1, 2, 4, 8],
            _ => [],
        };
        if (allowed.Length == 0)
        {
            throw Error(source, $"colour type {colorType} (allowed: 0, 2, 3, 4, 6)");
        }

        if (!allowed.Contains(bitDepth))
        {
            throw Error(source, $"bit depth {bitDepth} with colour type {colorType} (allowed: {string.Join(", ", allowed)})");
        }

        if (body[10] != 0 || body[11] != 0 || body[12] > 1)
        {
            throw Error(source, $"compression {body[10]}, filter {body[11]}, interlace {body[12]} (must be 0, 0, 0 or 1)");
        }

        return new PngInfo((int)width, (int)height, bitDepth, colorType, body[12] == 1);
    }

    /// <summary>Inflates the IDAT stream and checks it holds exactly the scanlines the header implies.</summary>
    private static void CheckImageData(MemoryStream idat, PngInfo header, string source)
    {
        int channels = header.ColorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        long bitsPerPixel = (long)channels * header.BitDepth;
        var lines = new List<(long Count, long Bytes)>(); // (scanlines, bytes each including the filter byte)
        if (!header.Interlaced)
        {
            lines.Add((header.Height, 1 + ((header.Width * bitsPerPixel) + 7) / 8));
        }
        else
        {
            // Adam7 passes: (x start, x step, y start, y step).
            (int X0, int DX, int Y0, int DY)[] passes = [(0, 8, 0, 8), (4, 8, 0, 8), (0, 4, 4, 8), (2, 4, 0, 4), (0, 2, 2, 4), (1, 2, 0, 2), (0, 1, 1, 2)];
            foreach (var (x0, dx, y0, dy) in passes)
            {
                long w = header.Width > x0 ? ((long)header.Width - x0 + dx - 1) / dx : 0;
                long h = header.Height > y0 ? ((long)header.Height - y0 + dy - 1) / dy : 0;
                if (w > 0 && h > 0)
                {
                    lines.Add((h, 1 + ((w * bitsPerPixel) + 7) / 8));
                }
            }
        }

        long expected = lines.Sum(l => l.Count * l.Bytes);
        if (expected > MaxRawBytes)
        {
            throw Error(source, $"{header.Width}x{header.Height} image needs {expected} decoded bytes, over the checker's limit of {MaxRawBytes}");
        }

        idat.Position = 0;
        using var inflater = new ZLibStream(idat, CompressionMode.Decompress);
        var buffer = new byte[1 << 16];
        long total = 0;
        int lineIndex = 0;
        long lineLeft = lines[0].Count;
        long nextFilterAt = 0; // offset of the next scanline's filter byte
        int n;
        while ((n = Inflate(inflater, buffer, source)) > 0)
        {
            while (nextFilterAt < total + n && nextFilterAt < expected)
            {
                byte filter = buffer[nextFilterAt - total];
                if (filter > 4)
                {
                    throw Error(source, $"scanline filter type {filter} at decoded byte {nextFilterAt} (allowed 0..4)");
                }

                nextFilterAt += lines[lineIndex].Bytes;
                if (--lineLeft == 0 && lineIndex + 1 < lines.Count)
                {
                    lineIndex++;
                    lineLeft = lines[lineIndex].Count;
                }
            }

            total += n;
            if (total > expected)
            {
                throw Error(source, $"image data inflates to more than the {expected} bytes a {header.Width}x{header.Height} image needs");
            }
        }

        if (total != expected)
        {
            throw Error(source, $"image data inflates to {total} bytes but a {header.Width}x{header.Height} image needs {expected}");
        }
    }

    private static int Inflate(ZLibStream inflater, byte[] buffer, string source)
    {
        try
        {
            return inflater.Read(buffer, 0, buffer.Length);
        }
        catch (InvalidDataException e)
        {
            throw Error(source, $"image data is not a valid zlib stream ({e.Message})");
        }
    }

    private static InvalidDataException Error(string source, string problem) =>
        new($"{source}: not a valid PNG: {problem}");

    private static string Printable(string type) =>
        new(type.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
