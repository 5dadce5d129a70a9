using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Cluster.Gateway.Hosting;
using Cluster.Silo.Cli;
using Cluster.Training;

namespace Cluster.Gateway.Cli;

/// <summary>
/// <c>evaluate-demo-model [--model DIR] [--count N] [--seed N] [--base-url URL]</c>: serves the demo checkpoint (or
/// evaluates a server already running at URL) and prints <see cref="DemoEvaluation"/>'s figures per kind of request.
/// </summary>
public static class EvaluateDemoModelCommand
{
    public const string Name = "evaluate-demo-model";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? model = null, baseUrl = null;
        int count = 100, seed = 20261205;
        bool verbose = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--verbose": verbose = true; continue;
                case "--model" when i + 1 < args.Length: model = args[++i]; continue;
                case "--base-url" when i + 1 < args.Length: baseUrl = args[++i]; continue;
                case "--count" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out count): i++; continue;
                case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out seed): i++; continue;
                default:
                    stderr.WriteLine($"usage: {Name} [--model DIR] [--count N per kind (default 100)] [--seed N] [--base-url URL] [--verbose]");
                    return 2;
            }
        }
        WebApplication? app = null;
        if (baseUrl is null)
        {
            model ??= DemoModelLocation.Find();
            if (model is null)
            {
                stderr.WriteLine("No demo checkpoint found (models/demo); give --model DIR or train one with train-demo-model.");
                return 1;
            }
            int port = FreePort();
            var flags = CommandLine.Parse(["--port", port.ToString(CultureInfo.InvariantCulture), "--grpc-port", "0"], ServeCommand.Options, [.. GatewayFlags.Switches, .. SiloFlags.ModelSwitches, .. SiloFlags.ClusterSwitches]);
            app = ClusterServer.Build(GatewayFlags.Read(flags), SiloFlags.ReadCluster(flags, [SiloFlags.ReadModel(flags, model, DemoModelLocation.ServedName, "auto")]));
            await app.StartAsync().ConfigureAwait(false);
            baseUrl = $"http://127.0.0.1:{port}";
        }
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };
            await WaitUntilHealthyAsync(http).ConfigureAwait(false);
            var evaluation = new DemoEvaluation(http, DemoModelLocation.ServedName);
            var scores = new List<DemoScore>();
            foreach (string kind in DemoEvaluation.Kinds)
                scores.Add(await evaluation.ScoreAsync(kind, count, seed, verbose ? stdout : null).ConfigureAwait(false));
            stdout.WriteLine($"demo model, {count} held-out requests per kind (seed {seed}), tool_choice auto, greedy:");
            stdout.WriteLine(DemoEvaluation.Format(scores));
            return 0;
        }
        finally
        {
            if (app is not null) await app.StopAsync().ConfigureAwait(false);
        }
    }

    private static async Task WaitUntilHealthyAsync(HttpClient http)
    {
        for (int i = 0; i < 120; i++)
        {
            try
            {
                using var health = await http.GetAsync("/health").ConfigureAwait(false);
                if (health.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(500).ConfigureAwait(false);
        }
        throw new TimeoutException("The server did not become healthy in 60 s.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
