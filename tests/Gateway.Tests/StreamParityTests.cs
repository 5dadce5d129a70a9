using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Contracts.Generation;
using Cluster.Contracts.OpenAI;
using Cluster.Engine.TinyModels;
using Cluster.Engine.Tokenization;
using Cluster.Grains.Sessions;
using Cluster.Parsers;

namespace Cluster.Gateway.Tests;

/// <summary>
/// Stream = non-stream, always: <see cref="ChoiceStream"/> driven directly with token ids from the tiny models' real
/// byte-level BPE tokenizer, for generated outputs in several tool-call formats, with and without reasoning, stop
/// strings, random cut points (<c>length</c>), EOS inside a call, cancellation, and malformed calls. For every case the
/// fold of the streamed chunk choices (as an OpenAI client folds them) must equal the non-streamed choice of the same
/// generation, field by field, <c>finish_reason</c> and <c>tool_parse</c> included.
/// </summary>
public sealed class StreamParityTests
{
    private const int CasesPerFamily = 300;

    private static readonly Lazy<HfTokenizer> SharedTokenizer = new(() =>
    {
        string folder = TinyModelCache.Ensure(Path.Combine(Path.GetTempPath(), "cluster-gateway-tests", "tiny-models"),
            new TinyModelOptions { OutputDirectory = "", Architecture = TinyModelArchitecture.Qwen2 });
        return HfTokenizer.Load(Path.Combine(folder, "tokenizer.json"), Path.Combine(folder, "tokenizer_config.json"));
    });

    private static HfTokenizer Tokenizer => SharedTokenizer.Value;

    private static readonly JsonArray ToolsJson = JsonNode.Parse("""
        [
          {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}, "metric": {"type": "boolean"}}}}},
          {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object",
            "properties": {"timezone": {"type": "string"}}}}}
        ]
        """)!.AsArray();

    private static readonly IReadOnlyList<ToolDefinition> Tools = ToolDefinition.FromOpenAiTools(ToolsJson);

    public static TheoryData<string> Families => new("hermes", "mistral", "llama3_json", "qwen3_coder", "pythonic", "glm45", "kimi_k2");

    [Theory]
    [MemberData(nameof(Families))]
    public void Streamed_deltas_fold_to_the_non_streamed_choice(string family)
    {
        var random = new Random(HashCode(family));
        var outcomes = new HashSet<string>();
        for (int i = 0; i < CasesPerFamily; i++)
        {
            var generation = Generation.Random(random, family);
            string outcome = AssertParity(generation, $"{family} case {i}");
            outcomes.Add(outcome);
        }
        // The generator must actually reach the interesting corners, or the property says little.
        Assert.Contains(outcomes, o => o.Contains("status=ok"));
        Assert.Contains(outcomes, o => o.Contains("status=failed"));
        Assert.Contains(outcomes, o => o.Contains("finish=length") && o.Contains("calls=") && !o.Contains("calls=0"));
        Assert.Contains(outcomes, o => o.Contains("finish=tool_calls"));
    }

    /// <summary>The reported bug: hermes, three calls then a fourth cut by max_tokens inside its arguments.</summary>
    [Fact]
    public void A_call_cut_by_max_tokens_is_a_call_in_both_forms_and_never_also_content()
    {
        const string call = "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"timezone\": \"CET\"}}\n</tool_call>\n";
        string text = call + call + call + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"t";
        var generation = new Generation("hermes", Reasoning: false, ReasoningInPrompt: false, Encode(text), Cut.Length, [], ToolChoice: "required", Parallel: true);
        AssertParity(generation, "bug");
        var complete = Run(generation, streaming: false).Complete;
        Assert.Equal("length", complete.FinishReason);
        Assert.Null(complete.Message.Content);
        var calls = complete.Message.ToolCalls!;
        Assert.Equal(4, calls.Length);
        Assert.Equal("get_weather", calls[3].Function.Name);
        Assert.Equal("{\"t", calls[3].Function.Arguments);
        Assert.Equal("failed", complete.ToolParse!.Status);
        Assert.Equal(ParseErrorCodes.Truncated, Assert.Single(complete.ToolParse.Errors).Code);
    }

