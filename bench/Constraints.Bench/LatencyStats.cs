namespace Cluster.Constraints.Bench;

/// <summary>Latency samples in microseconds with the percentiles the report prints.</summary>
internal sealed class LatencyStats(string name)
{
    private readonly List<double> _samples = [];

    public string Name { get; } = name;

    public int Count => _samples.Count;

    public void Add(double microseconds) => _samples.Add(microseconds);

    public void AddTicks(long ticks) => _samples.Add(ticks * 1_000_000.0 / System.Diagnostics.Stopwatch.Frequency);

    public double Percentile(double p)
    {
        if (_samples.Count == 0) return double.NaN;
        var sorted = _samples.Order().ToArray();
        var index = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }

    public double Max => _samples.Count == 0 ? double.NaN : _samples.Max();

    public double Mean => _samples.Count == 0 ? double.NaN : _samples.Average();

    public static string Header => $"{"",-34} {"n",8} {"p50",10} {"p90",10} {"p99",10} {"p99.9",10} {"max",10} {"mean",10}";

    public string Row() =>
        $"{Name,-34} {Count,8} {F(Percentile(50)),10} {F(Percentile(90)),10} {F(Percentile(99)),10} {F(Percentile(99.9)),10} {F(Max),10} {F(Mean),10}";

    private static string F(double us) => us >= 1000 ? $"{us / 1000:0.00}ms" : $"{us:0.0}µs";
}
