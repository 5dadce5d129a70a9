using System.Diagnostics;

namespace Cluster.Engine.Bench;

/// <summary>
/// When one streamed request started and when each of its output pieces arrived (Stopwatch ticks). A piece is one
/// token from the engine, one content chunk over HTTP (usually one token; the exact count comes from usage).
/// </summary>
internal sealed class RequestTiming
{
    private readonly long[] _arrivals;

    public RequestTiming(int capacity)
    {
        _arrivals = new long[capacity];
    }

    public long Started { get; private set; }

    public int Pieces { get; private set; }

    /// <summary>Tokens of the prompt the model saw (after the chat template, over HTTP).</summary>
    public int PromptTokens { get; set; }

    /// <summary>Output tokens the request produced.</summary>
    public int Tokens { get; set; }

    public void Start() => Started = Stopwatch.GetTimestamp();

    public void Arrived()
    {
        // Pieces beyond the capacity (more chunks than tokens is impossible) are counted but not timed.
        if (Pieces < _arrivals.Length) _arrivals[Pieces] = Stopwatch.GetTimestamp();
        Pieces++;
    }

    public int TimedPieces => Math.Min(Pieces, _arrivals.Length);

    /// <summary>Time to first token, in milliseconds.</summary>
    public double TimeToFirstTokenMs => Pieces == 0 ? double.NaN : Stopwatch.GetElapsedTime(Started, _arrivals[0]).TotalMilliseconds;

    /// <summary>Gap before piece <paramref name="i"/> (i ≥ 1), in milliseconds.</summary>
    public double GapMs(int i) => Stopwatch.GetElapsedTime(_arrivals[i - 1], _arrivals[i]).TotalMilliseconds;

    /// <summary>Decode rate of this request alone: tokens after the first over the time they took.</summary>
    public double DecodeTokensPerSecond =>
        TimedPieces < 2 ? double.NaN : (Tokens - 1) / Stopwatch.GetElapsedTime(_arrivals[0], _arrivals[TimedPieces - 1]).TotalSeconds;
}