    [Fact]
    public void A_cut_before_the_arguments_begin_leaves_the_text_as_content_in_both_forms()
    {
        const string call = "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"timezone\": \"CET\"}}\n</tool_call>\n";
        var generation = new Generation("hermes", false, false, Encode(call + "<tool_call>\n{\"name\": \"get_weather\""), Cut.Length, [], "required", true);
        AssertParity(generation, "cut before arguments");
        var complete = Run(generation, streaming: false).Complete;
        Assert.Single(complete.Message.ToolCalls!);
        Assert.Equal("<tool_call>\n{\"name\": \"get_weather\"", complete.Message.Content);
    }

    [Fact]
    public void A_stop_string_split_across_tokens_ends_the_reply_the_same_way_in_both_forms()
    {
        const string text = "Sure: <tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"timezone\": \"CET\"}}\n</tool_call>\nDONE and more";
        var generation = new Generation("hermes", false, false, Encode(text), Cut.Eos, ["ONE and"], "auto", true);
        AssertParity(generation, "stop string");
        var complete = Run(generation, streaming: false).Complete;
        Assert.Equal("tool_calls", complete.FinishReason);
        Assert.Equal("Sure: \nD", complete.Message.Content);
    }

    /// <summary>
    /// The three single-byte tokens of "東" (E6 9D B1): the first two have no text of their own. With token ids and
    /// logprobs requested each token's chunk goes out as that token arrives; the character comes whole with the third.
    /// </summary>
    [Fact]
    public void With_ids_or_logprobs_every_token_is_streamed_as_it_arrives_even_without_text()
    {
        int[] bytes = [ByteToken(0xE6), ByteToken(0x9D), ByteToken(0xB1)];
        var choice = NewChoice(logprobs: true, tokenIds: true);
        var streamed = new List<ChunkChoice>();
        for (int i = 0; i < bytes.Length; i++)
        {
            var produced = choice.Append(new GeneratedTokenEvent(bytes[i], null, -0.5f * (i + 1)));
            var chunk = Assert.Single(produced);
            Assert.Equal(new[] { bytes[i] }, chunk.TokenIds);
            Assert.Equal(-0.5f * (i + 1), Assert.Single(chunk.Logprobs!.Content).Logprob);
            Assert.Equal(i < 2 ? null : "東", chunk.Delta.Content);
            streamed.Add(chunk);
        }
        int eos = Tokenizer.EosTokenIds[0];
        // The end-of-sequence token has no text either; its id and logprob still go out.
        streamed.AddRange(choice.Append(new GeneratedTokenEvent(eos, GenerationFinishReason.Stop, -0.1f)));
        streamed.AddRange(choice.Finish());
        streamed.Add(choice.Final("stop"));
        var folded = Fold(streamed, "utf-8 split");
        Assert.Equal("東", folded.Message.Content);
        Assert.Equal(bytes.Append(eos).ToArray(), folded.TokenIds);
        Assert.Equal(4, folded.Logprobs!.Content.Length);

        var whole = NewChoice(logprobs: true, tokenIds: true);
        for (int i = 0; i < bytes.Length; i++) whole.Append(new GeneratedTokenEvent(bytes[i], null, -0.5f * (i + 1)));
        whole.Append(new GeneratedTokenEvent(eos, GenerationFinishReason.Stop, -0.1f));
        whole.Finish();
        AssertSame(whole.Complete("stop"), folded, "utf-8 split");
    }

    /// <summary>
    /// Without ids or logprobs a textless token is held back, except the first: it gets an empty delta so that time to
    /// first token is measured when the first token came, not when the first text did.
    /// </summary>
    [Fact]
    public void Without_ids_or_logprobs_only_the_first_textless_token_gets_a_chunk()
    {
        int[] bytes = [ByteToken(0xE6), ByteToken(0x9D), ByteToken(0xB1)];
        var choice = NewChoice(logprobs: false, tokenIds: false);
        var first = Assert.Single(choice.Append(new GeneratedTokenEvent(bytes[0], null)));
        Assert.Equal(new ChatCompletionDelta(), first.Delta);
        Assert.Null(first.TokenIds);
        Assert.Null(first.Logprobs);
        Assert.Empty(choice.Append(new GeneratedTokenEvent(bytes[1], null)));
        Assert.Equal("東", Assert.Single(choice.Append(new GeneratedTokenEvent(bytes[2], null))).Delta.Content);
        Assert.Empty(choice.Append(new GeneratedTokenEvent(Tokenizer.EosTokenIds[0], GenerationFinishReason.Stop)));
        Assert.Equal("東", choice.Complete("stop").Message.Content);
    }

