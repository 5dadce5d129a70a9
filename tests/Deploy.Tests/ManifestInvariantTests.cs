using System.Globalization;
using System.Text.Json.Nodes;
using Cluster.Gateway.Cli;
using Cluster.Silo;
using Cluster.Silo.Cli;

namespace Cluster.Deploy.Tests;

/// <summary>
/// What the rendered overlays tell the binaries must be what the binaries accept: flags parsed by the silo's and the
/// gateway's own command lines, env vars they read, probes on endpoints they serve, ports they listen on, a grace
/// period that covers the drain, selectors that select.
/// </summary>
public sealed class ManifestInvariantTests
{
    /// <summary>The silo's flags, exactly as <c>Silo/Program.cs</c> declares them.</summary>
    public static readonly IReadOnlyList<string> SiloOptions = [.. SiloFlags.Model, .. SiloFlags.Cluster, "--host", "--health-port"];

    /// <summary>Env vars the binaries read (SiloFlags.ReadCluster, GatewayCommand).</summary>
    private static readonly string[] SiloReads = ["POD_IP", "CLUSTER_REDIS", "CLUSTER_ID"];
    private static readonly string[] GatewayReads = ["CLUSTER_REDIS", "CLUSTER_ID"];
    /// <summary>Set for people and tools, not read by our code: pod identity (logs) and native runtime knobs.</summary>
    private static readonly string[] Informational = ["POD_NAME", "POD_NAMESPACE"];
    private static readonly string[] RuntimeKnobs = ["OMP_WAIT_POLICY"];

    private static readonly Dictionary<string, string> FieldRefs = new()
    {
        ["status.podIP"] = "10.1.2.3",
        ["metadata.name"] = "pod-0",
        ["metadata.namespace"] = "llm-cluster",
    };

    private const int HostShutdownMarginSeconds = 15;

