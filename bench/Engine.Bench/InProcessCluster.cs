using Cluster.Gateway.Hosting;
using Cluster.Grains.Hosting;
using Cluster.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Engine.Bench;

/// <summary>
/// The real server (Kestrel gateway, Orleans silo, grains, engine) hosted in this process on loopback ports, as
/// <c>serve</c> runs it. Clients still go through sockets, HTTP/1.1 and SSE.
/// </summary>
internal sealed class InProcessCluster : IAsyncDisposable
{
    public const string ModelName = "bench";

    private readonly WebApplication _app;

    private InProcessCluster(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public ServedModelOptions Model { get; private init; } = null!;

    /// <summary>The engine the silo serves the model with (the silo shares this process's service container).</summary>
    public Scheduling.InferenceEngine Engine => _app.Services.GetRequiredService<ModelHost>().Models.Single(m => m.Name == ModelName).Engine;

    public static async Task<InProcessCluster> StartAsync(string modelPath, int maxSequences, int? threads)
    {
        var model = new ServedModelOptions
        {
            ModelPath = modelPath,
            ServedModelName = ModelName,
            MaxSequences = maxSequences,
            MaxModelLength = 1024,
            Threads = threads,
        };
        // Command-line configuration quiets the host's information logs, which would interleave with the tables.
        var app = ClusterServer.Build(new GatewayOptions { Port = 0 }, new ClusterSiloOptions { Models = [model], SiloPort = 0, GatewayPort = 0 },
            ["--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new InProcessCluster(app, new Uri(address.EndsWith('/') ? address : address + "/")) { Model = model };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