    private static ChoiceStream NewChoice(bool logprobs, bool tokenIds)
    {
        var request = new ChatCompletionRequest { Model = "tiny", Messages = [], Logprobs = logprobs, ReturnTokenIds = tokenIds };
        return new ChoiceStream(0, Tokenizer, request, parser: null, parserName: null, new HashSet<int> { Tokenizer.EosTokenIds[0] });
    }

    /// <summary>The byte-level vocabulary's token for one raw byte.</summary>
    private static int ByteToken(byte b)
    {
        for (int id = 0; id < Tokenizer.VocabSize; id++)
            if (Tokenizer.TokenBytes(id) is [var only] && only == b && !Tokenizer.IsSpecial(id)) return id;
        throw new InvalidOperationException($"No single-byte token for 0x{b:X2}.");
    }

    private static int HashCode(string s) => s.Aggregate(17, (h, c) => unchecked(h * 31 + c));

    private static int[] Encode(string text) => Tokenizer.Encode(text, allowSpecialTokens: true).ToArray();

    /// <summary>
    /// Runs the generation twice, as the two request forms do (streaming: every chunk choice and the final one sent;
    /// non-streaming: only <see cref="ChoiceStream.Complete"/>), and checks that the folded stream equals both the
    /// non-streamed choice and the streaming run's own Complete(). Returns a digest of the outcome.
    /// </summary>
    private static string AssertParity(Generation generation, string label)
    {
        var streamed = Run(generation, streaming: true);
        var whole = Run(generation, streaming: false);
        var folded = Fold(streamed.Chunks, label);
        string describe = $"{label}: {generation.Describe()}";
        AssertSame(whole.Complete, folded, describe);
        AssertSame(streamed.Complete, folded, describe);
        var calls = whole.Complete.Message.ToolCalls ?? [];
        return $"finish={whole.Complete.FinishReason} status={whole.Complete.ToolParse?.Status} calls={calls.Length}";
    }

    private static void AssertSame(ChatCompletionChoice expected, ChatCompletionChoice actual, string label)
    {
        Assert.True(expected.FinishReason == actual.FinishReason, $"{label}\nfinish_reason {expected.FinishReason} vs {actual.FinishReason}");
        Assert.True(expected.Message.Content == actual.Message.Content, $"{label}\ncontent {Show(expected.Message.Content)} vs {Show(actual.Message.Content)}");
        Assert.True(expected.Message.ReasoningContent == actual.Message.ReasoningContent,
            $"{label}\nreasoning {Show(expected.Message.ReasoningContent)} vs {Show(actual.Message.ReasoningContent)}");
        var expectedCalls = expected.Message.ToolCalls ?? [];
        var actualCalls = actual.Message.ToolCalls ?? [];
        Assert.True(expectedCalls.Length == actualCalls.Length, $"{label}\n{expectedCalls.Length} calls vs {actualCalls.Length}");
        Assert.Equal(expected.Message.ToolCalls is null, actual.Message.ToolCalls is null);
        for (int i = 0; i < expectedCalls.Length; i++)
        {
            Assert.Equal(expectedCalls[i].Id, actualCalls[i].Id);
            Assert.Equal(expectedCalls[i].Type, actualCalls[i].Type);
            Assert.Equal(expectedCalls[i].Function.Name, actualCalls[i].Function.Name);
            Assert.True(expectedCalls[i].Function.Arguments == actualCalls[i].Function.Arguments,
                $"{label}\ncall {i} arguments {Show(expectedCalls[i].Function.Arguments)} vs {Show(actualCalls[i].Function.Arguments)}");
        }
        Assert.Equal(expected.ToolParse?.Parser, actual.ToolParse?.Parser);
        Assert.True(expected.ToolParse?.Status == actual.ToolParse?.Status, $"{label}\ntool_parse {expected.ToolParse?.Status} vs {actual.ToolParse?.Status}");
        Assert.Equal(expected.ToolParse?.Errors ?? [], actual.ToolParse?.Errors ?? []);
        Assert.Equal(expected.TokenIds, actual.TokenIds);
        Assert.Equal(expected.Logprobs?.Content.Select(l => (l.Token, l.Logprob)), actual.Logprobs?.Content.Select(l => (l.Token, l.Logprob)));
    }

