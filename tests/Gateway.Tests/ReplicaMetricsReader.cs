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

    /// <summary>The value of the one series named <paramref name="name"/> (a test cluster runs one replica).</summary>
    public static double Value(string metrics, string name) => PrometheusScrape.Parse(metrics).Of(name).Single().Value;
}
