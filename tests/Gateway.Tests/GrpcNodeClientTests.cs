using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Gateway.Grpc;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Gateway.Tests;

/// <summary>
/// A Node client (<c>@grpc/grpc-js</c> with <c>@grpc/proto-loader</c> reading the repository's proto, installed into a
/// temporary folder on first use): its streamed tool-call deltas assemble into the calls REST returns, and a bad field
/// is INVALID_ARGUMENT with rich details. Skipped, with the reason, when node or the npm registry is unavailable.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class GrpcNodeClientTests(ClusterFixture cluster)
{
    private const string Script = """
        import grpc from "@grpc/grpc-js";
        import protoLoader from "@grpc/proto-loader";
        const definition = protoLoader.loadSync("cluster/inference/v1/inference.proto",
          { keepCase: true, longs: String, defaults: false, oneofs: true, includeDirs: [process.env.PROTO_ROOT] });
        const { Inference } = grpc.loadPackageDefinition(definition).cluster.inference.v1;
        const client = new Inference(process.env.ADDRESS, grpc.credentials.createInsecure());
        const request = JSON.parse(process.env.REQUEST);

        function collect(call) {
          return new Promise((resolve, reject) => {
            const calls = [];
            let finish = null;
            call.on("data", chunk => {
              for (const choice of chunk.choices ?? []) {
                if (choice.finish_reason) finish = choice.finish_reason;
                for (const d of choice.delta?.tool_calls ?? []) {
                  const index = d.index ?? 0; // proto3: a zero index is absent with defaults: false
                  if (index === calls.length) calls.push({ name: d.name, arguments: d.arguments ?? "" });
                  else calls[index].arguments += d.arguments ?? "";
                }
              }
            });
            call.on("error", reject);
            call.on("end", () => resolve({ calls, finish }));
          });
        }

        const result = await collect(client.CreateChatCompletion(request));
        try {
          await collect(client.CreateChatCompletion({ ...request, temperature: 5 }));
          result.bad = null;
        } catch (e) {
          result.bad = { code: e.code, details: e.details, rich: e.metadata.get("grpc-status-details-bin").length > 0 };
        }
        client.close();
        console.log(JSON.stringify(result));
        """;

    [GrpcNpmFact]
    public async Task Node_grpc_js_client_streams_the_tool_calls_REST_returns()
    {
        var model = cluster.Services.GetRequiredService<Cluster.Grains.Hosting.ModelHost>().Models.Single(m => m.Name == ClusterFixture.ModelName);
        var bias = new JsonObject();
        foreach (int eos in model.Frontend.Folder.Tokenizer.EosTokenIds) bias[eos.ToString()] = 6;
        var tools = new JsonArray(ToolCallingEndToEndTests.Tools.Select(t => (JsonNode?)new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject
            {
                ["name"] = t!["function"]!["name"]!.GetValue<string>(),
                ["description"] = t["function"]!["description"]!.GetValue<string>(),
                ["parameters"] = t["function"]!["parameters"]!.ToJsonString(),
            },
        }).ToArray());
        var grpcRequest = new JsonObject
        {
            ["model"] = ClusterFixture.ModelName,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Weather in Paris?" }),
            ["tools"] = tools,
            ["tool_choice"] = new JsonObject { ["mode"] = "required" },
            ["temperature"] = 1.0,
            ["seed"] = "77",
            ["max_tokens"] = 400,
            ["logit_bias"] = bias.DeepClone(),
        };

        string script = Path.Combine(GrpcNpmFactAttribute.Folder!, "grpc-tools.mjs");
        await File.WriteAllTextAsync(script, Script);
        var start = new ProcessStartInfo("node", script) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = GrpcNpmFactAttribute.Folder! };
        start.Environment["ADDRESS"] = cluster.Services.GetRequiredService<GrpcEndpoint>().Address!.Authority;
        start.Environment["PROTO_ROOT"] = ProtoRoot();
        start.Environment["REQUEST"] = grpcRequest.ToJsonString();
        using var node = Process.Start(start)!;
        string stdout = await node.StandardOutput.ReadToEndAsync();
        string stderr = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, stderr);
        var result = JsonNode.Parse(stdout)!;

        var rest = new JsonObject
        {
            ["model"] = ClusterFixture.ModelName,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Weather in Paris?" }),
            ["tools"] = ToolCallingEndToEndTests.Tools.DeepClone(),
            ["tool_choice"] = "required",
            ["temperature"] = 1.0,
            ["seed"] = 77,
            ["max_tokens"] = 400,
            ["logit_bias"] = bias.DeepClone(),
        };
        using var response = await cluster.Http.PostAsync("/v1/chat/completions", new StringContent(rest.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var choice = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["choices"]![0]!;
        var expected = choice["message"]!["tool_calls"]!.AsArray()
            .Select(c => (c!["function"]!["name"]!.GetValue<string>(), c["function"]!["arguments"]!.GetValue<string>())).ToList();
        var actual = result["calls"]!.AsArray().Select(c => (c!["name"]!.GetValue<string>(), c["arguments"]!.GetValue<string>())).ToList();
        Assert.NotEmpty(actual);
        Assert.Equal(expected, actual);
        Assert.Equal(choice["finish_reason"]!.GetValue<string>(), result["finish"]!.GetValue<string>());

        Assert.Equal(3, result["bad"]!["code"]!.GetValue<int>()); // INVALID_ARGUMENT
        Assert.True(result["bad"]!["rich"]!.GetValue<bool>());
    }

    private static string ProtoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cluster.sln"))) directory = directory.Parent;
        return Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("repository root"), "Contracts", "Protos");
    }
}

/// <summary>A fact that needs <c>@grpc/grpc-js</c> and <c>@grpc/proto-loader</c>, installed once into a temporary folder.</summary>
public sealed class GrpcNpmFactAttribute : FactAttribute
{
    private static readonly Lazy<(string? Folder, string? Problem)> Install = new(() => NpmPackages.Install("cluster-tests-npm-grpc", "@grpc/proto-loader/package.json", "@grpc/grpc-js@1 @grpc/proto-loader@0.8"));

    public GrpcNpmFactAttribute()
    {
        if (Install.Value.Problem is { } problem) Skip = problem;
    }

    public static string? Folder => Install.Value.Folder;
}
