using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Hnn.Pipeline.Report;
using SkiaSharp;

namespace Hnn.Tests.Report;

/// <summary>A fresh directory under the system temp dir for one report test, removed on dispose.</summary>
internal sealed class ReportDir : IDisposable
{
    public ReportDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hnn-report-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

/// <summary>Hand-built PNG files (chunk by chunk) for the checker's tests, and a pixel reader for rendered ones.</summary>
internal static class TestPng
{
    public static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>One chunk: length, type, data, CRC (correct unless <paramref name="crc"/> is given).</summary>
    public static byte[] Chunk(string type, byte[] data, uint? crc = null)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), crc ?? PngCheck.Crc32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    public static byte[] Ihdr(int width, int height, byte bitDepth = 8, byte colorType = 2, byte interlace = 0)
    {
        var d = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(d, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(4), (uint)height);
        d[8] = bitDepth;
        d[9] = colorType;
        d[12] = interlace;
        return Chunk("IHDR", d);
    }

    public static byte[] Zlib(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(raw);
        }

        return ms.ToArray();
    }

    /// <summary>Filtered scanlines of an 8-bit RGB image, filter type <paramref name="filter"/> on each line.</summary>
    public static byte[] RgbScanlines(int width, int height, byte filter = 0)
    {
        var raw = new byte[height * (1 + (3 * width))];
        for (int y = 0; y < height; y++)
        {
            int row = y * (1 + (3 * width));
            raw[row] = filter;
            for (int i = 1; i <= 3 * width; i++)
            {
                raw[row + i] = (byte)((y * 31) + (i * 7));
            }
        }

        return raw;
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>A valid 8-bit RGB PNG, the image data split over two IDAT chunks and a tEXt chunk before IEND.</summary>
    public static byte[] Valid(int width = 5, int height = 3)
    {
        byte[] z = Zlib(RgbScanlines(width, height));
        int half = z.Length / 2;
        return Concat(
            Signature,
            Ihdr(width, height),
            Chunk("IDAT", z[..half]),
            Chunk("IDAT", z[half..]),
            Chunk("tEXt", Encoding.ASCII.GetBytes("Comment\0test")),
            Chunk("IEND", []));
    }

    /// <summary>Width and height as SkiaSharp decodes them (an independent check of hand-built files).</summary>
    public static (int Width, int Height) DecodedSize(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new InvalidDataException("SkiaSharp cannot decode the PNG");
        return (bitmap.Width, bitmap.Height);
    }

    /// <summary>Relative luminance 0..1 of the pixel at (x, y) of a PNG file.</summary>
    public static double Luminance(string path, int x, int y)
    {
        using var bitmap = SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path}: SkiaSharp cannot decode it");
        var c = bitmap.GetPixel(x, y);
        return ((0.2126 * c.Red) + (0.7152 * c.Green) + (0.0722 * c.Blue)) / 255.0;
    }

    /// <summary>How many pixels of the PNG's rows <paramref name="y0"/>..<paramref name="y1"/> are not near-white.</summary>
    public static int InkPixels(string path, int y0, int y1)
    {
        using var bitmap = SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path}: SkiaSharp cannot decode it");
        int ink = 0;
        for (int y = y0; y < y1; y++)
        {
            for (int x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red + c.Green + c.Blue < 600)
                {
                    ink++;
                }
            }
        }

        return ink;
    }
}
