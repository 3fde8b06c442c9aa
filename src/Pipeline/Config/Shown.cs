using System.Text;

namespace Hnn.Pipeline.Config;

/// <summary>
/// How user text (a value, a key, a data cell) is quoted in a message: at most <see cref="MaxChars"/> characters,
/// control and other unprintable characters as '?', so a message stays one short line and never carries more of a
/// file than the offending cell.
/// </summary>
public static class Shown
{
    /// <summary>Longest quoted value in a message.</summary>
    public const int MaxChars = 40;

    public static string Cut(string? text, int max = MaxChars)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var sb = new StringBuilder(Math.Min(text.Length, max) + 3);
        foreach (var c in text)
        {
            if (sb.Length == max)
            {
                return sb.Append("...").ToString();
            }

            sb.Append(char.IsControl(c) || char.IsSurrogate(c) || c is '\uFFFD' or '\u2028' or '\u2029' ? '?' : c);
        }

        return sb.ToString();
    }
}
