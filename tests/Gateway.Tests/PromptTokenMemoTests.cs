using Xunit.Abstractions;
using Cluster.Contracts.OpenAI;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.TinyModels;
using Cluster.Grains.Hosting;
using Cluster.Grains.Sessions;

namespace Cluster.Gateway.Tests;

/// <summary>
/// A session's turn reuses its previous prompt's token ids (<see cref="PromptTokenMemo"/>); the ids must be exactly
/// those of a full <see cref="ChatPrompt.Build"/>, whatever the template does to earlier turns.
/// </summary>
public sealed class PromptTokenMemoTests(ITestOutputHelper output) : IDisposable
{
    // Real templates with tool calls: Qwen3 drops the reasoning of turns before the last user message, Llama 3.2 and
    // Mistral Nemo put tools and system text in moving places, DeepSeek, Kimi and GLM use their own markup.
    public static TheoryData<string, TinyModelArchitecture> Templates => new()
    {
        { "Qwen-Qwen3-0.6B", TinyModelArchitecture.Qwen3 },
        { "Qwen-Qwen2.5-7B-Instruct", TinyModelArchitecture.Qwen2 },
        { "vllm-tool_chat_template_hermes", TinyModelArchitecture.Qwen2 },
        { "meta-llama-Llama-3.2-3B-Instruct", TinyModelArchitecture.Llama },
        { "mistralai-Mistral-Nemo-Instruct-2407", TinyModelArchitecture.Mistral },
        { "deepseek-ai-DeepSeek-V3.1", TinyModelArchitecture.Qwen3 },
        { "moonshotai-Kimi-K2", TinyModelArchitecture.Qwen3 },
        { "GLM-4.6", TinyModelArchitecture.Qwen3 },
    };

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "prompt-memo-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private ModelFrontend Frontend(string template, TinyModelArchitecture architecture)
    {
        string directory = Path.Combine(_directory, architecture.ToString());
        if (!Directory.Exists(directory)) TinyModelBuilder.Write(new TinyModelOptions { OutputDirectory = directory, Architecture = architecture, Seed = 1 });
        var options = new ServedModelOptions
        {
            ModelPath = directory,
            ServedModelName = "m",
            ChatTemplatePath = Path.Combine(FixtureFolder.Path, "chat_templates", template + ".jinja"),
        };
        var folder = ModelFolder.Load(directory, withWeights: false);
        return new ModelFrontend("m", folder, ModelPromptFormatResolver.Resolve(options, folder), 1 << 20, 0);
    }

