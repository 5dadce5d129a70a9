using Cluster.Engine.TinyModels;
using Cluster.Gateway.Grpc;
using Cluster.Gateway.Hosting;
using Cluster.Grains.Hosting;
using Cluster.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Gateway.Tests;

/// <summary>
/// A real co-hosted silo and gateway on loopback serving a freshly generated tiny model: the same process layout as
/// <c>serve</c>, on free ports. Disposing stops it and deletes the model.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _modelDirectory;

    private TestCluster(WebApplication app, string modelDirectory, Uri baseAddress)
    {
        _app = app;
        _modelDirectory = modelDirectory;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(120) };
    }

    public HttpClient Http { get; }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The gRPC API's HTTP/2 endpoint.</summary>
    public Uri GrpcAddress { get; private init; } = null!;

    public ServedModel Model(string name) => Services.GetRequiredService<ModelHost>().TryGet(name, out var model) ? model : throw new KeyNotFoundException(name);

    /// <param name="model">What to serve; its <c>ModelPath</c> is replaced by the generated model's folder.</param>
    /// <param name="prepare">Edits the generated model folder before the silo loads it.</param>
    public static async Task<TestCluster> StartAsync(TinyModelOptions tinyModel, ServedModelOptions model, GatewayOptions? gateway = null, Action<string>? prepare = null)
    {
        string directory = Path.Combine(Path.GetTempPath(), "cluster-tests-" + Guid.NewGuid().ToString("N"));
        TinyModelBuilder.Write(tinyModel with { OutputDirectory = directory });
        prepare?.Invoke(directory);
        return await StartInAsync(directory, model, gateway);
    }

    /// <summary>Serves a copy of the model folder <paramref name="source"/> (a checkpoint of the repository, which
    /// disposal must not delete).</summary>
    public static async Task<TestCluster> StartAsync(string source, ServedModelOptions model, GatewayOptions? gateway = null)
    {
        string directory = Path.Combine(Path.GetTempPath(), "cluster-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        foreach (string file in Directory.EnumerateFiles(source)) File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        return await StartInAsync(directory, model, gateway);
    }

    private static async Task<TestCluster> StartInAsync(string directory, ServedModelOptions model, GatewayOptions? gateway)
    {
        // gRPC on a free port too, so that clusters can run side by side.
        var app = ClusterServer.Build((gateway ?? new GatewayOptions { Port = 0 }) with { GrpcPort = GatewayOptions.AnyFreePort }, new ClusterSiloOptions
        {
            Models = [model with { ModelPath = directory }],
            SiloPort = 0,
            GatewayPort = 0,
            DrainTimeout = TimeSpan.FromSeconds(2),
            Dashboard = gateway?.Dashboard ?? false,
        });
        await app.StartAsync();
        var grpc = app.Services.GetRequiredService<GrpcEndpoint>().Address!;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First(a => new Uri(a).Port != grpc.Port);
        return new TestCluster(app, directory, new Uri(address)) { GrpcAddress = grpc };
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try { Directory.Delete(_modelDirectory, recursive: true); } catch (IOException) { }
    }
}
