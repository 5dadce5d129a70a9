namespace Cluster.Engine.Bench;

/// <summary>What a closed-loop load run measured: throughput over the whole run and latency percentiles over its requests.</summary>
internal sealed record LoadResult(
    int Concurrency,
    int Requests,
    long OutputTokens,
    int PromptTokens,
    double WallSeconds,
    double TimeToFirstTokenP50Ms,
    double TimeToFirstTokenP99Ms,
    double InterTokenP50Ms,
    double InterTokenP99Ms)
{
    public double OutputTokensPerSecond => OutputTokens / WallSeconds;

    /// <summary>Wall time per generated token across all streams (the inverse of aggregate throughput).</summary>
    public double MillisecondsPerToken => WallSeconds * 1000 / OutputTokens;

    public static LoadResult From(int concurrency, IReadOnlyList<RequestTiming> timings, double wallSeconds)
    {
        var ttft = timings.Select(t => t.TimeToFirstTokenMs).Where(double.IsFinite).ToArray();
        var gaps = timings.SelectMany(t => Enumerable.Range(1, Math.Max(0, t.TimedPieces - 1)).Select(t.GapMs)).ToArray();
        return new LoadResult(concurrency, timings.Count, timings.Sum(t => (long)t.Tokens), timings.Max(t => t.PromptTokens), wallSeconds,
            Percentile(ttft, 0.50), Percentile(ttft, 0.99), Percentile(gaps, 0.50), Percentile(gaps, 0.99));
    }

    /// <summary>Nearest-rank percentile; NaN for no samples.</summary>
    public static double Percentile(double[] samples, double quantile)
    {
        if (samples.Length == 0) return double.NaN;
        Array.Sort(samples);
        int rank = (int)Math.Ceiling(quantile * samples.Length) - 1;
        return samples[Math.Clamp(rank, 0, samples.Length - 1)];
    }
}
