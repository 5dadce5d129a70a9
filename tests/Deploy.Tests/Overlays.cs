using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Cluster.Deploy.Tests;

/// <summary>
/// The kustomize overlays under <c>deploy/kubernetes</c>, rendered with <c>kubectl kustomize</c> (kubectl ≥ 1.21, whose
/// kustomize knows components). A missing kubectl fails the tests that need it, saying so.
/// </summary>
public static class Overlays
{
    /// <summary>What the tests render: each overlay, and the cpu overlay with the optional ingress component.</summary>
    public static readonly TheoryData<string> All = ["cpu", "gpu", "cpu+ingress"];

    private static readonly ConcurrentDictionary<string, Lazy<Rendered>> Cache = new();

    public static Rendered Render(string name) => Cache.GetOrAdd(name, n => new Lazy<Rendered>(() => new Rendered(n, Kustomize(n)))).Value;

    private static List<JsonObject> Kustomize(string name)
    {
        string? copy = null;
        try
        {
            return Kustomize(name, ref copy);
        }
        finally
        {
            if (copy is not null) Directory.Delete(copy, recursive: true);
        }
    }

    private static List<JsonObject> Kustomize(string name, ref string? copy)
    {
        string directory;
        if (name.Split('+') is [var overlay, .. var components] && components.Length > 0)
        {
            // Components are optional: render them on top of an overlay through a throwaway kustomization in a copy of
            // deploy/kubernetes (kustomize refuses absolute paths).
            copy = Path.Combine(Path.GetTempPath(), "deploy-tests-kustomize-" + Guid.NewGuid().ToString("N"));
            CopyDirectory(Repository.Kubernetes, copy);
            directory = Path.Combine(copy, "overlays", "test-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "kustomization.yaml"),
                $"resources: [../{overlay}]\ncomponents: [{string.Join(", ", components.Select(c => "../../components/" + c))}]\n");
        }
        else directory = Path.Combine(Repository.Kubernetes, "overlays", name);
        Assert.True(Directory.Exists(directory), $"no overlay folder {directory}");

        ProcessStartInfo start = new("kubectl", ["kustomize", directory]) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"kubectl is needed to render deploy/kubernetes ({e.Message}). Install kubectl ≥ 1.21 (see deploy/README.md, 'Tests').");
            throw;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"kubectl kustomize {name} failed: {stderr}");
            return Yaml.ParseDocuments(stdout.Result);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}

/// <summary>One rendered overlay: its objects and the lookups the tests need.</summary>
public sealed class Rendered(string name, List<JsonObject> objects)
{
    public string Name { get; } = name;

    public IReadOnlyList<JsonObject> Objects { get; } = objects;

    public override string ToString() => Name;

    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => (string?)o["kind"] == kind);

    public JsonObject? Find(string kind, string name) => OfKind(kind).FirstOrDefault(o => (string?)o["metadata"]?["name"] == name);

    public JsonObject Get(string kind, string name) => Find(kind, name) ?? throw new Xunit.Sdk.XunitException($"{Name}: no {kind} '{name}'");

    /// <summary>The silo StatefulSet and the gateway Deployment.</summary>
    public JsonObject Silo => Get("StatefulSet", "silo");

    public JsonObject Gateway => Get("Deployment", "gateway");

    public JsonObject Redis => Get("StatefulSet", "redis");

    /// <summary>Deployments and StatefulSets.</summary>
    public IEnumerable<JsonObject> Workloads => OfKind("Deployment").Concat(OfKind("StatefulSet"));

    public static JsonObject PodSpec(JsonObject workload) => workload["spec"]!["template"]!["spec"]!.AsObject();

    public static JsonObject Container(JsonObject workload, string name) =>
        PodSpec(workload)["containers"]!.AsArray().Select(c => c!.AsObject()).Single(c => (string?)c["name"] == name);

    public static Dictionary<string, string> TemplateLabels(JsonObject workload) => Labels(workload["spec"]!["template"]!["metadata"]!["labels"]);

    public static Dictionary<string, string> Labels(JsonNode? node) =>
        node?.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.ToString()) ?? [];

    public static bool Selects(Dictionary<string, string> selector, Dictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>
    /// A container's environment as the kubelet builds it: <c>envFrom</c> ConfigMaps first, then <c>env</c> (later wins),
    /// each value with <c>$(NAME)</c> expanded. Downward-API values come from <paramref name="fieldRefs"/> (fieldPath → value).
    /// </summary>
    public Dictionary<string, string> Environment(JsonObject container, IReadOnlyDictionary<string, string> fieldRefs)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container["envFrom"]?.AsArray() ?? [])
        {
            string map = (string)source!["configMapRef"]!["name"]!;
            foreach (var (key, value) in Get("ConfigMap", map)["data"]!.AsObject()) env[key] = value!.ToString();
        }
        foreach (var variable in container["env"]?.AsArray() ?? [])
        {
            string name = (string)variable!["name"]!;
            if (variable["value"] is { } value) env[name] = Expand(value.ToString(), env);
            else if (variable["valueFrom"]?["fieldRef"]?["fieldPath"] is { } path)
                env[name] = fieldRefs.TryGetValue(path.ToString(), out var v) ? v : throw new Xunit.Sdk.XunitException($"{Name}: no value for fieldRef {path}");
            else if (variable["valueFrom"]?["configMapKeyRef"] is { } keyRef)
                env[name] = Get("ConfigMap", (string)keyRef["name"]!)["data"]![(string)keyRef["key"]!]!.ToString();
            else throw new Xunit.Sdk.XunitException($"{Name}: env {name} has a source the tests do not know");
        }
        return env;
    }

    /// <summary>The container's args with <c>$(NAME)</c> expanded; a reference to an undefined variable fails (Kubernetes would pass it on literally).</summary>
    public static List<string> Args(JsonObject container, IReadOnlyDictionary<string, string> env) =>
        [.. (container["args"]?.AsArray() ?? []).Select(a => Expand(a!.ToString(), env, strict: true))];

    /// <summary>Names referenced as <c>$(NAME)</c> in the container's args.</summary>
    public static HashSet<string> ReferencedVariables(JsonObject container) =>
        [.. (container["args"]?.AsArray() ?? []).SelectMany(a => System.Text.RegularExpressions.Regex.Matches(a!.ToString(), @"\$\(([A-Za-z_][A-Za-z0-9_]*)\)").Select(m => m.Groups[1].Value))];

    private static string Expand(string value, IReadOnlyDictionary<string, string> env, bool strict = false) =>
        System.Text.RegularExpressions.Regex.Replace(value, @"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", m =>
            env.TryGetValue(m.Groups[1].Value, out var v) ? v
            : strict ? throw new Xunit.Sdk.XunitException($"$({m.Groups[1].Value}) is not defined in the container's environment") : m.Value);

    /// <summary>The number a probe or Service port names: a container port's name, or the number itself.</summary>
    public static int ResolvePort(JsonObject container, JsonNode port)
    {
        if (port.GetValueKind() == System.Text.Json.JsonValueKind.Number) return port.GetValue<int>();
        string name = port.ToString();
        var match = (container["ports"]?.AsArray() ?? []).FirstOrDefault(p => (string?)p!["name"] == name)
            ?? throw new Xunit.Sdk.XunitException($"container {container["name"]} has no port named '{name}'");
        return match!["containerPort"]!.GetValue<int>();
    }
}
