using Cluster.Engine.TinyModels;
using Cluster.Gateway.Hosting;
using Cluster.Grains.Hosting;

namespace Cluster.Gateway.Tests;

/// <summary>The cluster most end-to-end tests share: a tiny Qwen2 model with its real Qwen2.5 template, parser detected.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string ModelName = "tiny-test";

    public const long MaxRequestBodyBytes = 1 << 20;

    private TestCluster? _cluster;

    public HttpClient Http => _cluster!.Http;

    public Uri BaseAddress => _cluster!.BaseAddress;

    public IServiceProvider Services => _cluster!.Services;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync(
            new TinyModelOptions { OutputDirectory = "", Architecture = TinyModelArchitecture.Qwen2, Seed = 7 },
            new ServedModelOptions { ModelPath = "", ServedModelName = ModelName, MaxSequences = 8, MaxModelLength = 1024, ToolCallParser = "auto" },
            new GatewayOptions { Port = 0, StreamInactivityTimeout = TimeSpan.FromSeconds(20), MaxRequestBodyBytes = MaxRequestBodyBytes },
            // Sampling defaults come from generation_config.json: this model's say greedy unless a request asks otherwise.
            directory =>
            {
                string generationConfig = Path.Combine(directory, "generation_config.json");
                var defaults = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(generationConfig))!;
                defaults["temperature"] = 0.0;
                File.WriteAllText(generationConfig, defaults.ToJsonString());
            });
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}

[CollectionDefinition(nameof(ClusterCollection))]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>;
