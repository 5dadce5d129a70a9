using System.Text.Json.Nodes;

namespace Cluster.Deploy.Tests;

/// <summary>
/// The cpu overlay's silo and gateway containers, run as the kubelet would run them (image entrypoint + rendered args,
/// rendered env with $(NAME) expanded, downward-API values for a pod at 127.0.0.1), with only these changes, made
/// explicitly: Redis at a loopback port instead of the redis Service, free ports instead of the fixed container ports,
/// the model volume's mount path mapped to a local folder, and one thread per silo.
/// </summary>
[Collection(nameof(PublishedBinariesCollection))]
public sealed class PodSimulationTests(PublishedBinaries binaries)
{
    private static readonly Dictionary<string, string> PodFields = new()
    {
        ["status.podIP"] = "127.0.0.1",
        ["metadata.namespace"] = "llm-cluster",
    };

    [Fact]
    public async Task The_cpu_overlays_pods_serve_a_chat_completion_and_the_silo_drains_on_sigterm()
    {
        var r = Overlays.Render("cpu");
        await using var redis = await LocalRedis.StartAsync();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

        // Silo pod.
        var siloContainer = Rendered.Container(r.Silo, "silo");
        var siloEnv = r.Environment(siloContainer, new Dictionary<string, string>(PodFields) { ["metadata.name"] = "silo-0" });
        siloEnv["CLUSTER_REDIS"] = RemapRedis(r, siloEnv["CLUSTER_REDIS"], redis);
        siloEnv["THREADS"] = "1";
        string modelsMount = (string)siloContainer["volumeMounts"]!.AsArray().Single(m => (string?)m!["name"] == "models")!["mountPath"]!;
        var ports = new Dictionary<string, int>();
        var siloArgs = Rendered.Args(siloContainer, siloEnv)
            .Select(a => a.StartsWith(modelsMount + "/", StringComparison.Ordinal) ? binaries.ModelRoot + a[modelsMount.Length..] : a).ToList();
        RemapPorts(siloArgs, ["--health-port", "--silo-port", "--gateway-port"], ports);
        var siloCommand = PublishedBinaries.Entrypoint(Dockerfile.Load("silo.Dockerfile"), binaries.SiloFolder);
        await using var silo = ChildProcess.Start("silo pod", siloCommand[0], [.. siloCommand.Skip(1), .. siloArgs], Environment(siloEnv));

        int health = ports["--health-port"];
        await Network.WaitForOkAsync(client, $"http://127.0.0.1:{health}{ProbePath(siloContainer, "startupProbe")}", TimeSpan.FromSeconds(120), silo);
        await Network.WaitForOkAsync(client, $"http://127.0.0.1:{health}{ProbePath(siloContainer, "readinessProbe")}", TimeSpan.FromSeconds(10), silo);
        await Network.WaitForOkAsync(client, $"http://127.0.0.1:{health}{ProbePath(siloContainer, "livenessProbe")}", TimeSpan.FromSeconds(10), silo);

        // Gateway pod.
        var gatewayContainer = Rendered.Container(r.Gateway, "gateway");
        var gatewayEnv = r.Environment(gatewayContainer, new Dictionary<string, string>(PodFields) { ["metadata.name"] = "gateway-abc" });
        gatewayEnv["CLUSTER_REDIS"] = RemapRedis(r, gatewayEnv["CLUSTER_REDIS"], redis);
        var gatewayArgs = Rendered.Args(gatewayContainer, gatewayEnv);
        RemapPorts(gatewayArgs, ["--port"], ports);
        var gatewayCommand = PublishedBinaries.Entrypoint(Dockerfile.Load("gateway.Dockerfile"), binaries.GatewayFolder);
        await using var gateway = ChildProcess.Start("gateway pod", gatewayCommand[0], [.. gatewayCommand.Skip(1), .. gatewayArgs], Environment(gatewayEnv));
        int http = ports["--port"];
        await Network.WaitForOkAsync(client, $"http://127.0.0.1:{http}{ProbePath(gatewayContainer, "readinessProbe")}", TimeSpan.FromSeconds(60), gateway, silo);

        await PublishedBinaries.ChatAsync(client, $"http://127.0.0.1:{http}", siloEnv["SERVED_MODEL_NAME"], silo, gateway);
        foreach (var url in new[] { $"http://127.0.0.1:{health}/metrics", $"http://127.0.0.1:{http}/metrics" })
        {
            using var metrics = await client.GetAsync(url);
            Assert.True(metrics.IsSuccessStatusCode, $"{url}: {(int)metrics.StatusCode}");
            Assert.StartsWith("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        }

        // A pod stop: SIGTERM, then the silo must drain and exit 0 within the pod's grace period.
        int grace = Rendered.PodSpec(r.Silo)["terminationGracePeriodSeconds"]!.GetValue<int>();
        silo.Terminate();
        var exit = await silo.WaitForExitAsync(TimeSpan.FromSeconds(grace));
        Assert.True(exit == 0, $"the silo {(exit is null ? $"did not exit within {grace} s" : $"exited {exit}")} after SIGTERM:\n{silo.Output}");
        gateway.Terminate();
        int gatewayGrace = Rendered.PodSpec(r.Gateway)["terminationGracePeriodSeconds"]!.GetValue<int>();
        Assert.True(await gateway.WaitForExitAsync(TimeSpan.FromSeconds(gatewayGrace)) == 0, $"the gateway did not stop cleanly on SIGTERM:\n{gateway.Output}");
    }

    /// <summary>The rendered cluster address names the redis Service; the test's Redis stands in for it.</summary>
    private static string RemapRedis(Rendered r, string rendered, LocalRedis redis)
    {
        var uri = new Uri(rendered);
        Assert.NotNull(r.Find("Service", uri.Host));
        return redis.Url;
    }

    /// <summary>Replaces the value after each port flag with a free port (the pods' fixed ports may be taken here).</summary>
    private static void RemapPorts(List<string> args, string[] flags, Dictionary<string, int> chosen)
    {
        foreach (string flag in flags)
        {
            int i = args.IndexOf(flag);
            Assert.True(i >= 0 && i + 1 < args.Count, $"the rendered args have no {flag} value");
            chosen[flag] = Network.FreePort();
            args[i + 1] = chosen[flag].ToString();
        }
    }

    private static string ProbePath(JsonObject container, string probe) => (string)container[probe]!["httpGet"]!["path"]!;

    private static Dictionary<string, string?> Environment(Dictionary<string, string> podEnv)
    {
        var env = PublishedBinaries.BaseEnvironment();
        foreach (var (k, v) in podEnv) env[k] = v;
        return env;
    }
}
