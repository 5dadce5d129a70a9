using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Cluster.Gateway.Tests;

/// <summary>Runs a Node.js ES module written by a test in an npm folder and reads the JSON it prints.</summary>
internal static class NodeScript
{
    public static async Task<JsonNode> RunAsync(string folder, string name, string script, params (string Key, string Value)[] environment)
    {
        string path = Path.Combine(folder, name);
        await File.WriteAllTextAsync(path, script);
        var start = new ProcessStartInfo("node", path) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        string stderr = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, stderr);
        return JsonNode.Parse(await stdout)!;
    }
}