    private static string Show(string? s) => s is null ? "null" : JsonSerializer.Serialize(s);

    /// <summary>Folds chunk choices the way OpenAI's SDKs do, checking the streaming contract on the way.</summary>
    private static ChatCompletionChoice Fold(IReadOnlyList<ChunkChoice> chunks, string label)
    {
        StringBuilder? content = null, reasoning = null;
        var calls = new List<(string Id, string Type, string Name, StringBuilder Arguments)>();
        var logprobs = new List<TokenLogprobInfo>();
        var tokenIds = new List<int>();
        string? finish = null;
        ToolParseReport? toolParse = null;
        for (int i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            Assert.True(finish is null, $"{label}: a chunk after the finish reason");
            var delta = chunk.Delta;
            bool last = i == chunks.Count - 1;
            Assert.True(last == chunk.FinishReason is not null, $"{label}: the finish reason is on the last chunk and only there");
            // A chunk without text still carries something: the token ids and logprobs of tokens whose text is empty.
            if (!last) Assert.True(delta.Content is not null || delta.ReasoningContent is not null || delta.ToolCalls is not null
                || chunk.TokenIds is not null || chunk.Logprobs is not null, $"{label}: an empty chunk");
            if (delta.Content is { } c) (content ??= new()).Append(c);
            if (delta.ReasoningContent is { } r) (reasoning ??= new()).Append(r);
            foreach (var call in delta.ToolCalls ?? [])
            {
                if (call.Index == calls.Count)
                {
                    // First delta of a call: id, type, the whole name and empty arguments.
                    Assert.False(string.IsNullOrEmpty(call.Id), label);
                    Assert.Equal("function", call.Type);
                    Assert.False(string.IsNullOrEmpty(call.Function.Name), label);
                    Assert.Equal("", call.Function.Arguments);
                    calls.Add((call.Id!, call.Type!, call.Function.Name!, new StringBuilder()));
                    continue;
                }
                Assert.True(call.Index == calls.Count - 1, $"{label}: fragments belong to the open call");
                Assert.Null(call.Id);
                Assert.Null(call.Function.Name);
                calls[call.Index].Arguments.Append(call.Function.Arguments);
            }
            if (chunk.Logprobs is { } lp) logprobs.AddRange(lp.Content);
            if (chunk.TokenIds is { } ids) tokenIds.AddRange(ids);
            finish = chunk.FinishReason;
            toolParse = chunk.ToolParse ?? toolParse;
        }
        var toolCalls = calls.Select(c => new AssistantToolCall { Id = c.Id, Type = c.Type, Function = new FunctionCall(c.Name, c.Arguments.ToString()) }).ToArray();
        return new ChatCompletionChoice
        {
            Index = 0,
            Message = new AssistantMessage
            {
                // On the wire the role chunk opens content with "": a reply of only tool calls has null content.
                Content = content?.ToString() ?? (toolCalls.Length > 0 ? null : ""),
                ReasoningContent = reasoning?.ToString(),
                ToolCalls = toolCalls.Length > 0 ? toolCalls : null,
            },
            FinishReason = finish!,
            Logprobs = new ChoiceLogprobs(logprobs.ToArray()),
            TokenIds = tokenIds.ToArray(),
            ToolParse = toolParse,
        };
    }

    private sealed record RunResult(List<ChunkChoice> Chunks, ChatCompletionChoice Complete);

