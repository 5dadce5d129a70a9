using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Gateway.Tests;

[Collection(nameof(ClusterCollection))]
public sealed class CompletionsEndToEndTests(ClusterFixture cluster)
{
    private async Task<JsonNode> Post(string path, object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await cluster.Http.PostAsync(path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    private async Task<List<JsonNode>> Stream(string path, object body)
    {
        using var response = await cluster.Http.PostAsync(path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = new List<JsonNode>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            if (line == "data: [DONE]") return events;
            events.Add(JsonNode.Parse(line[6..])!);
        }
        Assert.Fail("the stream did not end with [DONE]");
        return events;
    }

    [Fact]
    public async Task Text_prompt_returns_a_text_completion_with_usage_and_token_ids()
    {
        var result = await Post("/v1/completions", new { model = ClusterFixture.ModelName, prompt = "The weather in Paris", max_tokens = 6, temperature = 0, return_token_ids = true, ignore_eos = true });
        Assert.Equal("text_completion", result["object"]!.GetValue<string>());
        Assert.StartsWith("cmpl-", result["id"]!.GetValue<string>());
        var choice = result["choices"]![0]!;
        Assert.Equal("length", choice["finish_reason"]!.GetValue<string>());
        var tokenIds = choice["token_ids"]!.AsArray().Select(t => t!.GetValue<int>()).ToArray();
        Assert.Equal(6, tokenIds.Length);
        var promptIds = choice["prompt_token_ids"]!.AsArray().Select(t => t!.GetValue<int>()).ToArray();
        Assert.Equal(promptIds.Length, result["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(6, result["usage"]!["completion_tokens"]!.GetValue<int>());

        // The same prompt given as token ids continues identically.
        var again = await Post("/v1/completions", new { model = ClusterFixture.ModelName, prompt = promptIds, max_tokens = 6, temperature = 0, return_token_ids = true, ignore_eos = true });
        Assert.Equal(tokenIds, again["choices"]![0]!["token_ids"]!.AsArray().Select(t => t!.GetValue<int>()).ToArray());
        Assert.Equal(choice["text"]!.GetValue<string>(), again["choices"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Batched_prompts_with_n_number_choices_as_openai_does_and_stream_the_same_text()
    {
        var body = new { model = ClusterFixture.ModelName, prompt = new[] { "alpha", "beta" }, n = 2, max_tokens = 5, temperature = 0.9, seed = 42, ignore_eos = true };
        var result = await Post("/v1/completions", body);
        var choices = result["choices"]!.AsArray();
        Assert.Equal(new[] { 0, 1, 2, 3 }, choices.Select(c => c!["index"]!.GetValue<int>()).ToArray());

        var chunks = await Stream("/v1/completions", new { model = ClusterFixture.ModelName, prompt = new[] { "alpha", "beta" }, n = 2, max_tokens = 5, temperature = 0.9, seed = 42, ignore_eos = true, stream = true });
        var streamed = new Dictionary<int, StringBuilder>();
        foreach (var chunk in chunks)
        {
            Assert.Equal("text_completion", chunk["object"]!.GetValue<string>());
            foreach (var c in chunk["choices"]!.AsArray())
            {
                int index = c!["index"]!.GetValue<int>();
                if (!streamed.TryGetValue(index, out var sb)) streamed[index] = sb = new StringBuilder();
                sb.Append(c["text"]!.GetValue<string>());
            }
        }
        // Seeded: the stream reproduces the non-streamed texts choice by choice.
        foreach (var c in choices) Assert.Equal(c!["text"]!.GetValue<string>(), streamed[c["index"]!.GetValue<int>()].ToString());
    }

    [Fact]
    public async Task Stop_strings_split_across_tokens_are_never_emitted()
    {
        var free = await Post("/v1/completions", new { model = ClusterFixture.ModelName, prompt = "Once upon a time", max_tokens = 12, temperature = 0, logprobs = 0, ignore_eos = true });
        var tokens = free["choices"]![0]!["logprobs"]!["tokens"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray();
        string text = free["choices"]![0]!["text"]!.GetValue<string>();
        Assert.Equal(text, string.Concat(tokens));
        // A stop string made of the end of one token and the start of the next.
        int k = Enumerable.Range(3, tokens.Length - 4).First(i => tokens[i].Length > 0 && tokens[i + 1].Length > 0);
        string stop = tokens[k][^1..] + tokens[k + 1][..1];
        int cut = text.IndexOf(stop, StringComparison.Ordinal);

        var stopped = await Post("/v1/completions", new { model = ClusterFixture.ModelName, prompt = "Once upon a time", max_tokens = 12, temperature = 0, stop = new[] { stop }, ignore_eos = true });
        Assert.Equal(text[..cut], stopped["choices"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("stop", stopped["choices"]![0]!["finish_reason"]!.GetValue<string>());

        var streamed = await Stream("/v1/completions", new { model = ClusterFixture.ModelName, prompt = "Once upon a time", max_tokens = 12, temperature = 0, stop = new[] { stop }, ignore_eos = true, stream = true });
        string streamedText = string.Concat(streamed.SelectMany(c => c["choices"]!.AsArray()).Select(c => c!["text"]!.GetValue<string>()));
        Assert.Equal(text[..cut], streamedText);
    }

    [Theory]
    [InlineData("""{"model":"tiny-test","prompt":"x","echo":true}""", "echo")]
    [InlineData("""{"model":"tiny-test","prompt":"x","suffix":"y"}""", "suffix")]
    [InlineData("""{"model":"tiny-test"}""", "prompt")]
    [InlineData("""{"model":"tiny-test","prompt":[1,"a"]}""", "prompt")]
    [InlineData("""{"model":"tiny-test","prompt":[999999]}""", "prompt")]
    [InlineData("""{"model":"tiny-test","prompt":"x","logprobs":9}""", "logprobs")]
    public async Task Unsupported_or_invalid_fields_are_refused_by_name(string body, string param)
    {
        using var response = await cluster.Http.PostAsync("/v1/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal(param, error["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task Chat_with_n_and_logprobs_returns_every_choice_with_token_logprobs()
    {
        var result = await Post("/v1/chat/completions", new
        {
            model = ClusterFixture.ModelName,
            messages = new[] { new { role = "user", content = "hello" } },
            n = 3, max_tokens = 4, temperature = 1.0, seed = 7, logprobs = true, top_logprobs = 2, ignore_eos = true,
        });
        var choices = result["choices"]!.AsArray();
        Assert.Equal(3, choices.Count);
        foreach (var c in choices)
        {
            var content = c!["logprobs"]!["content"]!.AsArray();
            Assert.Equal(4, content.Count);
            // Special tokens have log-probabilities too, but their text is not content.
            var special = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
                .GetRequiredService<Cluster.Grains.Hosting.ModelHost>(cluster.Services).Models.Single(m => m.Name == ClusterFixture.ModelName).Frontend.Folder.Tokenizer.SpecialTokens.Keys.ToHashSet();
            Assert.Equal(c["message"]!["content"]!.GetValue<string>(),
                string.Concat(content.Select(t => t!["token"]!.GetValue<string>()).Where(t => !special.Contains(t))));
            Assert.All(content, t => Assert.Equal(2, t!["top_logprobs"]!.AsArray().Count));
        }
        Assert.Equal(12, result["usage"]!["completion_tokens"]!.GetValue<int>());
    }
}
