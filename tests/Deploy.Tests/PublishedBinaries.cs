using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Cluster.Deploy.Tests;

/// <summary>
/// The silo and the gateway published (<c>dotnet publish</c>, as the images' build stages do) into temporary folders,
/// and a tiny model made by the published gateway's <c>make-tiny-model</c>. Shared by the tests that start them.
/// </summary>
public sealed class PublishedBinaries : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "deploy-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>Where the images put the publish output (<c>/app</c>), here.</summary>
    public string SiloFolder => Path.Combine(_root, "silo");

    public string GatewayFolder => Path.Combine(_root, "gateway");

    /// <summary>A folder holding the tiny model as <c>{ModelRoot}/model</c>.</summary>
    public string ModelRoot => Path.Combine(_root, "models");

    public string ModelFolder => Path.Combine(ModelRoot, "model");

    /// <summary>Environment for every child: no cluster settings leak in from the test process; OpenMP threads sleep.</summary>
    public static Dictionary<string, string?> BaseEnvironment() => new()
    {
        ["CLUSTER_REDIS"] = null,
        ["CLUSTER_ID"] = null,
        ["POD_IP"] = null,
        ["OMP_WAIT_POLICY"] = "PASSIVE",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    };

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        // One after the other: both build the shared projects' obj folders.
        await PublishAsync("Silo/Silo.csproj", SiloFolder);
        await PublishAsync("Gateway/Gateway.csproj", GatewayFolder);
        await using var make = ChildProcess.Start("make-tiny-model", "dotnet",
            [Path.Combine(GatewayFolder, "Cluster.Gateway.dll"), "make-tiny-model", "--out", ModelFolder], BaseEnvironment());
        Assert.True(await make.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, "make-tiny-model failed:\n" + make.Output);
    }

    private static async Task PublishAsync(string project, string output)
    {
        await using var publish = ChildProcess.Start("dotnet publish " + project, "dotnet",
            ["publish", Path.Combine(Repository.Root, project), "-c", "Debug", "-o", output, "-nodeReuse:false", "-v", "q", "-nologo"],
            BaseEnvironment(), Repository.Root);
        Assert.True(await publish.WaitForExitAsync(TimeSpan.FromMinutes(6)) == 0, $"dotnet publish {project} failed:\n{publish.Output}");
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return Task.CompletedTask;
    }

    /// <summary>Maps the image's <c>/app</c> to a publish folder in an ENTRYPOINT.</summary>
    public static List<string> Entrypoint(Dockerfile image, string publishFolder) =>
        [.. image.ExecForm("ENTRYPOINT").Select(a => a.StartsWith("/app/", StringComparison.Ordinal) ? Path.Combine(publishFolder, a["/app/".Length..]) : a)];

    /// <summary>One non-streamed and one streamed chat completion through the gateway; both must produce text.</summary>
    public static async Task ChatAsync(HttpClient http, string gateway, string model, params ChildProcess[] processes)
    {
        foreach (bool stream in new[] { false, true })
        {
            var request = new JsonObject
            {
                ["model"] = model,
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hello!" }),
                ["max_tokens"] = 8,
                ["stream"] = stream,
            };
            using var response = await http.PostAsJsonAsync($"{gateway}/v1/chat/completions", request);
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}\n" + string.Join("\n", processes.Select(p => $"--- {p.Name}:\n{p.Output}")));
            if (stream)
            {
                Assert.Contains("data: [DONE]", body);
                Assert.Contains("\"finish_reason\"", body);
            }
            else
            {
                var completion = JsonNode.Parse(body)!;
                Assert.Equal("chat.completion", (string?)completion["object"]);
                Assert.Equal("assistant", (string?)completion["choices"]![0]!["message"]!["role"]);
                Assert.True(completion["usage"]!["completion_tokens"]!.GetValue<int>() > 0);
            }
        }
    }
}

[CollectionDefinition(nameof(PublishedBinariesCollection))]
public sealed class PublishedBinariesCollection : ICollectionFixture<PublishedBinaries>;
