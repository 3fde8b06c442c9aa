using System.Globalization;

namespace Hnn.Datasets;

/// <summary>Shared argument checks producing messages that name the parameter, the value and the allowed range.</summary>
internal static class Guard
{
    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    internal static double Finite(double value, string system, string parameter)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException(
                $"Parameter '{parameter}' of system '{system}' is {Format(value)}; allowed: any finite real number.",
                parameter);
        }

        return value;
    }

    internal static double Positive(double value, string system, string parameter)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new ArgumentException(
                $"Parameter '{parameter}' of system '{system}' is {Format(value)}; allowed: finite and > 0.",
                parameter);
        }

        return value;
    }

    internal static double NonNegative(double value, string system, string parameter)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentException(
                $"Parameter '{parameter}' of system '{system}' is {Format(value)}; allowed: finite and >= 0.",
                parameter);
        }

        return value;
    }

    internal static int IntegerInRange(int value, int min, int max, string system, string parameter)
    {
        if (value < min || value > max)
        {
            throw new ArgumentException(
                $"Parameter '{parameter}' of system '{system}' is {value}; allowed: an integer in [{min}, {max}].",
                parameter);
        }

        return value;
    }
}
