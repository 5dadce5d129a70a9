using Cluster.Engine.TinyModels;
using Cluster.Gateway.Hosting;
using Cluster.Grains.Hosting;
using Cluster.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Gateway.Tests;

/// <summary>
/// A real co-hosted silo and gateway on loopback, serving a freshly generated tiny model: the same
/// process layout as <c>serve</c>, on free ports.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string ModelName = "tiny-test";

    public const long MaxRequestBodyBytes = 1 << 20;


    private readonly string _modelDirectory = Path.Combine(Path.GetTempPath(), "cluster-tests-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;

    public HttpClient Http { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        TinyModelBuilder.Write(new TinyModelOptions { OutputDirectory = _modelDirectory, Architecture = TinyModelArchitecture.Qwen2, Seed = 7 });
        // Sampling defaults come from generation_config.json: this model's say greedy unless a request asks otherwise.
        string generationConfig = Path.Combine(_modelDirectory, "generation_config.json");
        var defaults = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(generationConfig))!;
        defaults["temperature"] = 0.0;
        File.WriteAllText(generationConfig, defaults.ToJsonString());
        var silo = new ClusterSiloOptions
        {
            Models = [new ServedModelOptions { ModelPath = _modelDirectory, ServedModelName = ModelName, MaxSequences = 8, MaxModelLength = 1024, ToolCallParser = "auto" }],
            SiloPort = 0,
            GatewayPort = 0,
        };
        _app = ClusterServer.Build(new GatewayOptions { Port = 0, StreamInactivityTimeout = TimeSpan.FromSeconds(20), MaxRequestBodyBytes = MaxRequestBodyBytes }, silo);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        try { Directory.Delete(_modelDirectory, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(nameof(ClusterCollection))]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>;
