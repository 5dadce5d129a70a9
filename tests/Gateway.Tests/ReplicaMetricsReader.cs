namespace Cluster.Gateway.Tests;

/// <summary>Reads one replica series of <c>GET /metrics</c>; replicas report load every second, so reads poll.</summary>
internal static class ReplicaMetricsReader
{
    public static async Task<double> EventuallyAsync(HttpClient http, string name, Func<double, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        double value;
        while (!condition(value = Value(await http.GetStringAsync("/metrics"), name)) && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        return value;
    }

    public static double Value(string metrics, string name)
    {
        var line = metrics.Split('\n').Single(l => l.StartsWith(name + "{", StringComparison.Ordinal));
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
