using Cluster.Gateway.Hosting;
using Cluster.Silo;
using Cluster.Silo.Cli;

namespace Cluster.Gateway.Cli;

/// <summary>
/// <c>gateway --cluster redis://HOST:PORT [--cluster-id ID] [--host ADDR] [--port N] [--grpc-port N] [--dashboard] [access and logging
/// flags]</c>: the OpenAI API as an Orleans client of a cluster whose silos run elsewhere. Stateless and model-free, so any
/// number can run; API keys' rate limits are counted in the cluster, so they hold across gateways. The flags after
/// <c>--cluster-id</c> are <see cref="GatewayFlags"/>, shared with <c>serve</c>.
/// </summary>
public static class GatewayCommand
{
    public static readonly IReadOnlyList<string> Options = ["--cluster", "--cluster-id", .. GatewayFlags.Options];

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ClusterAddress cluster;
        CommandLine flags;
        GatewayOptions gateway;
        try
        {
            flags = CommandLine.Parse(args, Options, [.. GatewayFlags.Switches, .. SiloFlags.ClusterSwitches]);
            string address = flags.Get("--cluster") ?? Environment.GetEnvironmentVariable("CLUSTER_REDIS")
                ?? throw new ArgumentException("gateway needs --cluster redis://HOST:PORT (the Redis its silos use)");
            cluster = ClusterAddress.Parse(address);
            gateway = GatewayFlags.Read(flags);
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine(e.Message);
            return 2;
        }
        string clusterId = flags.Get("--cluster-id") ?? Environment.GetEnvironmentVariable("CLUSTER_ID") ?? ClusterSiloOptions.DefaultClusterId;
        var app = ClusterServer.BuildGateway(gateway, cluster, clusterId);
        await app.StartAsync().ConfigureAwait(false);
        string grpc = gateway.GrpcPort > 0 ? $", gRPC on {gateway.Host}:{gateway.GrpcPort}" : "";
        stdout.WriteLine($"Gateway for cluster '{clusterId}' at http://{gateway.Host}:{gateway.Port}/v1{grpc} (Ctrl+C to stop)");
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }
}
