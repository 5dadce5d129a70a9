using Cluster.Gateway.Hosting;
using Cluster.Silo;
using Cluster.Silo.Cli;

namespace Cluster.Gateway.Cli;

/// <summary>
/// <c>gateway --cluster redis://HOST:PORT [--cluster-id ID] [--host ADDR] [--port N] [--grpc-port N] [--dashboard]</c>: the OpenAI API as an
/// Orleans client of a cluster whose silos run elsewhere. Stateless and model-free, so any number can run.
/// </summary>
public static class GatewayCommand
{
    public static readonly IReadOnlyList<string> Options = ["--cluster", "--cluster-id", "--host", "--port", "--grpc-port"];

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ClusterAddress cluster;
        CommandLine flags;
        try
        {
            flags = CommandLine.Parse(args, Options, SiloFlags.ClusterSwitches);
            string address = flags.Get("--cluster") ?? Environment.GetEnvironmentVariable("CLUSTER_REDIS")
                ?? throw new ArgumentException("gateway needs --cluster redis://HOST:PORT (the Redis its silos use)");
            cluster = ClusterAddress.Parse(address);
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine(e.Message);
            return 2;
        }
        string clusterId = flags.Get("--cluster-id") ?? Environment.GetEnvironmentVariable("CLUSTER_ID") ?? ClusterSiloOptions.DefaultClusterId;
        var gateway = new GatewayOptions { Host = flags.Get("--host") ?? "127.0.0.1", Port = flags.GetInt("--port") ?? 8000, GrpcPort = flags.GetInt("--grpc-port") ?? GatewayOptions.DefaultGrpcPort };
        gateway = gateway with { Dashboard = SiloFlags.IsOn(flags, "--dashboard") };
        var app = ClusterServer.BuildGateway(gateway, cluster, clusterId);
        await app.StartAsync().ConfigureAwait(false);
        string grpc = gateway.GrpcPort > 0 ? $", gRPC on {gateway.Host}:{gateway.GrpcPort}" : "";
        stdout.WriteLine($"Gateway for cluster '{clusterId}' at http://{gateway.Host}:{gateway.Port}/v1{grpc} (Ctrl+C to stop)");
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }
}