    /// <summary>What <c>SessionGrain.RunChoiceAsync</c> does with a choice, minus the model grain.</summary>
    private static RunResult Run(Generation g, bool streaming)
    {
        var request = new ChatCompletionRequest
        {
            Model = "tiny",
            Messages = [],
            Stop = g.Stop,
            ToolChoice = g.ToolChoice,
            ParallelToolCalls = g.Parallel,
            Logprobs = true,
            ReturnTokenIds = true,
        };
        var options = new ToolCallParserOptions
        {
            Tools = Tools,
            ReasoningParser = g.Reasoning ? "qwen3" : null,
            ReasoningStartedInPrompt = g.ReasoningInPrompt,
            IdSeed = 42,
        };
        var parser = ToolCallParserRegistry.Default.Create(g.Family, options);
        var eos = Tokenizer.EosTokenIds[0];
        var choice = new ChoiceStream(0, Tokenizer, request, parser, g.Family, new HashSet<int> { eos });
        var chunks = new List<ChunkChoice>();
        string? finish = null;
        foreach (var token in g.Tokens(eos))
        {
            var produced = choice.Append(token);
            if (streaming) chunks.AddRange(produced);
            if (choice.Stopped) { finish = "stop"; break; }
            if (token.FinishReason is GenerationFinishReason reason)
            {
                finish = reason.ToOpenAI();
                break;
            }
        }
        var flushed = choice.Finish();
        if (streaming) chunks.AddRange(flushed);
        // ChatTurn.FinishReason for an unnamed tool_choice.
        string finishReason = choice.CalledTools && (finish ?? "stop") == "stop" ? "tool_calls" : finish ?? "stop";
        if (streaming) chunks.Add(choice.Final(finishReason));
        return new RunResult(chunks, choice.Complete(finishReason));
    }

    private enum Cut { Eos, Length, EosInside, Cancelled }

    private sealed record Generation(string Family, bool Reasoning, bool ReasoningInPrompt, int[] Ids, Cut Cut, string[] Stop, string ToolChoice, bool Parallel)
    {
        public int CutAt { get; init; } = -1;

        public string Describe() =>
            $"{Family} reasoning={Reasoning}/{ReasoningInPrompt} cut={Cut}@{CutAt} stop=[{string.Join(",", Stop.Select(s => JsonSerializer.Serialize(s)))}] " +
            $"tool_choice={ToolChoice} parallel={Parallel}\ntext: {JsonSerializer.Serialize(Tokenizer.Decode(Ids, skipSpecialTokens: false))}";

        /// <summary>The engine's events: tokens with a logprob, the last one carrying the finish reason.</summary>
        public IEnumerable<GeneratedTokenEvent> Tokens(int eos)
        {
            int n = CutAt >= 0 ? Math.Min(CutAt, Ids.Length) : Ids.Length;
            for (int i = 0; i < n; i++)
            {
                bool lastOfLength = Cut == Cut.Length && i == n - 1;
                yield return new GeneratedTokenEvent(Ids[i], lastOfLength ? GenerationFinishReason.Length : null, -0.25f * (i % 7));
            }
            if (Cut == Cut.Length && n > 0) yield break;
            if (Cut == Cut.Cancelled)
                yield return new GeneratedTokenEvent(-1, GenerationFinishReason.Cancelled);
            else
                yield return new GeneratedTokenEvent(eos, GenerationFinishReason.Stop, -0.5f);
        }

        public static Generation Random(Random random, string family)
        {
            bool reasoning = random.Next(3) == 0;
            bool inPrompt = reasoning && random.Next(2) == 0;
            var text = new StringBuilder();
            if (reasoning)
            {
                if (!inPrompt) text.Append("<think>");
                text.Append(Pick(random, Prose)).Append(random.Next(3) == 0 ? " maybe <tool_call> here" : "").Append("</think>\n\n");
            }
            if (random.Next(3) == 0) text.Append(Pick(random, Prose));
            int calls = random.Next(4);
            var rendered = new StringBuilder();
            for (int i = 0; i < calls; i++) rendered.Append(RenderCall(random, family, i, calls));
            if (family is "pythonic" && calls > 0) rendered.Insert(0, '[').Append(']');
            if (family is "kimi_k2" && calls > 0) rendered.Insert(0, "<|tool_calls_section_begin|>").Append("<|tool_calls_section_end|>");
            string callText = rendered.ToString();
            if (callText.Length > 0 && random.Next(3) == 0) callText = Mutate(random, callText);
            text.Append(callText);
            if (random.Next(3) == 0) text.Append(Pick(random, Prose));
            string output = text.ToString();
            var ids = Tokenizer.Encode(output, allowSpecialTokens: true).ToArray();

            var stop = new List<string>();
            if (random.Next(4) == 0 && output.Length > 4)
            {
                int at = random.Next(output.Length - 2);
                stop.Add(output.Substring(at, Math.Min(random.Next(2, 7), output.Length - at)));
            }
            if (random.Next(8) == 0) stop.Add("never occurs");
            var cut = (Cut)random.Next(4);
            int cutAt = cut is Cut.Length or Cut.EosInside ? random.Next(1, ids.Length + 1) : -1;
            string toolChoice = random.Next(10) switch { 0 => "none", 1 or 2 => "required", _ => "auto" };
            return new Generation(family, reasoning, inPrompt, ids, cut, stop.ToArray(), toolChoice, Parallel: random.Next(5) != 0) { CutAt = cutAt };
        }

