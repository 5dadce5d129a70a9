using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Gateway.Grpc;
using Cluster.Inference.V1;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using StatusCode = Grpc.Core.StatusCode;

namespace Cluster.Gateway.Tests;

/// <summary>vLLM's <c>/tokenize</c> and <c>/detokenize</c> over REST and gRPC: the same ids the completion endpoints report.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class TokenizationTests(ClusterFixture cluster) : IDisposable
{
    private const string Model = ClusterFixture.ModelName;

    private const string Text = "The quick brown fox <|im_end|> jumps — über 42 émojis 🦊.";

    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(cluster.Services.GetRequiredService<GrpcEndpoint>().Address!);

    private Cluster.Inference.V1.Inference.InferenceClient Client => new(_channel);

    public void Dispose() => _channel.Dispose();

    private async Task<(HttpStatusCode Status, JsonNode Body)> Post(string path, JsonObject body)
    {
        using var response = await cluster.Http.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private async Task<JsonNode> PostOk(string path, JsonObject body)
    {
        var (status, json) = await Post(path, body);
        Assert.True(status == HttpStatusCode.OK, json.ToJsonString());
        return json;
    }

    private static int[] Ids(JsonNode? array) => array!.AsArray().Select(t => t!.GetValue<int>()).ToArray();

    private static JsonArray Messages() => new(
        new JsonObject { ["role"] = "system", ["content"] = "You are terse." },
        new JsonObject { ["role"] = "user", ["content"] = "What is the weather in Paris? <|im_start|>" });

    [Theory]
    [InlineData("/tokenize")]
    [InlineData("/v1/tokenize")]
    public async Task Tokenize_of_a_text_prompt_equals_the_prompt_token_ids_of_completions(string path)
    {
        var tokenized = await PostOk(path, new JsonObject { ["model"] = Model, ["prompt"] = Text });
        var completion = await PostOk("/v1/completions", new JsonObject { ["model"] = Model, ["prompt"] = Text, ["max_tokens"] = 1, ["return_token_ids"] = true });

        int[] tokens = Ids(tokenized["tokens"]);
        Assert.Equal(Ids(completion["choices"]![0]!["prompt_token_ids"]), tokens);
        Assert.Equal(tokens.Length, tokenized["count"]!.GetValue<int>());
        Assert.Equal(1024, tokenized["max_model_len"]!.GetValue<int>());
        Assert.Null(tokenized["token_strs"]);
    }

    [Fact]
    public async Task Tokenize_of_messages_and_tools_equals_the_prompt_token_ids_of_chat_completions()
    {
        foreach (bool withTools in new[] { false, true })
        {
            var tokenize = new JsonObject { ["model"] = Model, ["messages"] = Messages() };
            var chat = new JsonObject { ["model"] = Model, ["messages"] = Messages(), ["max_tokens"] = 1, ["return_token_ids"] = true };
            if (withTools)
            {
                tokenize["tools"] = ToolCallingEndToEndTests.Tools.DeepClone();
                chat["tools"] = ToolCallingEndToEndTests.Tools.DeepClone();
            }
            var tokenized = await PostOk("/tokenize", tokenize);
            var completion = await PostOk("/v1/chat/completions", chat);
            Assert.Equal(Ids(completion["prompt_token_ids"]), Ids(tokenized["tokens"]));
        }
    }

    [Fact]
    public async Task Without_the_generation_prompt_the_chat_tokens_are_a_strict_prefix()
    {
        int[] with = Ids((await PostOk("/tokenize", new JsonObject { ["model"] = Model, ["messages"] = Messages() }))["tokens"]);
        int[] without = Ids((await PostOk("/tokenize", new JsonObject { ["model"] = Model, ["messages"] = Messages(), ["add_generation_prompt"] = false }))["tokens"]);
        Assert.True(without.Length < with.Length);
        Assert.Equal(without, with[..without.Length]);
    }

    [Fact]
    public async Task Detokenize_of_tokenize_gives_the_text_back_and_token_strs_name_each_token()
    {
        var tokenized = await PostOk("/tokenize", new JsonObject { ["model"] = Model, ["prompt"] = Text, ["add_special_tokens"] = false, ["return_token_strs"] = true });
        var tokens = tokenized["tokens"]!.AsArray();
        Assert.Equal(tokens.Count, tokenized["token_strs"]!.AsArray().Count);
        Assert.Contains("<|im_end|>", tokenized["token_strs"]!.AsArray().Select(s => s!.GetValue<string>()));

        var detokenized = await PostOk("/detokenize", new JsonObject { ["model"] = Model, ["tokens"] = tokens.DeepClone() });
        Assert.Equal(Text, detokenized["prompt"]!.GetValue<string>());
        var v1 = await PostOk("/v1/detokenize", new JsonObject { ["model"] = Model, ["tokens"] = tokens.DeepClone() });
        Assert.Equal(Text, v1["prompt"]!.GetValue<string>());
    }

    public static TheoryData<string, string, int, string> Refusals => new()
    {
        { "/tokenize", """{"model":"no-such-model","prompt":"hi"}""", 404, "model" },
        { "/detokenize", """{"model":"no-such-model","tokens":[1]}""", 404, "model" },
        { "/detokenize", """{"model":"tiny-test","tokens":[1, 100000000]}""", 400, "tokens" },
        { "/detokenize", """{"model":"tiny-test","tokens":[-1]}""", 400, "tokens" },
        { "/detokenize", """{"model":"tiny-test"}""", 400, "tokens" },
        { "/tokenize", """{"model":"tiny-test"}""", 400, "prompt" },
        { "/tokenize", """{"model":"tiny-test","prompt":"a","messages":[{"role":"user","content":"b"}]}""", 400, "messages" },
        { "/tokenize", """{"model":"tiny-test","prompt":[1,2]}""", 400, "prompt" },
        { "/tokenize", """{"model":"tiny-test","messages":[{"role":"robot","content":"b"}]}""", 400, "messages[0].role" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Refusals_are_OpenAI_errors_naming_the_field(string path, string body, int status, string param)
    {
        using var response = await cluster.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, text);
        Assert.Equal(param, JsonNode.Parse(text)!["error"]!["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task Grpc_Tokenize_and_Detokenize_match_REST()
    {
        var rest = await PostOk("/tokenize", new JsonObject { ["model"] = Model, ["prompt"] = Text, ["return_token_strs"] = true });
        var text = await Client.TokenizeAsync(new TokenizeRequest { Model = Model, Prompt = Text, ReturnTokenStrs = true });
        Assert.Equal(Ids(rest["tokens"]), text.Tokens.ToArray());
        Assert.Equal(text.Tokens.Count, text.Count);
        Assert.Equal(1024, text.MaxModelLen);
        Assert.Equal(rest["token_strs"]!.AsArray().Select(s => s!.GetValue<string>()), text.TokenStrs);

        var restChat = await PostOk("/tokenize", new JsonObject { ["model"] = Model, ["messages"] = Messages(), ["tools"] = ToolCallingEndToEndTests.Tools.DeepClone() });
        var chat = new TokenizeRequest { Model = Model };
        foreach (var m in Messages()) chat.Messages.Add(new ChatMessage { Role = m!["role"]!.GetValue<string>(), Content = m["content"]!.GetValue<string>() });
        foreach (var t in ToolCallingEndToEndTests.Tools)
            chat.Tools.Add(new Tool
            {
                Type = "function",
                Function = new FunctionDefinition
                {
                    Name = t!["function"]!["name"]!.GetValue<string>(),
                    Description = t["function"]!["description"]!.GetValue<string>(),
                    Parameters = t["function"]!["parameters"]!.ToJsonString(),
                },
            });
        Assert.Equal(Ids(restChat["tokens"]), (await Client.TokenizeAsync(chat)).Tokens.ToArray());

        var detokenize = new DetokenizeRequest { Model = Model };
        detokenize.Tokens.Add((await Client.TokenizeAsync(new TokenizeRequest { Model = Model, Prompt = Text, AddSpecialTokens = false })).Tokens);
        Assert.Equal(Text, (await Client.DetokenizeAsync(detokenize)).Prompt);
        Assert.Equal("", (await Client.DetokenizeAsync(new DetokenizeRequest { Model = Model })).Prompt);
    }

    [Fact]
    public async Task Grpc_refusals_are_INVALID_ARGUMENT_and_NOT_FOUND_naming_the_field()
    {
        var bad = new DetokenizeRequest { Model = Model, Tokens = { 1, 100_000_000 } };
        var e = await Assert.ThrowsAsync<RpcException>(() => Client.DetokenizeAsync(bad).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal("tokens", e.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Single().Field);

        var missing = await Assert.ThrowsAsync<RpcException>(() => Client.TokenizeAsync(new TokenizeRequest { Model = Model }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, missing.StatusCode);
        Assert.Equal("prompt", missing.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Single().Field);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => Client.TokenizeAsync(new TokenizeRequest { Model = "no-such-model", Prompt = "hi" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("model_not_found", unknown.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
    }
}
