using Cluster.Gateway.Playground;
using Cluster.Gateway.Apis;
using Cluster.Gateway.Grpc;
using Cluster.Gateway.Security;
using Cluster.Gateway.Telemetry;
using Cluster.Silo;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Cluster.Gateway.Hosting;

/// <summary>
/// Builds the gateway web application: co-hosting a silo in the same process (<c>serve</c>, the one-command
/// default) or as an Orleans client of a cluster whose silos run elsewhere (<c>gateway</c>).
/// </summary>
public static class ClusterServer
{
    /// <summary>The gateway with a silo in the same process (which joins <paramref name="silo"/>'s cluster when it names one).</summary>
    public static WebApplication Build(GatewayOptions gateway, ClusterSiloOptions silo, string[]? args = null) =>
        Build(gateway, args, builder => builder.UseOrleans(s => s.AddClusterSilo(silo)));

    /// <summary>A gateway only: an Orleans client of the cluster in <paramref name="cluster"/>.</summary>
    public static WebApplication BuildGateway(GatewayOptions gateway, ClusterAddress cluster, string clusterId, string[]? args = null) =>
        Build(gateway, args, builder => builder.UseOrleansClient(c =>
        {
            c.UseRedisClustering(o => o.ConfigurationOptions = cluster.Redis.Clone());
            // Grain calls carry the request's trace to the silos (see ClusterTelemetry).
            c.AddActivityPropagation();
            if (gateway.Dashboard) c.AddDashboard();
            c.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = ClusterSiloOptions.ServiceId;
            });
            // Must outwait the silos' stream heartbeat (half their 10 s response timeout).
            c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(15));
            // Learn of silos that joined or died within a second (Orleans' default is a minute).
            c.Configure<Orleans.Configuration.GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
            // Gateways may start before any silo: keep trying to connect instead of failing start-up.
            c.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                return true;
            });
        }));

    private static WebApplication Build(GatewayOptions gateway, string[]? args, Action<WebApplicationBuilder> orleans)
    {
        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        var address = System.Net.IPAddress.Parse(gateway.Host == "localhost" ? "127.0.0.1" : gateway.Host);
        builder.WebHost.UseKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = gateway.MaxRequestBodyBytes;
            k.Limits.MinRequestBodyDataRate = new(gateway.MinRequestBodyBytesPerSecond, gateway.RequestBodyGracePeriod);
            RequestLimits.ConfigureKestrel(k.Limits);
            k.Listen(address, gateway.Port);
        });
        builder.AddClusterGrpc(gateway, address);
        // Orleans and its resilience pipelines log every placement at Information; keep the console readable.
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.AddGatewayLogging(gateway);
        builder.AddGatewaySecurity(gateway.Security);
        orleans(builder);
        builder.Services.AddSingleton(Options.Create(gateway));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ModelDirectory>();
        builder.Services.AddSingleton<SiloLiveness>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SiloLiveness>());
        builder.AddGatewayTelemetry();

        var app = builder.Build();
        app.UseRequestIds();
        app.UseOpenAIErrors();
        app.UseGatewayCors();
        app.UseRequestLimits();
        app.UseApiAccess();
        app.UseGatewayRequestLog();
        app.MapChatCompletionsApi();
        app.MapCompletionsApi();
        app.MapTokenizationApi();
        app.MapSessionsApi();
        app.MapResponsesApi();
        app.MapMetricsApi();
        app.MapModelsApi();
        app.MapClusterGrpc();
        app.MapPlayground();
        // Operators' view of grains and silos; it shows grain keys and logs, so expose it only where access is controlled.
        if (gateway.Dashboard) app.MapOrleansDashboard("/dashboard");
        return app;
    }
}
