using Cluster.Grains.Hosting;
using Cluster.Silo;
using Microsoft.Extensions.Hosting;

// A standalone silo: `dotnet run --project Silo -- --model DIR [--served-model-name NAME] [--silo-port N] [--gateway-port N]`.
// Gateways connect to it as Orleans clients (`dotnet run --project Gateway -- gateway`).
var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
for (int i = 0; i + 1 < args.Length; i += 2) arguments[args[i]] = args[i + 1];
if (!arguments.TryGetValue("--model", out var modelPath))
{
    Console.Error.WriteLine("usage: Silo --model DIR [--served-model-name NAME] [--silo-port N] [--gateway-port N] [--threads N]");
    return 2;
}
var options = new ClusterSiloOptions
{
    Models = [new ServedModelOptions
    {
        ModelPath = modelPath,
        ServedModelName = arguments.GetValueOrDefault("--served-model-name"),
        Threads = arguments.TryGetValue("--threads", out var t) ? int.Parse(t) : null,
    }],
    SiloPort = arguments.TryGetValue("--silo-port", out var sp) ? int.Parse(sp) : 11111,
    GatewayPort = arguments.TryGetValue("--gateway-port", out var gp) ? int.Parse(gp) : 30000,
};
var host = Host.CreateDefaultBuilder(args).UseOrleans(silo => silo.AddClusterSilo(options)).Build();
await host.RunAsync();
return 0;
