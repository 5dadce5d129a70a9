namespace Cluster.Gateway.Tests;

/// <summary>Reads one replica series of <c>GET /metrics</c> (a test cluster runs one replica); replicas report load every second, so reads poll.</summary>
internal static class ReplicaMetricsReader
{
    public static async Task<double> EventuallyAsync(HttpClient http, string name, Func<double, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            // Before a fresh cluster's replica has reported once, the series is not there yet: that is "not yet" too.
            var series = PrometheusScrape.Parse(await http.GetStringAsync("/metrics")).Of(name).ToList();
            if ((series.Count == 1 && condition(series[0].Value)) || DateTime.UtcNow >= deadline) return series.Single().Value;
            await Task.Delay(100);
        }
    }
}
