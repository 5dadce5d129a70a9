using System.Text;

namespace Cluster.Parsers.Engine;

/// <summary>
/// Turns a pending delta into a string. Character-by-character streaming makes most deltas one character long, so
/// those come from a table instead of a fresh allocation each time.
/// </summary>
internal static class DeltaText
{
    private const int Cached = 0x800;
    private static readonly string?[] Singles = new string?[Cached];

    /// <summary>The one-character string for <paramref name="c"/> (shared for common characters).</summary>
    public static string Single(char c) => c < Cached ? Singles[c] ??= c.ToString() : c.ToString();

    public static string Of(StringBuilder pending) => pending.Length == 1 ? Single(pending[0]) : pending.ToString();
}
