using System.Buffers.Binary;
using Hnn.Pipeline.Report;
using Xunit;

namespace Hnn.Tests.Report;

public sealed class PngCheckTests
{
    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        // The CRC-32 (ISO 3309) check value of the ASCII string "123456789" is 0xCBF43926 (PNG spec, Annex D; zlib).
        Assert.Equal(0xCBF43926u, PngCheck.Crc32("123456789"u8));
        Assert.Equal(0u, PngCheck.Crc32([]));
    }

    [Fact]
    public void Accepts_a_valid_png_and_reads_its_header()
    {
        var info = PngCheck.Validate(TestPng.Valid(5, 3), "valid.png");
        Assert.Equal(new PngInfo(5, 3, 8, 2, false), info);
        Assert.Equal((5, 3), TestPng.DecodedSize(TestPng.Valid(5, 3))); // an independent decoder agrees
    }

    [Fact]
    public void Accepts_a_valid_interlaced_png()
    {
        var raw = new List<byte>();

        // Adam7 passes of a 5x3 RGB image (start x,y): pass 1 (0,0) 1x1; pass 2 (4,0) 1x1; pass 3 (0,4) none; pass 4 (2,0) 1x1; pass 5 (0,2) 3x1;
        // pass 6 (1,0) 2x2; pass 7 (0,1) 5x1.
        foreach (var (w, h) in new[] { (1, 1), (1, 1), (1, 1), (3, 1), (2, 2), (5, 1) })
        {
            for (int y = 0; y < h; y++)
            {
                raw.Add(0);
                raw.AddRange(new byte[3 * w]);
            }
        }

        byte[] png = TestPng.Concat(
            TestPng.Signature, TestPng.Ihdr(5, 3, interlace: 1), TestPng.Chunk("IDAT", TestPng.Zlib(raw.ToArray())), TestPng.Chunk("IEND", []));
        Assert.True(PngCheck.Validate(png, "interlaced.png").Interlaced);
        Assert.Equal((5, 3), TestPng.DecodedSize(png));
    }

    [Fact]
    public void Accepts_a_png_written_by_the_plots_and_names_the_file_on_disk()
    {
        using var dir = new ReportDir();
        var plot = Plots.Lines(dir.File("a.png"), "t", "x", "y", [new Series("s", [0, 1], [0, 1])], size: new PlotSize(320, 200));
        Assert.Equal((320, 200), (PngCheck.Validate(plot.Path).Width, PngCheck.Validate(plot.Path).Height));
        Assert.True(PngCheck.TryValidate(plot.Path, out var info, out var error));
        Assert.Null(error);
        Assert.Equal(320, info!.Width);

        var missing = dir.File("missing.png");
        var e = Assert.Throws<InvalidDataException>(() => PngCheck.Validate(missing));
        Assert.Contains(missing, e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(20)]
    [InlineData(40)]
    [InlineData(-12)] // IEND cut off
    [InlineData(-1)]
    public void Rejects_a_truncated_file_naming_it(int cut)
    {
        byte[] png = TestPng.Valid();
        int keep = cut >= 0 ? cut : png.Length + cut;
        using var dir = new ReportDir();
        string path = dir.File("truncated.png");
        File.WriteAllBytes(path, png[..keep]);

        var e = Assert.Throws<InvalidDataException>(() => PngCheck.Validate(path));
        Assert.Contains(path, e.Message);
        Assert.False(PngCheck.TryValidate(path, out _, out var error));
        Assert.Equal(e.Message, error);
    }

    [Fact]
    public void Rejects_a_corrupted_byte_by_its_crc()
    {
        byte[] png = TestPng.Valid();
        int idatData = 8 + 25 + 8; // signature, IHDR chunk, first IDAT's length and type
        png[idatData + 2] ^= 0x10;
        var e = Assert.Throws<InvalidDataException>(() => PngCheck.Validate(png, "flipped.png"));
        Assert.Contains("flipped.png", e.Message);
        Assert.Contains("CRC", e.Message);
        Assert.Contains("'IDAT'", e.Message);
    }

    [Fact]
    public void Rejects_a_wrong_stored_crc()
    {
        byte[] png = TestPng.Valid();
        png[8 + 8 + 13] ^= 0xFF; // first byte of IHDR's CRC
        var e = Assert.Throws<InvalidDataException>(() => PngCheck.Validate(png, "crc.png"));
        Assert.Contains("CRC", e.Message);
        Assert.Contains("'IHDR'", e.Message);
    }

    public static TheoryData<string, byte[], string> Malformed()
    {
        byte[] sig = TestPng.Signature;
        byte[] idat = TestPng.Chunk("IDAT", TestPng.Zlib(TestPng.RgbScanlines(5, 3)));
        byte[] iend = TestPng.Chunk("IEND", []);
        byte[] ihdr = TestPng.Ihdr(5, 3);
        return new TheoryData<string, byte[], string>
        {
            { "signature", TestPng.Concat([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x00], ihdr, idat, iend), "signature" },
            { "IHDR not first", TestPng.Concat(sig, TestPng.Chunk("tEXt", "a\0b"u8.ToArray()), ihdr, idat, iend), "not IHDR" },
            { "zero width", TestPng.Concat(sig, TestPng.Ihdr(0, 3), idat, iend), "image size 0x3" },
            { "zero height", TestPng.Concat(sig, TestPng.Ihdr(5, 0), idat, iend), "image size 5x0" },
            { "bad depth", TestPng.Concat(sig, TestPng.Ihdr(5, 3, bitDepth: 4), idat, iend), "bit depth 4" },
            { "bad colour", TestPng.Concat(sig, TestPng.Ihdr(5, 3, colorType: 5), idat, iend), "colour type 5" },
            { "no IDAT", TestPng.Concat(sig, ihdr, iend), "no IDAT" },
            { "no IEND", TestPng.Concat(sig, ihdr, idat), "without an IEND" },
            { "after IEND", TestPng.Concat(sig, ihdr, idat, iend, [0]), "after IEND" },
            { "IEND data", TestPng.Concat(sig, ihdr, idat, TestPng.Chunk("IEND", [1])), "IEND has 1" },
            { "split IDAT", TestPng.Concat(sig, ihdr, idat, TestPng.Chunk("tEXt", "a\0b"u8.ToArray()), idat, iend), "not consecutive" },
            { "palette", TestPng.Concat(sig, TestPng.Ihdr(5, 3, colorType: 3), idat, iend), "PLTE" },
            { "critical", TestPng.Concat(sig, ihdr, TestPng.Chunk("ABCD", []), idat, iend), "unknown critical chunk 'ABCD'" },
            { "short data", TestPng.Concat(sig, ihdr, TestPng.Chunk("IDAT", TestPng.Zlib(TestPng.RgbScanlines(5, 2))), iend), "inflates to 32 bytes" },
            { "long data", TestPng.Concat(sig, ihdr, TestPng.Chunk("IDAT", TestPng.Zlib(TestPng.RgbScanlines(5, 4))), iend), "more than the 48" },
            { "filter", TestPng.Concat(sig, ihdr, TestPng.Chunk("IDAT", TestPng.Zlib(TestPng.RgbScanlines(5, 3, filter: 5))), iend), "filter type 5" },
            { "not zlib", TestPng.Concat(sig, ihdr, TestPng.Chunk("IDAT", [1, 2, 3, 4, 5, 6]), iend), "zlib" },
            { "huge length", TestPng.Concat(sig, ihdr, HugeLength()), "declares length" },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Rejects_malformed_files_with_a_named_problem(string name, byte[] png, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => PngCheck.Validate(png, name + ".png"));
        Assert.StartsWith(name + ".png: not a valid PNG: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    private static byte[] HugeLength()
    {
        var chunk = TestPng.Chunk("IDAT", [0]);
        BinaryPrimitives.WriteUInt32BigEndian(chunk, 0x80000000u);
        return chunk;
    }
}
