using System.Net;
using System.Net.Sockets;
using Cluster.Grains;
using Cluster.Grains.Hosting;
using Cluster.Grains.Placement;
using Cluster.Grains.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Cluster.Silo;

/// <summary>Configures an Orleans silo as a member of the serving cluster.</summary>
public static class ClusterSiloBuilderExtensions
{
    /// <summary>
    /// Membership (Redis for a multi-process cluster, in-process otherwise), grain storage in the same place,
    /// failure detection fast enough that a killed silo's streams end within seconds, the placement that pins model
    /// grains to their silo, and the models this silo loads.
    /// </summary>
    public static ISiloBuilder AddClusterSilo(this ISiloBuilder silo, ClusterSiloOptions options)
    {
        int siloPort = PortOrFree(options.SiloPort, "--silo-port");
        int gatewayPort = PortOrFree(options.GatewayPort, "--gateway-port");
        if (options.Cluster is { } cluster)
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = cluster.Redis.Clone());
            silo.AddRedisGrainStorage(ClusterStorage.Name, o => o.ConfigurationOptions = cluster.Redis.Clone());
            var advertised = options.AdvertisedAddress ?? IPAddress.Loopback;
            silo.ConfigureEndpoints(advertised, siloPort, gatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
        }
        else
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: ClusterSiloOptions.ServiceId, clusterId: options.ClusterId);
            silo.AddMemoryGrainStorage(ClusterStorage.Name);
        }
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = ClusterSiloOptions.ServiceId;
        });
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = options.ResponseTimeout);
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            // Orleans' defaults (5 s probes, 3 misses) take ~15 s to declare a killed silo dead, and every stream through
            // it hangs that long. A missed 1 s probe twice is enough here: a killed process refuses connections at once.
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
        });
        // The host must outwait the drain: running streams finish before the silo leaves.
        silo.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.DrainTimeout + TimeSpan.FromSeconds(15));
        silo.Services.AddPlacementDirector<SiloBoundPlacement, SiloBoundPlacementDirector>();
        // Grain calls carry the caller's trace (W3C trace context in the request context): one trace per request across
        // silos. Inert unless traces are exported (see ClusterTelemetry).
        silo.AddActivityPropagation();
        if (options.Dashboard) silo.AddDashboard();

        foreach (var model in options.Models) silo.Services.AddSingleton(model);
        silo.Services.AddSingleton(new DrainOptions(options.DrainTimeout));
        silo.Services.AddSingleton<SessionTurns>();
        silo.Services.AddSingleton<ModelHost>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ModelHost>());
        silo.Services.AddSingleton<SiloWatch>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloWatch>());
        silo.Services.AddSingleton(options.Routing);
        silo.Services.AddSingleton<ReplicaRouter>();
        silo.Services.AddSingleton<ModelFrontends>();
        return silo;
    }

    /// <summary>A configured port, checked free now so a clash is a clear start-up error; 0 picks a free port.</summary>
    private static int PortOrFree(int port, string flag)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        catch (SocketException e) when (port != 0)
        {
            throw new InvalidOperationException($"{flag} {port} is already in use ({e.SocketErrorCode}); pick another port or 0 for a free one.", e);
        }
    }
}
