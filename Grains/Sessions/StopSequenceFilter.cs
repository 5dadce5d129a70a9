namespace Cluster.Grains.Sessions;

/// <summary>
/// Applies OpenAI's <c>stop</c> strings to streamed text: text that could still be the start of a stop string is
/// held back until it cannot, and a matched stop string is never emitted (nor anything after it). Work per
/// delta is proportional to the delta plus the longest stop string, never to the whole output.
/// </summary>
public sealed class StopSequenceFilter(IReadOnlyList<string> stopSequences)
{
    private readonly string[] _stops = stopSequences.Where(s => s.Length > 0).ToArray();
    private string _held = "";

    public bool Stopped { get; private set; }

    /// <summary>Returns the text that is safe to emit now.</summary>
    public string Push(string delta)
    {
        if (Stopped || delta.Length == 0) return "";
        if (_stops.Length == 0) return delta;
        string text = _held + delta;
        int earliest = -1;
        foreach (var stop in _stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (earliest < 0 || at < earliest)) earliest = at;
        }
        if (earliest >= 0)
        {
            Stopped = true;
            _held = "";
            return text[..earliest];
        }
        int keep = 0;
        foreach (var stop in _stops) keep = Math.Max(keep, LongestSuffixThatPrefixes(text, stop));
        _held = text[^keep..];
        return text[..^keep];
    }

    /// <summary>End of generation: whatever was held back was not a stop string after all.</summary>
    public string Flush()
    {
        var rest = Stopped ? "" : _held;
        _held = "";
        return rest;
    }

    private static int LongestSuffixThatPrefixes(string text, string stop)
    {
        for (int n = Math.Min(stop.Length - 1, text.Length); n > 0; n--)
            if (text.AsSpan(text.Length - n).SequenceEqual(stop.AsSpan(0, n))) return n;
        return 0;
    }
}