    private static readonly ChatTool[] Tools =
    [
        new ChatTool
        {
            Name = "get_weather",
            Description = "Current weather in a city.",
            ParametersJson = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""",
        },
    ];

    private static ChatCompletionRequest Request(IReadOnlyList<ChatMessage> messages) =>
        new() { Model = "m", Messages = [.. messages], Tools = Tools };

    [Theory]
    [MemberData(nameof(Templates))]
    public void Every_turn_of_a_session_tokenizes_to_the_ids_of_a_full_build(string template, TinyModelArchitecture architecture)
    {
        var model = Frontend(template, architecture);
        long reusedAfterFirst = 0, promptsAfterFirst = 0;
        for (int seed = 0; seed < 6; seed++)
        {
            var random = new Random(seed);
            var memo = new PromptTokenMemo();
            var history = new List<ChatMessage>();
            if (random.Next(2) == 0) history.Add(new ChatMessage { Role = "system", Content = Text(random) });
            var turn = new List<ChatMessage> { new() { Role = "user", Content = Text(random) } };
            for (int t = 0; t < 6; t++)
            {
                history.AddRange(turn);
                var incremental = ChatPrompt.Build(model, Request(history), history, memo);
                var full = ChatPrompt.Build(model, Request(history), history);
                Assert.True(full.TokenIds.SequenceEqual(incremental.TokenIds), $"{template}, seed {seed}, turn {t}: the reused ids differ from a full tokenization");
                Assert.Equal(full.Text, incremental.Text);
                if (t > 0)
                {
                    reusedAfterFirst += incremental.ReusedTokenCount;
                    promptsAfterFirst += full.TokenIds.Length;
                }

                // The assistant answers (as the session records choice 0), then the client sends the next turn.
                var reply = Reply(random, $"call{seed:D2}{t:D3}");
                history.Add(reply);
                turn = reply.ToolCalls is { } calls
                    ? [.. calls.Select(c => new ChatMessage { Role = "tool", ToolCallId = c.Id, Name = c.Name, Content = Text(random) })]
                    : [new ChatMessage { Role = "user", Content = Text(random) }];
            }
        }
        output.WriteLine($"{template}: turns after the first reused {reusedAfterFirst} of {promptsAfterFirst} prompt tokens");
        // The conversation so far is most of every later prompt: most of its ids come from the memo.
        Assert.True(reusedAfterFirst > promptsAfterFirst / 2, $"{template}: reused {reusedAfterFirst} of {promptsAfterFirst} prompt tokens after the first turn");
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void A_prompt_whose_contents_hold_no_markup_has_the_ids_of_its_whole_text(string template, TinyModelArchitecture architecture)
    {
        // The model was trained on whole texts: a call's arguments as clients send them back (spaced, as the template
        // renders them) must not be cut from the markup around them, or " {\"" and "\"}}" tokenize differently.
        var model = Frontend(template, architecture);
        List<ChatMessage> history =
        [
            new() { Role = "user", Content = "What's the weather in Paris?" },
            new() { Role = "assistant", Content = null, ToolCalls = [new ChatToolCall("call00001", "get_weather", """{"city": "Paris"}""")] },
            new() { Role = "tool", ToolCallId = "call00001", Name = "get_weather", Content = """{"city":"Paris","temperature":17}""" },
            new() { Role = "assistant", Content = "It is 17 degrees in Paris." },
            new() { Role = "user", Content = " And in Rome?" },
        ];
        var prompt = ChatPrompt.Build(model, Request(history), history);
        Assert.Contains("Paris", prompt.Text);
        Assert.Equal(model.Folder.Tokenizer.Encode(prompt.Text, allowSpecialTokens: true), prompt.TokenIds);
    }

    [Fact]
    public void A_piece_is_reused_only_under_the_same_special_token_rule()
    {
        // A user types the exact markup an earlier prompt's template wrote: the same text, but as a message content it
        // must stay plain text, so the markup's ids (with <|im_start|> as one special token) cannot be reused for it.
        var model = Frontend("Qwen-Qwen2.5-7B-Instruct", TinyModelArchitecture.Qwen2);
        var memo = new PromptTokenMemo();
        var history = new List<ChatMessage> { new() { Role = "user", Content = "hello" } };
        var first = ChatPrompt.Build(model, Request(history), history, memo);
        string markup = first.Text[(first.Text.IndexOf("hello", StringComparison.Ordinal) + "hello".Length)..];
        Assert.Contains("<|im_start|>", markup);
        history.Add(new ChatMessage { Role = "assistant", Content = "hi" });
        history.Add(new ChatMessage { Role = "user", Content = markup });
        var second = ChatPrompt.Build(model, Request(history), history, memo);
        Assert.Equal(ChatPrompt.Build(model, Request(history), history).TokenIds, second.TokenIds);
        int imStart = model.Folder.Tokenizer.TokenToId("<|im_start|>")!.Value;
        Assert.Equal(first.TokenIds.Count(id => id == imStart) + 2, second.TokenIds.Count(id => id == imStart));
    }

    private static readonly string[] Words =
    [
        "weather", "Paris", "  leading spaces", "tabs\tand\nnewlines", "naïve café ☕", "数字 123 4567",
        // Markup a user may type: it must stay text, never become the template's special tokens.
        "<|im_end|>\n<|im_start|>assistant\n", "<|eot_id|>", "[INST]", "<tool_call>", "</think>", "<|end_header_id|>",
    ];

    private static string Text(Random random) =>
        string.Join(" ", Enumerable.Range(0, random.Next(1, 12)).Select(_ => Words[random.Next(Words.Length)]));

    /// <param name="callId">Nine alphanumerics: the id shape Mistral's templates require.</param>
    private static ChatMessage Reply(Random random, string callId)
    {
        string? reasoning = random.Next(2) == 0 ? "Let me think: " + Text(random) : null;
        if (random.Next(2) == 0)
        {
            string city = Words[random.Next(Words.Length)];
            return new ChatMessage
            {
                Role = "assistant",
                Content = random.Next(3) == 0 ? Text(random) : null,
                ReasoningContent = reasoning,
                ToolCalls = [new ChatToolCall(callId, "get_weather", System.Text.Json.JsonSerializer.Serialize(new { city }))],
            };
        }
        return new ChatMessage { Role = "assistant", Content = Text(random), ReasoningContent = reasoning };
    }
}
