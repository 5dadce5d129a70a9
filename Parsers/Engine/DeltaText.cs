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

    public static string Of(StringBuilder pending)
    {
        if (pending.Length == 1 && pending[0] < Cached)
        {
            var c = pending[0];
            return Singles[c] ??= c.ToString();
        }
        return pending.ToString();
    }
}
