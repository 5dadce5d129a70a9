using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Cluster.Deploy.Tests;

/// <summary>
/// Every rendered object validates against the Kubernetes API's OpenAPI schemas, through the validators of the npm
/// package <c>kubernetes-models</c> (installed into a cached temporary folder on first use). Without node or npm the
/// tests fail, saying what is missing: they never pass unchecked.
/// </summary>
public sealed class KubernetesSchemaTests
{
    private const string Script = """
        import { readFileSync } from "node:fs";
        const objects = JSON.parse(readFileSync(process.argv[2], "utf8"));
        const problems = [];
        for (const o of objects) {
          const id = `${o.apiVersion} ${o.kind} ${o.metadata?.name}`;
          let module;
          try { module = await import(`kubernetes-models/${o.apiVersion}`); }
          catch (e) { problems.push(`${id}: no schema for apiVersion ${o.apiVersion}`); continue; }
          const Model = module[o.kind];
          if (!Model) { problems.push(`${id}: no schema for kind ${o.kind}`); continue; }
          try { new Model(o).validate(); } catch (e) { problems.push(`${id}: ${e.message}`); }
        }
        console.log(JSON.stringify({ checked: objects.length, problems }));
        """;

    [Theory, MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void Every_rendered_object_matches_the_kubernetes_api_schema(string overlay)
    {
        var rendered = Overlays.Render(overlay);
        string folder = KubernetesModels.Folder;
        string input = Path.Combine(folder, $"objects-{Guid.NewGuid():N}.json");
        string script = Path.Combine(folder, "validate.mjs");
        File.WriteAllText(input, new JsonArray([.. rendered.Objects.Select(o => o.DeepClone())]).ToJsonString());
        File.WriteAllText(script, Script);
        try
        {
            var (exit, stdout, stderr) = KubernetesModels.Run("node", [script, input], folder);
            Assert.True(exit == 0, $"node validate.mjs failed: {stderr}");
            var result = JsonNode.Parse(stdout)!;
            Assert.Equal(rendered.Objects.Count, result["checked"]!.GetValue<int>());
            var problems = result["problems"]!.AsArray().Select(p => p!.ToString()).ToList();
            Assert.True(problems.Count == 0, $"{overlay}: {string.Join("\n", problems)}");
        }
        finally
        {
            File.Delete(input);
        }
    }

    [Fact]
    public void The_validator_rejects_a_malformed_object()
    {
        // Guards against a validator that accepts everything (a wrong import, a changed package API).
        var bad = Overlays.Render("cpu").Silo.DeepClone().AsObject();
        bad["spec"]!["replicas"] = "two";
        string folder = KubernetesModels.Folder;
        string input = Path.Combine(folder, $"bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(input, new JsonArray(bad).ToJsonString());
        File.WriteAllText(Path.Combine(folder, "validate.mjs"), Script);
        try
        {
            var (exit, stdout, stderr) = KubernetesModels.Run("node", [Path.Combine(folder, "validate.mjs"), input], folder);
            Assert.True(exit == 0, stderr);
            Assert.Contains("replicas", JsonNode.Parse(stdout)!["problems"]![0]!.ToString());
        }
        finally
        {
            File.Delete(input);
        }
    }
}

/// <summary>The npm package <c>kubernetes-models</c> in a temporary folder shared by test runs.</summary>
public static class KubernetesModels
{
    private const string Package = "kubernetes-models@5";

    private static readonly Lazy<(string? Folder, string? Problem)> Install = new(() =>
    {
        string folder = Path.Combine(Path.GetTempPath(), "cluster-tests-npm-kubernetes-models");
        if (File.Exists(Path.Combine(folder, "node_modules", "kubernetes-models", "package.json"))) return (folder, null);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "package.json"), """{"name": "cluster-deploy-tests", "private": true, "type": "module"}""");
        try
        {
            var (exit, _, stderr) = Run("npm", ["install", "--no-audit", "--no-fund", "--prefix", folder, Package], folder, TimeSpan.FromMinutes(3));
            return exit == 0 ? (folder, null) : (null, $"npm install {Package} failed: {stderr.Trim()}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, "node and npm are needed to validate the manifests against the Kubernetes schemas: " + e.Message);
        }
    });

    /// <summary>The folder with <c>node_modules/kubernetes-models</c>; fails the calling test when it cannot be installed.</summary>
    public static string Folder => Install.Value.Problem is { } problem ? throw new Xunit.Sdk.XunitException(problem) : Install.Value.Folder!;

    public static (int Exit, string Stdout, string Stderr) Run(string file, string[] args, string directory, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file, args) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, stdout.Result, $"{file} timed out. " + stderr.Result);
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
