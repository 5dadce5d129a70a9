using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Engine.TinyModels;
using Cluster.Grains.Hosting;

namespace Cluster.Gateway.Tests;

/// <summary>A reasoning model's reasoning arrives as a <c>reasoning</c> output item, streamed as reasoning-text events.</summary>
public sealed class ResponsesReasoningTests
{
    [Fact]
    public async Task Reasoning_becomes_a_reasoning_item_streamed_and_not()
    {
        // QwQ's template opens <think> in the generation prompt, so the reply starts as reasoning.
        string template = Path.Combine(FixtureFolder.Path, "chat_templates", "Qwen-QwQ-32B.jinja");
        await using var cluster = await TestCluster.StartAsync(
            new TinyModelOptions { OutputDirectory = "", Architecture = TinyModelArchitecture.Qwen3, Seed = 4 },
            new ServedModelOptions { ModelPath = "", ServedModelName = "m", ToolCallParser = "hermes", ReasoningParser = "qwen3", ChatTemplatePath = template, MaxModelLength = 1024 });
        var tokenizer = cluster.Model("m").Frontend.Folder.Tokenizer;
        // Kept from </think>, a random model's reply is all reasoning; nudged towards it, some replies reason for a while
        // and go on to an answer.
        string endOfReasoning = tokenizer.TokenToId("</think>")!.Value.ToString();
        bool answered = false, reasoned = false;
        string last = "";
        for (int seed = 1; seed <= 12; seed++)
        {
            var body = new JsonObject
            {
                ["model"] = "m", ["input"] = "weather?", ["temperature"] = 1.0, ["seed"] = seed, ["max_output_tokens"] = 40,
                ["chat_template_kwargs"] = new JsonObject { ["enable_thinking"] = true }, ["logit_bias"] = new JsonObject { [endOfReasoning] = seed <= 3 ? -100 : 3 },
            };
            var (final, folded) = ResponsesApiTests.CheckSequence(await ResponsesApiTests.StreamEvents(cluster.Http, body));
            using var response = await cluster.Http.PostAsync("/v1/responses", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
            var whole = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(JsonNode.DeepEquals(ResponsesApiTests.Comparable(whole["output"]!.AsArray()), ResponsesApiTests.Comparable(final["output"]!.AsArray())), $"seed {seed}");
            Assert.True(JsonNode.DeepEquals(ResponsesApiTests.Comparable(folded), ResponsesApiTests.Comparable(final["output"]!.AsArray())), $"seed {seed}");

            var output = whole["output"]!.AsArray();
            last += $"seed {seed}: {string.Join(",", output.Select(o => o!["type"]!.GetValue<string>() + "/" + (o["content"]?[0]?["text"]?.GetValue<string>().Length ?? 0)))}; ";
            var types = output.Select(o => o!["type"]!.GetValue<string>()).ToList();
            int reasoningTokens = whole["usage"]!["output_tokens_details"]!["reasoning_tokens"]!.GetValue<int>();
            if (types.Contains("reasoning"))
            {
                // Reasoning comes first, without its markers, and is counted in the output tokens.
                Assert.Equal("reasoning", types[0]);
                Assert.DoesNotContain("think>", output[0]!["content"]![0]!["text"]!.GetValue<string>());
                Assert.InRange(reasoningTokens, 1, whole["usage"]!["output_tokens"]!.GetValue<int>());
                reasoned = true;
                answered |= types.Skip(1).SequenceEqual(["message"]);
            }
            else Assert.Equal(0, reasoningTokens);
        }
        Assert.True(reasoned, "no seed reasoned: " + last);
        Assert.True(answered, "no seed ended its reasoning and answered: " + last);
    }
}
