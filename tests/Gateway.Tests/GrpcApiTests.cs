using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Gateway.Grpc;
using Cluster.Grains.Hosting;
using Cluster.Inference.V1;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using Microsoft.Extensions.DependencyInjection;
using StatusCode = Grpc.Core.StatusCode;

namespace Cluster.Gateway.Tests;

/// <summary>The gRPC API on the real cluster: every RPC, parity with REST, error statuses, cancellation, health, reflection.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class GrpcApiTests(ClusterFixture cluster) : IDisposable
{
    private const string Model = ClusterFixture.ModelName;

    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(cluster.Services.GetRequiredService<GrpcEndpoint>().Address!);

    private Cluster.Inference.V1.Inference.InferenceClient Client => new(_channel);

    public void Dispose() => _channel.Dispose();

    private static ChatCompletionRequest Chat(string content = "hi", int maxTokens = 12) => new()
    {
        Model = Model,
        Messages = { new ChatMessage { Role = "user", Content = content } },
        MaxTokens = maxTokens,
        Temperature = 0,
    };

    private static async Task<List<T>> ReadAll<T>(AsyncServerStreamingCall<T> call)
    {
        var messages = new List<T>();
        await foreach (var m in call.ResponseStream.ReadAllAsync()) messages.Add(m);
        return messages;
    }

    private async Task<JsonNode> PostRest(string path, JsonObject body)
    {
        using var response = await cluster.Http.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task ListModels_and_GetModel_describe_the_served_model()
    {
        var list = await Client.ListModelsAsync(new ListModelsRequest());
        var model = Assert.Single(list.Data, m => m.Id == Model);
        Assert.Equal(1024, model.MaxModelLen);
        Assert.NotEmpty(model.Replicas);

        var one = await Client.GetModelAsync(new GetModelRequest { Id = Model });
        Assert.Equal(Model, one.Id);
        Assert.Equal("cluster", one.OwnedBy);
    }

    [Fact]
    public async Task GetModel_of_an_unknown_model_is_NOT_FOUND_naming_the_model_field()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => Client.GetModelAsync(new GetModelRequest { Id = "no-such-model" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        var status = e.GetRpcStatus()!;
        Assert.Equal("model", status.GetDetail<BadRequest>()!.FieldViolations.Single().Field);
        Assert.Equal("model_not_found", status.GetDetail<ErrorInfo>()!.Reason);
    }

    [Fact]
    public async Task Chat_stream_carries_the_same_text_as_the_REST_endpoint()
    {
        var request = Chat();
        request.StreamOptions = new StreamOptions { IncludeUsage = true };
        var chunks = await ReadAll(Client.CreateChatCompletion(request));

        Assert.Equal("assistant", chunks[0].Choices[0].Delta.Role);
        Assert.All(chunks, c => Assert.StartsWith("chatcmpl-", c.Id));
        string text = string.Concat(chunks.SelectMany(c => c.Choices).Select(c => c.Delta.Content));
        Assert.Equal("length", chunks.SelectMany(c => c.Choices).Single(c => c.HasFinishReason).FinishReason);
        var usage = chunks[^1].Usage;
        Assert.NotNull(usage);
        Assert.Empty(chunks[^1].Choices);
        Assert.Equal(12, usage.CompletionTokens);

        var rest = await PostRest("/v1/chat/completions", new JsonObject
        {
            ["model"] = Model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
            ["max_tokens"] = 12,
            ["temperature"] = 0,
        });
        Assert.Equal(rest["choices"]![0]!["message"]!["content"]!.GetValue<string>(), text);
        Assert.Equal(rest["usage"]!["prompt_tokens"]!.GetValue<int>(), usage.PromptTokens);
    }

    /// <summary>The proto form of <see cref="ToolCallingEndToEndTests.Tools"/>: schemas as JSON text.</summary>
    private static IEnumerable<Tool> ProtoTools() => ToolCallingEndToEndTests.Tools.Select(t => new Tool
    {
        Type = "function",
        Function = new FunctionDefinition
        {
            Name = t!["function"]!["name"]!.GetValue<string>(),
            Description = t["function"]!["description"]!.GetValue<string>(),
            Parameters = t["function"]!["parameters"]!.ToJsonString(),
        },
    });

    [Theory]
    [InlineData("required", 1)]
    [InlineData("required", 2)]
    [InlineData("get_time", 3)]
    [InlineData("get_weather", 4)]
    public async Task Streamed_tool_call_deltas_assemble_into_the_calls_REST_returns(string choice, int seed)
    {
        var model = cluster.Services.GetRequiredService<ModelHost>().Models.Single(m => m.Name == Model);
        var request = new ChatCompletionRequest
        {
            Model = Model,
            Messages = { new ChatMessage { Role = "user", Content = "What is the weather in Paris?" } },
            Tools = { ProtoTools() },
            ToolChoice = choice == "required" ? new ToolChoice { Mode = "required" } : new ToolChoice { Function = new NamedFunction { Name = choice } },
            Temperature = 1.0,
            Seed = seed,
            MaxTokens = 400,
        };
        // As in ToolCallingEndToEndTests: a bias towards end-of-sequence ends the output soon after a call.
        foreach (int eos in model.Frontend.Folder.Tokenizer.EosTokenIds) request.LogitBias[eos] = 6;

        var chunks = await ReadAll(Client.CreateChatCompletion(request));
        var calls = new List<(string Name, StringBuilder Arguments)>();
        foreach (var delta in chunks.SelectMany(c => c.Choices).SelectMany(c => c.Delta.ToolCalls))
        {
            if (delta.Index == calls.Count)
            {
                Assert.Equal("function", delta.Type);
                Assert.True(delta.HasId);
                calls.Add((delta.Name, new StringBuilder(delta.Arguments)));
            }
            else
            {
                Assert.Equal(calls.Count - 1, delta.Index);
                Assert.False(delta.HasName);
                calls[delta.Index].Arguments.Append(delta.Arguments);
            }
        }
        var finish = chunks.SelectMany(c => c.Choices).Single(c => c.HasFinishReason);
        Assert.NotNull(finish.ToolParse);

        var body = new JsonObject
        {
            ["model"] = Model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "What is the weather in Paris?" }),
            ["tools"] = ToolCallingEndToEndTests.Tools.DeepClone(),
            ["tool_choice"] = choice == "required" ? "required" : new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = choice } },
            ["temperature"] = 1.0,
            ["seed"] = seed,
            ["max_tokens"] = 400,
            ["logit_bias"] = new JsonObject(model.Frontend.Folder.Tokenizer.EosTokenIds.Select(eos => KeyValuePair.Create(eos.ToString(), (JsonNode?)6))),
        };
        var restChoice = (await PostRest("/v1/chat/completions", body))["choices"]![0]!;
        // A named choice finishes with "stop" (as OpenAI's does), "required" with "tool_calls".
        Assert.Equal(restChoice["finish_reason"]!.GetValue<string>(), finish.FinishReason);
        Assert.Equal(choice == "required" ? "tool_calls" : "stop", finish.FinishReason);
        var rest = restChoice["message"]!["tool_calls"]!.AsArray();
        Assert.Equal(
            rest.Select(c => (c!["function"]!["name"]!.GetValue<string>(), c["function"]!["arguments"]!.GetValue<string>())),
            calls.Select(c => (c.Name, c.Arguments.ToString())));
        if (choice != "required") Assert.All(calls, c => Assert.Equal(choice, c.Name));
    }

    /// <summary>Invalid requests as proto JSON (which names fields as REST does), the field at fault, and whether the same
    /// JSON is also a valid REST body (not so where REST spells a union or JSON text differently).</summary>
    public static TheoryData<string, string, bool> InvalidChatRequests => new()
    {
        { """{"temperature": 5}""", "temperature", true },
        { """{"messages": [{"role": "wizard", "content": "x"}]}""", "messages[0].role", true },
        { """{"messages": [{"role": "tool", "content": "x"}]}""", "messages[0].tool_call_id", true },
        { """{"model": "tiny-test", "max_tokens": 4}""", "messages", true },
        { """{"top_logprobs": 3}""", "top_logprobs", true },
        { """{"n": 17}""", "n", true },
        { """{"stop": ["a", "b", "c", "d", "e"]}""", "stop", true },
        { """{"response_format": {"type": "xml"}}""", "response_format.type", true },
        { """{"tool_choice": {"mode": "required"}}""", "tool_choice", false },
        { """{"tools": [{"type": "function", "function": {"name": "f", "parameters": "{not json"}}]}""", "tools[0].function.parameters", false },
        { """{"tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": {"function": {"name": "g"}}}""", "tool_choice.function.name", false },
        { """{"response_format": {"type": "json_schema", "json_schema": {"name": "n", "schema": "[1]"}}}""", "response_format.json_schema.schema", false },
    };

    [Theory]
    [MemberData(nameof(InvalidChatRequests))]
    public async Task Invalid_chat_requests_are_INVALID_ARGUMENT_naming_the_field_REST_names(string json, string field, bool sameAsRest)
    {
        var request = Google.Protobuf.JsonParser.Default.Parse<ChatCompletionRequest>(json);
        if (request.Model.Length == 0) request.Model = Model;
        if (!json.Contains("\"model\"", StringComparison.Ordinal) && request.Messages.Count == 0) request.Messages.Add(new ChatMessage { Role = "user", Content = "hi" });
        if (!request.HasMaxTokens) request.MaxTokens = 4;
        var e = await Assert.ThrowsAsync<RpcException>(() => ReadAll(Client.CreateChatCompletion(request)));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(field, e.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Single().Field);
        if (!sameAsRest) return;

        var formatter = new Google.Protobuf.JsonFormatter(Google.Protobuf.JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));
        using var response = await cluster.Http.PostAsync("/v1/chat/completions", new StringContent(formatter.Format(request), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_model_is_NOT_FOUND_for_generation_too()
    {
        var request = Chat();
        request.Model = "no-such-model";
        var e = await Assert.ThrowsAsync<RpcException>(() => ReadAll(Client.CreateChatCompletion(request)));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Equal("model", e.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Single().Field);
    }

    [Theory]
    [InlineData(400, StatusCode.InvalidArgument)]
    [InlineData(404, StatusCode.NotFound)]
    [InlineData(409, StatusCode.Aborted)]
    [InlineData(413, StatusCode.InvalidArgument)]
    [InlineData(429, StatusCode.ResourceExhausted)]
    [InlineData(500, StatusCode.Internal)]
    [InlineData(503, StatusCode.Unavailable)]
    public void REST_statuses_map_to_gRPC_codes(int http, StatusCode code) => Assert.Equal(code, GrpcErrors.CodeFor(http));

    [Fact]
    public async Task A_second_request_to_a_busy_session_is_ABORTED_with_session_busy()
    {
        var headers = new Metadata { { InferenceService.SessionMetadata, "grpc-busy-" + Guid.NewGuid().ToString("N") } };
        var slow = Chat(maxTokens: 900);
        slow.IgnoreEos = true;
        using var cts = new CancellationTokenSource();
        using var first = Client.CreateChatCompletion(slow, headers, cancellationToken: cts.Token);
        Assert.True(await first.ResponseStream.MoveNext(CancellationToken.None));

        var e = await Assert.ThrowsAsync<RpcException>(() => ReadAll(Client.CreateChatCompletion(Chat(), headers)));
        Assert.Equal(StatusCode.Aborted, e.StatusCode);
        Assert.Equal("session_busy", e.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        await cts.CancelAsync();
        Assert.Equal(0, await ReplicaMetricsReader.EventuallyAsync(cluster.Http, "vllm:num_requests_running", v => v == 0));
    }

    [Fact]
    public async Task Cancelling_a_stream_stops_generation_and_frees_the_sequence()
    {
        var request = Chat(maxTokens: 900);
        request.IgnoreEos = true;
        using var cts = new CancellationTokenSource();
        using var call = Client.CreateChatCompletion(request, cancellationToken: cts.Token);
        for (int i = 0; i < 3; i++) Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        // The engine itself, not the metrics: load reports come every second and could miss a short generation.
        var engine = cluster.Services.GetRequiredService<ModelHost>().Models.Single(m => m.Name == Model).Engine;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (engine.Statistics.Running == 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.True(engine.Statistics.Running > 0);

        await cts.CancelAsync();
        var e = await Assert.ThrowsAsync<RpcException>(async () => { while (await call.ResponseStream.MoveNext(CancellationToken.None)) { } });
        Assert.Equal(StatusCode.Cancelled, e.StatusCode);
        Assert.Equal(0, await ReplicaMetricsReader.EventuallyAsync(cluster.Http, "vllm:num_requests_running", v => v == 0));
    }

    [Fact]
    public async Task A_deadline_ends_generation_with_DEADLINE_EXCEEDED()
    {
        var request = Chat(maxTokens: 900);
        request.IgnoreEos = true;
        var e = await Assert.ThrowsAsync<RpcException>(() => ReadAll(Client.CreateChatCompletion(request, deadline: DateTime.UtcNow.AddMilliseconds(150))));
        // The server ends the call at the deadline too; on a loaded machine its reset of the stream can reach the client
        // before the client's own deadline timer, and Grpc.Net.Client reports a reset transport as Unavailable with the
        // transport's exception. A status the server sent (ours, in trailers) carries no such exception.
        bool transportReset = e.StatusCode == StatusCode.Unavailable && e.Status.DebugException is not null;
        Assert.True(e.StatusCode == StatusCode.DeadlineExceeded || transportReset, e.Status.ToString());
        Assert.Equal(0, await ReplicaMetricsReader.EventuallyAsync(cluster.Http, "vllm:num_requests_running", v => v == 0));
    }

    [Fact]
    public async Task CreateCompletion_streams_the_REST_text_for_text_and_token_id_prompts()
    {
        var text = await ReadAll(Client.CreateCompletion(new CompletionRequest
        {
            Model = Model,
            Prompt = new Prompt { Text = "Once upon a time" },
            MaxTokens = 8,
            Temperature = 0,
            ReturnTokenIds = true,
        }));
        string streamed = string.Concat(text.SelectMany(c => c.Choices).Select(c => c.Text));
        var rest = await PostRest("/v1/completions", new JsonObject { ["model"] = Model, ["prompt"] = "Once upon a time", ["max_tokens"] = 8, ["temperature"] = 0 });
        Assert.Equal(rest["choices"]![0]!["text"]!.GetValue<string>(), streamed);

        var promptIds = text.SelectMany(c => c.Choices).SelectMany(c => c.PromptTokenIds).ToArray();
        Assert.NotEmpty(promptIds);
        var ids = await ReadAll(Client.CreateCompletion(new CompletionRequest
        {
            Model = Model,
            Prompt = new Prompt { TokenIds = new TokenIds { Ids = { promptIds } } },
            MaxTokens = 8,
            Temperature = 0,
        }));
        Assert.Equal(streamed, string.Concat(ids.SelectMany(c => c.Choices).Select(c => c.Text)));
    }

    [Fact]
    public async Task CreateCompletion_refuses_an_empty_token_prompt_naming_the_field()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => ReadAll(Client.CreateCompletion(new CompletionRequest
        {
            Model = Model,
            Prompt = new Prompt { TokenIdBatch = new TokenIdsBatch { Prompts = { new TokenIds { Ids = { 1, 2 } }, new TokenIds() } } },
        })));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal("prompt[1]", e.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Single().Field);
    }

    [Fact]
    public async Task Generate_returns_token_ids_with_logprobs_matching_the_completions_path()
    {
        var completion = await ReadAll(Client.CreateCompletion(new CompletionRequest
        {
            Model = Model,
            Prompt = new Prompt { TokenIds = new TokenIds { Ids = { 9, 8, 7, 6 } } },
            MaxTokens = 10,
            IgnoreEos = true,
            Temperature = 0,
            ReturnTokenIds = true,
        }));
        var generated = await ReadAll(Client.Generate(new GenerateRequest
        {
            Model = Model,
            PromptTokenIds = { 9, 8, 7, 6 },
            MaxTokens = 10,
            IgnoreEos = true,
            Temperature = 0,
            Logprobs = true,
        }));
        var tokens = generated.SelectMany(g => g.TokenIds).ToArray();
        Assert.Equal(10, tokens.Length);
        Assert.Equal(completion.SelectMany(c => c.Choices).SelectMany(c => c.TokenIds), tokens);
        Assert.Equal(10, generated.SelectMany(g => g.Logprobs).Count());
        Assert.All(generated.SelectMany(g => g.Logprobs), l => Assert.True(l <= 0));
        Assert.Equal(new[] { 9, 8, 7, 6 }, generated.SelectMany(g => g.PromptTokenIds));
        Assert.Equal("length", generated.Single(g => g.HasFinishReason).FinishReason);
        Assert.Equal(10, generated[^1].Usage.CompletionTokens);
    }

    [Fact]
    public async Task Generate_without_a_prompt_is_INVALID_ARGUMENT_naming_prompt_token_ids()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => ReadAll(Client.Generate(new GenerateRequest { Model = Model })));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal("prompt_token_ids", e.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Single().Field);
        Assert.Contains("'prompt_token_ids'", e.Status.Detail);
    }

    [Fact]
    public async Task Health_serves_overall_and_per_model()
    {
        var health = new Health.HealthClient(_channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = Model })).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = "cluster.inference.v1.Inference" })).Status);
        var e = await Assert.ThrowsAsync<RpcException>(() => health.CheckAsync(new HealthCheckRequest { Service = "no-such-model" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var watch = health.Watch(new HealthCheckRequest { Service = Model }, cancellationToken: cts.Token);
        Assert.True(await watch.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, watch.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task Reflection_lists_the_services_and_serves_the_proto()
    {
        var reflection = new ServerReflection.ServerReflectionClient(_channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("cluster.inference.v1.Inference", services);
        Assert.Contains("grpc.health.v1.Health", services);

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "cluster.inference.v1.Inference" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var file = Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Equal("cluster.inference.v1", file.Package);
        Assert.Contains(file.Service.Single().Method, m => m.Name == "CreateChatCompletion" && m.ServerStreaming);
        await call.RequestStream.CompleteAsync();
    }
}

/// <summary>The gRPC-to-REST body mapping, without a cluster.</summary>
public sealed class GrpcRequestJsonTests
{
    [Fact]
    public void Json_text_fields_keep_their_exact_number_text()
    {
        // google.protobuf.Struct would turn 1e400 into infinity and 0.10 into 0.1; JSON text reaches the schema compiler unchanged.
        const string schema = """{"type":"object","properties":{"a":{"type":"number","maximum":1e400,"multipleOf":0.10}}}""";
        var request = new ChatCompletionRequest
        {
            Model = "m",
            ResponseFormat = new ResponseFormat { Type = "json_schema", JsonSchema = new JsonSchemaFormat { Name = "n", Schema = schema } },
            Tools = { new Tool { Type = "function", Function = new FunctionDefinition { Name = "f", Parameters = schema } } },
        };
        using var body = GrpcRequestJson.StreamingBody(request);
        var root = body.RootElement;
        Assert.Equal(schema, root.GetProperty("response_format").GetProperty("json_schema").GetProperty("schema").GetRawText());
        Assert.Equal(schema, root.GetProperty("tools")[0].GetProperty("function").GetProperty("parameters").GetRawText());
        Assert.True(root.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public void Unions_maps_and_64_bit_integers_take_their_REST_shapes()
    {
        var named = new ChatCompletionRequest { Model = "m", Seed = 1L << 40, ToolChoice = new ToolChoice { Function = new NamedFunction { Name = "f" } }, LogitBias = { [7] = -1.5 } };
        using var body = GrpcRequestJson.StreamingBody(named);
        Assert.Equal("""{"model":"m","seed":1099511627776,"logit_bias":{"7":-1.5},"tool_choice":{"type":"function","function":{"name":"f"}},"stream":true}""", body.RootElement.GetRawText());

        using var mode = GrpcRequestJson.StreamingBody(new ChatCompletionRequest { ToolChoice = new ToolChoice { Mode = "none" }, Temperature = 0, ParallelToolCalls = false });
        Assert.Equal("""{"temperature":0,"tool_choice":"none","parallel_tool_calls":false,"stream":true}""", mode.RootElement.GetRawText());

        using var batch = GrpcRequestJson.StreamingBody(new CompletionRequest { Prompt = new Prompt { TokenIdBatch = new TokenIdsBatch { Prompts = { new TokenIds { Ids = { 1, 2 } }, new TokenIds { Ids = { 3 } } } } } });
        Assert.Equal("""{"prompt":[[1,2],[3]],"stream":true}""", batch.RootElement.GetRawText());
        using var texts = GrpcRequestJson.StreamingBody(new CompletionRequest { Prompt = new Prompt { Texts = new TextBatch { Texts = { "a", "b" } } } });
        Assert.Equal("""{"prompt":["a","b"],"stream":true}""", texts.RootElement.GetRawText());
    }
}
