using Cluster.Gateway.Apis;
using Cluster.Silo;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Hosting;

/// <summary>
/// Builds the gateway web application. With silo options it co-hosts a silo in the same process (the
/// one-command default); without, it connects to an existing cluster as an Orleans client.
/// </summary>
public static class ClusterServer
{
    public static WebApplication Build(GatewayOptions gateway, ClusterSiloOptions? silo, string[]? args = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        builder.WebHost.UseKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = gateway.MaxRequestBodyBytes;
            k.Limits.MinRequestBodyDataRate = new(gateway.MinRequestBodyBytesPerSecond, gateway.RequestBodyGracePeriod);
            RequestLimits.ConfigureKestrel(k.Limits);
            k.Listen(System.Net.IPAddress.Parse(gateway.Host == "localhost" ? "127.0.0.1" : gateway.Host), gateway.Port);
        });
        // Orleans and its resilience pipelines log every placement at Information; keep the console readable.
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        if (silo is not null)
        {
            builder.UseOrleans(s => s.AddClusterSilo(silo));
        }
        else
        {
            builder.UseOrleansClient(c => c.UseLocalhostClustering()
                .Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(15)));
        }
        builder.Services.AddSingleton(Options.Create(gateway));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ModelDirectory>();

        var app = builder.Build();
        app.UseOpenAIErrors();
        app.UseRequestLimits();
        app.MapChatCompletionsApi();
        app.MapCompletionsApi();
        app.MapSessionsApi();
        app.MapMetricsApi();
        app.MapModelsApi();
        return app;
    }
}
