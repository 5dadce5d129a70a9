using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Cluster.Training;

/// <summary>One kind's figures: right answers, and how many streamed replies equalled the non-streamed ones.</summary>
public sealed record DemoScore(string Kind, int Right, int Total, int StreamEqual)
{
    public double Rate => Total == 0 ? 0 : (double)Right / Total;
}

/// <summary>
/// Evaluates a served demo model over the HTTP API as users call it: freshly generated held-out requests
/// (<see cref="DemoData"/> with <c>heldOut</c>), <c>tool_choice: "auto"</c>, greedy decoding, each sent streamed and
/// not. A call is right when it is the expected tool with exactly the expected arguments; a request no tool fits is
/// right when answered without a call; an answer after a tool result is right when it contains the result's value.
/// </summary>
public sealed class DemoEvaluation(HttpClient http, string model)
{
    public static readonly IReadOnlyList<string> Kinds = ["named", "generated", "no-fit", "answer"];

    public async Task<DemoScore> ScoreAsync(string kind, int count, int seed, TextWriter? failures = null)
    {
        var data = new DemoData(seed, heldOut: true);
        int right = 0, equal = 0;
        for (int i = 0; i < count; i++)
        {
            var conversation = data.NextEvaluation(kind);
            var body = new JsonObject
            {
                ["model"] = model,
                ["messages"] = conversation.Messages.DeepClone(),
                ["temperature"] = 0,
                ["max_tokens"] = 160,
            };
            if (conversation.Tools.Count > 0)
            {
                body["tools"] = conversation.ToolsJson();
                body["tool_choice"] = "auto";
            }
            var whole = await CompleteAsync(body).ConfigureAwait(false);
            var streamed = await StreamAsync(body).ConfigureAwait(false);
            if (whole == streamed) equal++;
            if (IsRight(conversation, whole)) right++;
            else failures?.WriteLine($"[{kind}] {conversation.Messages[0]!["content"]} -> {whole.Content} {string.Join(" ", whole.Calls)}");
        }
        return new DemoScore(kind, right, count, equal);
    }

    /// <summary>A reply reduced to what the evaluation compares: its text and its calls as <c>name(arguments)</c>.</summary>
    public sealed record Reply(string Content, string[] Calls)
    {
        public bool Equals(Reply? other) => other is not null && Content == other.Content && Calls.SequenceEqual(other.Calls);

        public override int GetHashCode() => Content.GetHashCode(StringComparison.Ordinal);
    }

    private static bool IsRight(DemoConversation conversation, Reply reply) => conversation.Expected switch
    {
        DemoExpectation.Call => reply.Calls.Length == 1 && reply.Calls[0] == Call(conversation.CallName!, conversation.CallArguments!.ToJsonString()),
        DemoExpectation.Text => reply.Calls.Length == 0,
        _ => reply.Calls.Length == 0 && reply.Content.Contains(conversation.ResultValue!, StringComparison.Ordinal),
    };

    /// <summary>A call in canonical form: arguments re-serialized, so spacing and escapes do not count.</summary>
    private static string Call(string name, string arguments)
    {
        try
        {
            return name + JsonNode.Parse(arguments)!.ToJsonString();
        }
        catch (System.Text.Json.JsonException)
        {
            return name + "<invalid>" + arguments;
        }
    }

    private async Task<Reply> CompleteAsync(JsonObject body)
    {
        using var response = await http.PostAsJsonAsync("/v1/chat/completions", body).ConfigureAwait(false);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false))!;
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{(int)response.StatusCode}: {json.ToJsonString()}");
        var message = json["choices"]![0]!["message"]!;
        var calls = message["tool_calls"]?.AsArray().Select(c => Call(c!["function"]!["name"]!.GetValue<string>(), c["function"]!["arguments"]!.GetValue<string>())).ToArray() ?? [];
        return new Reply(message["content"]?.GetValue<string>() ?? "", calls);
    }

    private async Task<Reply> StreamAsync(JsonObject body)
    {
        var streaming = (JsonObject)body.DeepClone();
        streaming["stream"] = true;
        using var response = await http.PostAsJsonAsync("/v1/chat/completions", streaming).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        var content = new StringBuilder();
        var names = new SortedDictionary<int, string>();
        var arguments = new SortedDictionary<int, StringBuilder>();
        foreach (string line in text.Split('\n'))
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]") continue;
            var chunk = JsonNode.Parse(line["data: ".Length..])!;
            if (chunk["error"] is { } error) throw new InvalidOperationException(error.ToJsonString());
            foreach (var choice in chunk["choices"]!.AsArray())
            {
                var delta = choice!["delta"]!;
                content.Append(delta["content"]?.GetValue<string>());
                foreach (var call in delta["tool_calls"]?.AsArray() ?? [])
                {
                    int index = call!["index"]!.GetValue<int>();
                    if (call["function"]?["name"]?.GetValue<string>() is { } name) names[index] = name;
                    (arguments.TryGetValue(index, out var a) ? a : arguments[index] = new StringBuilder()).Append(call["function"]?["arguments"]?.GetValue<string>());
                }
            }
        }
        return new Reply(content.ToString(), names.Select(n => Call(n.Value, arguments.TryGetValue(n.Key, out var a) ? a.ToString() : "")).ToArray());
    }

    public static string Format(IEnumerable<DemoScore> scores) => string.Join("\n", scores.Select(s => string.Create(CultureInfo.InvariantCulture,
        $"{s.Kind,-10} {s.Right,4}/{s.Total,-4} {s.Rate,7:P1}   streamed = non-streamed: {s.StreamEqual}/{s.Total}")));
}
