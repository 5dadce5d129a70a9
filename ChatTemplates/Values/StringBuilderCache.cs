using System.Text;

namespace Cluster.ChatTemplates.Values;

/// <summary>
/// One reusable <see cref="StringBuilder"/> per thread for short-lived text (JSON dumps, <c>~</c> concatenation, reprs),
/// so a render does not leave a trail of builder buffers behind. Nested use simply gets a fresh builder.
/// </summary>
internal static class StringBuilderCache
{
    private const int MaxCachedCapacity = 64 * 1024;

    [ThreadStatic]
    private static StringBuilder? _cached;

    public static StringBuilder Acquire()
    {
        var sb = _cached;
        if (sb is null) return new StringBuilder(256);
        _cached = null;
        sb.Clear();
        return sb;
    }

    public static string GetStringAndRelease(StringBuilder sb)
    {
        var text = sb.ToString();
        if (sb.Capacity <= MaxCachedCapacity) _cached = sb;
        return text;
    }
}