        private static readonly string[] Prose =
        [
            "Let me check the weather. ", "Sure! ", "Use <tool wisely. ", "Config: {\"port\": 8080} and [1, 2]. ", "Zürich 🌧 東京 ",
            "Calling now:\n", "I'll think [about] it; ", "Done.", " ", "\n\n",
        ];

        private static readonly string[] Cities = ["Paris", "São Paulo", "東京", "Zürich 🌧", "New \"York\"", "a\\b", ""];

        private static string Pick(Random random, string[] items) => items[random.Next(items.Length)];

        private static (string Name, JsonObject Args) RandomCall(Random random) => random.Next(3) switch
        {
            0 => ("get_time", new JsonObject { ["timezone"] = Pick(random, ["UTC", "CET", "Europe/Zürich"]) }),
            1 => ("get_weather", new JsonObject { ["city"] = Pick(random, Cities), ["days"] = random.Next(1, 30), ["metric"] = random.Next(2) == 0 }),
            _ => ("get_weather", new JsonObject { ["city"] = Pick(random, Cities) }),
        };

        private static readonly JsonSerializerOptions Unescaped = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        private static string Json(JsonNode node) => node.ToJsonString(Unescaped);

        private static string RenderCall(Random random, string family, int index, int count)
        {
            var (name, args) = RandomCall(random);
            string Obj(string key) => $"{{\"name\": \"{name}\", \"{key}\": {Json(args)}}}";
            static string Raw(JsonNode? v) => v is JsonValue j && j.GetValueKind() == JsonValueKind.String ? j.GetValue<string>() : v!.ToJsonString();
            return family switch
            {
                "hermes" => $"<tool_call>\n{Obj("arguments")}\n</tool_call>\n",
                "mistral" => random.Next(2) == 0 ? $"[TOOL_CALLS]{name}[ARGS]{Json(args)}" : $"[TOOL_CALLS][{Obj("arguments")}]",
                "llama3_json" => (index == 0 ? (random.Next(2) == 0 ? "<|python_tag|>" : "") : "; ") + Obj(random.Next(2) == 0 ? "parameters" : "arguments"),
                "qwen3_coder" => $"<tool_call>\n<function={name}>\n" + string.Concat(args.Select(p => $"<parameter={p.Key}>\n{Raw(p.Value)}\n</parameter>\n")) + "</function>\n</tool_call>\n",
                "glm45" => $"<tool_call>{name}\n" + string.Concat(args.Select(p => $"<arg_key>{p.Key}</arg_key>\n<arg_value>{Raw(p.Value)}</arg_value>\n")) + "</tool_call>\n",
                "pythonic" => (index > 0 ? ", " : "") + $"{name}(" + string.Join(", ", args.Select(p => $"{p.Key}={Python(p.Value)}")) + ")",
                "kimi_k2" => $"<|tool_call_begin|>functions.{name}:{index}<|tool_call_argument_begin|>{Json(args)}<|tool_call_end|>",
                _ => throw new ArgumentException(family),
            };
        }

        private static string Python(JsonNode? v) => v is JsonValue j ? j.GetValueKind() switch
        {
            JsonValueKind.String => "'" + j.GetValue<string>().Replace("\\", "\\\\").Replace("'", "\\'") + "'",
            JsonValueKind.True => "True",
            JsonValueKind.False => "False",
            _ => j.ToJsonString(),
        } : v!.ToJsonString();

        /// <summary>Breaks the call text: a stray character, a deleted one, or a lost end marker.</summary>
        private static string Mutate(Random random, string text)
        {
            int at = random.Next(text.Length);
            if (char.IsLowSurrogate(text[at])) at--; // never split a character
            return random.Next(3) switch
            {
                0 => text.Insert(at, Pick(random, ["}", "{", "\"", ",", ":", "]", "x", "<", ">"])),
                1 => text.Remove(at, char.IsHighSurrogate(text[at]) ? 2 : 1),
                _ => text[..at],
            };
        }
    }
}