    [Theory, MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void Silo_args_parse_with_the_silos_command_line_and_give_valid_settings(string overlay)
    {
        var r = Overlays.Render(overlay);
        var (args, env) = ResolvedSilo(r);
        var flags = CommandLine.Parse(args, SiloOptions);
        Assert.NotNull(flags.Get("--model"));
        Assert.StartsWith("/models/", flags.Get("--model"));
        Assert.False(string.IsNullOrWhiteSpace(flags.Get("--served-model-name")), "an empty served model name");
        var model = SiloFlags.ReadModel(flags, flags.Get("--model")!);
        Assert.True(model.Threads is > 0, "--threads must be a positive integer");
        Assert.Matches(@"^(cpu|cuda):\d+$", model.Device);
        var cluster = WithEnvironment(env, () => SiloFlags.ReadCluster(flags, [model]));
        Assert.NotNull(cluster.Cluster);
        Assert.Equal(FieldRefs["status.podIP"], cluster.AdvertisedAddress?.ToString());
        Assert.Equal("0.0.0.0", flags.Get("--host"));
        Assert.True(flags.GetInt("--silo-port") > 0 && flags.GetInt("--gateway-port") > 0 && flags.GetInt("--health-port") > 0, "fixed ports: probes and peers need them");
    }

    [Theory, MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void Gateway_args_parse_with_the_gateway_command_line(string overlay)
    {
        var r = Overlays.Render(overlay);
        var container = Rendered.Container(r.Gateway, "gateway");
        var env = r.Environment(container, FieldRefs);
        var flags = CommandLine.Parse(Rendered.Args(container, env), GatewayCommand.Options);
        Assert.True(flags.GetInt("--port") > 0);
        Assert.Equal("0.0.0.0", flags.Get("--host"));
        string redis = flags.Get("--cluster") ?? env.GetValueOrDefault("CLUSTER_REDIS") ?? throw new Xunit.Sdk.XunitException("the gateway gets no cluster address");
        ClusterAddress.Parse(redis);
    }

    [Theory, MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void Every_env_var_is_read_by_the_binary_or_used_in_its_args(string overlay)
    {
        var r = Overlays.Render(overlay);
        foreach (var (workload, name, reads) in new[] { (r.Silo, "silo", SiloReads), (r.Gateway, "gateway", GatewayReads) })
        {
            var container = Rendered.Container(workload, name);
            var used = Rendered.ReferencedVariables(container);
            var env = r.Environment(container, FieldRefs);
            var unknown = env.Keys.Where(k => !reads.Contains(k) && !used.Contains(k) && !Informational.Contains(k) && !RuntimeKnobs.Contains(k)).ToList();
            Assert.True(unknown.Count == 0, $"{overlay}/{name}: env vars nothing reads: {string.Join(", ", unknown)}");
            Assert.True(env.ContainsKey("CLUSTER_REDIS") || Rendered.Args(container, env).Contains("--cluster"), $"{name} gets no cluster address");
        }
        var silo = Rendered.Container(r.Silo, "silo");
        var podIp = silo["env"]!.AsArray().Single(e => (string?)e!["name"] == "POD_IP");
        Assert.Equal("status.podIP", (string?)podIp!["valueFrom"]?["fieldRef"]?["fieldPath"]);
    }

    [Theory, MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void Silos_and_gateways_join_the_same_cluster_on_the_rendered_redis(string overlay)
    {
        var r = Overlays.Render(overlay);
        var (_, siloEnv) = ResolvedSilo(r);
        var gatewayEnv = r.Environment(Rendered.Container(r.Gateway, "gateway"), FieldRefs);
        Assert.Equal(siloEnv["CLUSTER_REDIS"], gatewayEnv["CLUSTER_REDIS"]);
        Assert.Equal(siloEnv.GetValueOrDefault("CLUSTER_ID"), gatewayEnv.GetValueOrDefault("CLUSTER_ID"));
        var uri = new Uri(siloEnv["CLUSTER_REDIS"]);
        var service = r.Get("Service", uri.Host);
        var port = service["spec"]!["ports"]!.AsArray().Single(p => p!["port"]!.GetValue<int>() == (uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port));
        Assert.True(Rendered.Selects(Rendered.Labels(service["spec"]!["selector"]), Rendered.TemplateLabels(r.Redis)), "the redis Service does not select the redis pods");
        Assert.Equal(6379, Rendered.ResolvePort(Rendered.Container(r.Redis, "redis"), port!["targetPort"]!));
    }

    [Theory, MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void Probes_use_endpoints_the_binaries_serve_on_their_ports(string overlay)
    {
        var r = Overlays.Render(overlay);
        var (siloArgs, _) = ResolvedSilo(r);
        var siloFlags = CommandLine.Parse(siloArgs, SiloOptions);
        var silo = Rendered.Container(r.Silo, "silo");
        Assert.Equal("/health", HttpProbe(silo, "startupProbe", siloFlags.GetInt("--health-port")!.Value));
        Assert.Equal("/health", HttpProbe(silo, "readinessProbe", siloFlags.GetInt("--health-port")!.Value));
        Assert.Equal("/livez", HttpProbe(silo, "livenessProbe", siloFlags.GetInt("--health-port")!.Value));

        var gateway = Rendered.Container(r.Gateway, "gateway");
        int gatewayPort = CommandLine.Parse(Rendered.Args(gateway, r.Environment(gateway, FieldRefs)), GatewayCommand.Options).GetInt("--port")!.Value;
        Assert.Equal("/health", HttpProbe(gateway, "readinessProbe", gatewayPort));
        // The gateway serves no /livez: liveness is the HTTP port answering.
        Assert.Equal(gatewayPort, Rendered.ResolvePort(gateway, gateway["livenessProbe"]!["tcpSocket"]!["port"]!));

        // The startup probe must leave minutes for loading weights.
        var startup = silo["startupProbe"]!;
        Assert.True(startup["periodSeconds"]!.GetValue<int>() * startup["failureThreshold"]!.GetValue<int>() >= 300, "the startup probe allows under 5 minutes to load a model");
    }

    [Theory, MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void Container_ports_are_the_ports_the_flags_open(string overlay)
    {
        var r = Overlays.Render(overlay);
        var (siloArgs, _) = ResolvedSilo(r);
        var f = CommandLine.Parse(siloArgs, SiloOptions);
        Assert.Equal(
            new Dictionary<string, int> { ["http"] = f.GetInt("--health-port")!.Value, ["silo"] = f.GetInt("--silo-port")!.Value, ["orleans-gw"] = f.GetInt("--gateway-port")!.Value },
            Ports(Rendered.Container(r.Silo, "silo")));
        var gateway = Rendered.Container(r.Gateway, "gateway");
        var g = CommandLine.Parse(Rendered.Args(gateway, r.Environment(gateway, FieldRefs)), GatewayCommand.Options);
        Assert.Equal(new Dictionary<string, int> { ["http"] = g.GetInt("--port")!.Value }, Ports(gateway));
    }

    [Theory, MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void Termination_grace_covers_pre_stop_drain_and_shutdown_margin(string overlay)
    {
        var r = Overlays.Render(overlay);
        var (args, _) = ResolvedSilo(r);
        double drain = double.Parse(CommandLine.Parse(args, SiloOptions).Get("--drain-timeout") ?? "30", CultureInfo.InvariantCulture);
        var silo = Rendered.Container(r.Silo, "silo");
        int grace = Rendered.PodSpec(r.Silo)["terminationGracePeriodSeconds"]!.GetValue<int>();
        double needed = PreStopSeconds(silo) + drain + HostShutdownMarginSeconds;
        Assert.True(grace >= needed, $"{overlay}: terminationGracePeriodSeconds {grace} < preStop {PreStopSeconds(silo)} + drain {drain} + {HostShutdownMarginSeconds}");
        var gateway = Rendered.Container(r.Gateway, "gateway");
        Assert.True(Rendered.PodSpec(r.Gateway)["terminationGracePeriodSeconds"]!.GetValue<int>() >= PreStopSeconds(gateway) + 30, "the gateway's grace period is shorter than preStop + the host's 30 s shutdown");
    }

    [Theory, MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void Selectors_select_what_they_name(string overlay)
    {
        var r = Overlays.Render(overlay);
        foreach (var w in r.Workloads)
        {
            var labels = Rendered.TemplateLabels(w);
            Assert.True(Rendered.Selects(Rendered.Labels(w["spec"]!["selector"]!["matchLabels"]), labels), $"{w["metadata"]!["name"]}: selector does not match its pod template");
        }
        var podLabels = r.Workloads.Select(Rendered.TemplateLabels).ToList();
        foreach (var s in r.OfKind("Service"))
        {
            var selected = r.Workloads.Where(w => Rendered.Selects(Rendered.Labels(s["spec"]!["selector"]), Rendered.TemplateLabels(w))).ToList();
            Assert.True(selected.Count == 1, $"Service {s["metadata"]!["name"]} selects {selected.Count} workloads");
            var container = Rendered.PodSpec(selected[0])["containers"]![0]!.AsObject();
            foreach (var p in s["spec"]!["ports"]!.AsArray()) Rendered.ResolvePort(container, p!["targetPort"] ?? p["port"]!);
        }
        foreach (var pdb in r.OfKind("PodDisruptionBudget"))
            Assert.Single(podLabels, l => Rendered.Selects(Rendered.Labels(pdb["spec"]!["selector"]!["matchLabels"]), l));
        foreach (var policy in r.OfKind("NetworkPolicy"))
            Assert.Single(podLabels, l => Rendered.Selects(Rendered.Labels(policy["spec"]!["podSelector"]!["matchLabels"]), l));
        foreach (var hpa in r.OfKind("HorizontalPodAutoscaler"))
        {
            var target = hpa["spec"]!["scaleTargetRef"]!;
            Assert.NotNull(r.Find((string)target["kind"]!, (string)target["name"]!));
            Assert.True(hpa["spec"]!["minReplicas"]!.GetValue<int>() >= 2, "HPA may scale gateways below 2");
        }
        Assert.True(r.Gateway["spec"]!["replicas"]!.GetValue<int>() >= 2, "fewer than 2 gateways");
        Assert.Contains(r.OfKind("HorizontalPodAutoscaler"), h => (string?)h["spec"]!["scaleTargetRef"]!["name"] == "gateway");
        Assert.Contains(r.OfKind("PodDisruptionBudget"), p => Rendered.Selects(Rendered.Labels(p["spec"]!["selector"]!["matchLabels"]), Rendered.TemplateLabels(r.Silo)));
    }

    [Theory, MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void References_resolve_and_images_are_set(string overlay)
    {
        var r = Overlays.Render(overlay);
        foreach (var w in r.Workloads)
        {
            var spec = Rendered.PodSpec(w);
            foreach (var c in spec["containers"]!.AsArray())
            {
                foreach (var source in c!["envFrom"]?.AsArray() ?? []) r.Get("ConfigMap", (string)source!["configMapRef"]!["name"]!);
                Assert.Contains(":", (string)c["image"]!);
                Assert.DoesNotMatch("^llm-cluster/", (string)c["image"]!);
                Assert.NotNull(c["resources"]?["requests"]);
                Assert.NotNull(c["resources"]?["limits"]);
                foreach (var m in c["volumeMounts"]?.AsArray() ?? [])
                {
                    string volume = (string)m!["name"]!;
                    bool declared = (spec["volumes"]?.AsArray() ?? []).Any(v => (string?)v!["name"] == volume)
                        || (w["spec"]!["volumeClaimTemplates"]?.AsArray() ?? []).Any(v => (string?)v!["metadata"]!["name"] == volume);
                    Assert.True(declared, $"{w["metadata"]!["name"]}: volume {volume} is mounted but not declared");
                }
            }
            foreach (var v in spec["volumes"]?.AsArray() ?? [])
                if (v!["persistentVolumeClaim"]?["claimName"] is { } claim) r.Get("PersistentVolumeClaim", claim.ToString());
        }
        foreach (var ingress in r.OfKind("Ingress"))
            foreach (var rule in ingress["spec"]!["rules"]!.AsArray())
                foreach (var path in rule!["http"]!["paths"]!.AsArray())
                {
                    var backend = path!["backend"]!["service"]!;
                    var service = r.Get("Service", (string)backend["name"]!);
                    Assert.Contains(service["spec"]!["ports"]!.AsArray(), p => (string?)p!["name"] == (string?)backend["port"]!["name"]);
                }
    }

    [Theory, MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void Only_silos_and_gateways_reach_the_orleans_ports_and_redis(string overlay)
    {
        var r = Overlays.Render(overlay);
        var allowed = new[] { Rendered.TemplateLabels(r.Silo), Rendered.TemplateLabels(r.Gateway) };
        foreach (var (workload, container, ports) in new[] { (r.Silo, "silo", new[] { "silo", "orleans-gw" }), (r.Redis, "redis", new[] { "redis" }) })
        {
            var c = Rendered.Container(workload, container);
            var numbers = ports.Select(p => Rendered.ResolvePort(c, JsonValue.Create(p))).ToHashSet();
            var policies = r.OfKind("NetworkPolicy").Where(p => Rendered.Selects(Rendered.Labels(p["spec"]!["podSelector"]!["matchLabels"]), Rendered.TemplateLabels(workload))).ToList();
            Assert.True(policies.Count > 0, $"{container}: no NetworkPolicy selects it");
            bool reached = false;
            foreach (var rule in policies.SelectMany(p => p["spec"]!["ingress"]?.AsArray() ?? []))
            {
                var rulePorts = rule!["ports"]?.AsArray().Select(p => Rendered.ResolvePort(c, p!["port"]!)).ToList();
                bool coversProtected = rulePorts is null || rulePorts.Any(numbers.Contains);
                if (!coversProtected) continue;
                var from = rule["from"]?.AsArray();
                Assert.True(from is { Count: > 0 }, $"{container}: a rule opens {string.Join(",", ports)} to everyone");
                foreach (var peer in from!)
                {
                    Assert.True(peer!["ipBlock"] is null && peer["namespaceSelector"] is null, $"{container}: a rule opens its protected ports beyond the namespace's pods");
                    var selector = Rendered.Labels(peer["podSelector"]!["matchLabels"]);
                    Assert.True(allowed.Any(l => Rendered.Selects(selector, l)), $"{container}: a rule lets pods other than silos and gateways in");
                }
                reached = true;
            }
            Assert.True(reached, $"{container}: no rule lets silos and gateways reach {string.Join(",", ports)}");
        }
    }

    [Fact]
    public void The_gpu_overlay_gives_each_silo_one_gpu_on_its_own_gpu_node()
    {
        var r = Overlays.Render("gpu");
        var spec = Rendered.PodSpec(r.Silo);
        var silo = Rendered.Container(r.Silo, "silo");
        Assert.Equal("1", silo["resources"]!["limits"]!["nvidia.com/gpu"]!.ToString());
        Assert.Equal("1", silo["resources"]!["requests"]!["nvidia.com/gpu"]!.ToString());
        Assert.NotNull(spec["nodeSelector"]);
        Assert.Contains(spec["tolerations"]!.AsArray(), t => (string?)t!["key"] == "nvidia.com/gpu");
        var required = spec["affinity"]!["podAntiAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]!.AsArray();
        Assert.Contains(required, t => (string?)t!["topologyKey"] == "kubernetes.io/hostname"
            && Rendered.Selects(Rendered.Labels(t["labelSelector"]!["matchLabels"]), Rendered.TemplateLabels(r.Silo)));
        var (args, _) = ResolvedSilo(r);
        Assert.StartsWith("cuda:", CommandLine.Parse(args, SiloOptions).Get("--device"));
        Assert.EndsWith(":cuda", (string)silo["image"]!);
        Assert.Null(Rendered.Container(Overlays.Render("cpu").Silo, "silo")["resources"]!["limits"]!["nvidia.com/gpu"]);
    }

    private static (List<string> Args, Dictionary<string, string> Env) ResolvedSilo(Rendered r)
    {
        var container = Rendered.Container(r.Silo, "silo");
        var env = r.Environment(container, FieldRefs);
        return (Rendered.Args(container, env), env);
    }

    private static string HttpProbe(JsonObject container, string probe, int expectedPort)
    {
        var get = container[probe]?["httpGet"] ?? throw new Xunit.Sdk.XunitException($"{container["name"]} has no HTTP {probe}");
        Assert.Equal(expectedPort, Rendered.ResolvePort(container, get["port"]!));
        return (string)get["path"]!;
    }

    private static Dictionary<string, int> Ports(JsonObject container) =>
        container["ports"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => p!["containerPort"]!.GetValue<int>());

    private static double PreStopSeconds(JsonObject container)
    {
        var preStop = container["lifecycle"]?["preStop"];
        if (preStop is null) return 0;
        if (preStop["sleep"]?["seconds"] is { } s) return s.GetValue<int>();
        var command = preStop["exec"]!["command"]!.AsArray().Select(c => c!.ToString()).ToList();
        Assert.True(command is ["sleep", _], $"unknown preStop {string.Join(" ", command)}: the grace-period check reads only `sleep N`");
        return double.Parse(command[1], CultureInfo.InvariantCulture);
    }

    private static readonly object EnvironmentLock = new();

    private static T WithEnvironment<T>(IReadOnlyDictionary<string, string> env, Func<T> read)
    {
        lock (EnvironmentLock)
        {
            var saved = SiloReads.ToDictionary(k => k, System.Environment.GetEnvironmentVariable);
            try
            {
                foreach (var k in SiloReads) System.Environment.SetEnvironmentVariable(k, env.GetValueOrDefault(k));
                return read();
            }
            finally
            {
                foreach (var (k, v) in saved) System.Environment.SetEnvironmentVariable(k, v);
            }
        }
    }
}
