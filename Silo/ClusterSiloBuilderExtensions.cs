using System.Net;
using System.Net.Sockets;
using Cluster.Grains;
using Cluster.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace Cluster.Silo;

/// <summary>Configures an Orleans silo as a member of the serving cluster.</summary>
public static class ClusterSiloBuilderExtensions
{
    /// <summary>
    /// Localhost clustering (a single machine; multi-node clustering providers come with deploy/), grain
    /// storage, response timeouts, and the models this silo loads.
    /// </summary>
    public static ISiloBuilder AddClusterSilo(this ISiloBuilder silo, ClusterSiloOptions options)
    {
        int siloPort = options.SiloPort == 0 ? FreeTcpPort() : options.SiloPort;
        int gatewayPort = options.GatewayPort == 0 ? FreeTcpPort() : options.GatewayPort;
        silo.UseLocalhostClustering(siloPort, gatewayPort);
        silo.AddMemoryGrainStorage(ClusterStorage.Name);
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = options.ResponseTimeout);
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = "cluster";
            o.ServiceId = "llm-serving";
        });
        foreach (var model in options.Models) silo.Services.AddSingleton(model);
        silo.Services.AddSingleton<ModelHost>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ModelHost>());
        return silo;
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
