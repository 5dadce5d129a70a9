using Cluster.Engine.TinyModels;
using Cluster.Gateway.Hosting;
using Cluster.Grains.Hosting;

namespace Cluster.Gateway.Tests;

/// <summary>
/// A cluster of its own for the telemetry tests, serving a model no other test uses: request metrics are labelled
/// <c>model_name</c>, so its series count exactly the requests these tests make, whatever runs beside them.
/// </summary>
public sealed class TelemetryClusterFixture : IAsyncLifetime
{
    public const string ModelName = "telemetry-test";

    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(
        new TinyModelOptions { OutputDirectory = "", Architecture = TinyModelArchitecture.Qwen2, Seed = 7 },
        new ServedModelOptions { ModelPath = "", ServedModelName = ModelName, MaxSequences = 8, MaxModelLength = 1024, ToolCallParser = "auto" },
        // With the Orleans Dashboard too: its own background grain calls must not start traces.
        new GatewayOptions { Port = 0, StreamInactivityTimeout = TimeSpan.FromSeconds(20), Dashboard = true });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
