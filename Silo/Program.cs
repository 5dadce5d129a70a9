using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Cluster.Grains.Hosting;
using Cluster.Silo;
using Cluster.Silo.Cli;
using Cluster.Silo.Metrics;
using Cluster.Silo.Telemetry;
using Microsoft.Extensions.DependencyInjection;

// A standalone silo: `dotnet run --project Silo -- --model DIR --cluster redis://HOST:PORT [flags]`. It loads its
// models and joins the cluster; gateways (`dotnet run --project Gateway -- gateway --cluster ...`) serve the API.
// Its own HTTP port answers only health and metrics, for orchestrators.
CommandLine flags;
ClusterSiloOptions options;
string host;
int healthPort;
try
{
    flags = CommandLine.Parse(args, [.. SiloFlags.Model, .. SiloFlags.Cluster, "--host", "--health-port"], [.. SiloFlags.ModelSwitches, .. SiloFlags.ClusterSwitches]);
    if (flags.Get("--model") is not { } modelPath)
    {
        Console.Error.WriteLine(
            "usage: Silo --model DIR [--served-model-name NAME] [--cluster redis://HOST:PORT] [--cluster-id ID] [--advertised-address IP] " +
            "[--silo-port N] [--gateway-port N] [--host ADDR] [--health-port N] [--drain-timeout SECONDS] [--dashboard] [--threads N] [model flags as for serve]");
        return 2;
    }
    options = SiloFlags.ReadCluster(flags, [SiloFlags.ReadModel(flags, modelPath)]);
    host = flags.Get("--host") ?? "127.0.0.1";
    healthPort = flags.GetInt("--health-port") ?? 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
if (options.Cluster is null)
    Console.Error.WriteLine("warning: no --cluster given: this silo forms a cluster of its own, which gateways cannot join. Pass --cluster redis://HOST:PORT.");

var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(host == "localhost" ? "127.0.0.1" : host), healthPort));
builder.Logging.AddFilter("Orleans", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("Polly", LogLevel.Warning);
builder.UseOrleans(silo => silo.AddClusterSilo(options));
builder.AddClusterTelemetry("cluster-silo", ClusterTelemetry.SiloMeters);
builder.Services.AddSingleton(sp => new ReplicaMetrics(sp.GetRequiredService<IMeterFactory>(), () => sp.GetRequiredService<ModelHost>().Statuses()));
var app = builder.Build();
// Readiness: true once every model is loaded and registered, false again while draining.
app.MapGet("/health", (ModelHost models) => models.State == HostState.Serving
    ? Results.Ok(new { status = "ok", models = models.Models.Count })
    : Results.Json(new { status = models.State.ToString().ToLowerInvariant() }, statusCode: 503));
// Liveness: the process answers.
app.MapGet("/livez", () => Results.Ok(new { status = "alive" }));
// Prometheus text from OpenTelemetry: this silo's replicas, tool-call parses, grammar compile and mask times.
app.Services.GetRequiredService<ReplicaMetrics>();
app.MapPrometheusScrapingEndpoint("/metrics");
await app.StartAsync();
Console.WriteLine($"Silo health and metrics at {app.Urls.FirstOrDefault()} (cluster '{options.ClusterId}'{(options.Cluster is { } c ? " on " + c.Uri : "")})");
await app.WaitForShutdownAsync();
return 0;
