using System.Text;
using System.Text.Json.Nodes;

namespace Cluster.Gateway.Tests;

/// <summary>Random and mutated request bodies: every answer is 2xx, or 4xx with OpenAI's error shape; never a 5xx.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class RequestFuzzTests(ClusterFixture cluster)
{
    private static readonly string[] Seeds =
    [
        """{"model":"tiny-test","messages":[{"role":"user","content":"hi"}],"max_tokens":2}""",
        """{"model":"tiny-test","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"hi"}]}],"max_tokens":2,"stream":true,"stream_options":{"include_usage":true}}""",
        """{"model":"tiny-test","messages":[{"role":"user","content":"w?"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"integer"}}}}}],"tool_choice":"auto","max_tokens":2}""",
        """{"model":"tiny-test","messages":[{"role":"user","content":"x"}],"max_tokens":2,"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}}}}""",
        """{"model":"tiny-test","prompt":"abc","max_tokens":2,"logprobs":1}""",
    ];

    private static readonly JsonNode?[] Replacements =
        [null, true, 0, -1, 3, 1e9, "x", "", new JsonArray(), new JsonObject(), new JsonArray(1, "a"), JsonNode.Parse("""{"type":"function"}""")];

    private static JsonNode? Mutate(JsonNode? node, Random random, int depth = 0)
    {
        if (node is JsonObject o && o.Count > 0 && random.Next(3) > 0)
        {
            var key = o.ElementAt(random.Next(o.Count)).Key;
            switch (random.Next(4))
            {
                case 0: o.Remove(key); break;
                case 1: o[key] = Replacements[random.Next(Replacements.Length)]?.DeepClone(); break;
                case 2: o["unknown_" + random.Next(100)] = "ignored"; break;
                default: o[key] = Mutate(o[key]?.DeepClone(), random, depth + 1); break;
            }
            return o;
        }
        if (node is JsonArray a && a.Count > 0 && random.Next(3) > 0)
        {
            int i = random.Next(a.Count);
            if (random.Next(2) == 0) a.RemoveAt(i);
            else a[i] = Mutate(a[i]?.DeepClone(), random, depth + 1);
            return a;
        }
        return Replacements[random.Next(Replacements.Length)]?.DeepClone();
    }

    [Fact]
    public async Task No_request_body_produces_a_server_error()
    {
        var random = new Random(20261124);
        for (int i = 0; i < 240; i++)
        {
            string seed = Seeds[random.Next(Seeds.Length)];
            string path = seed.Contains("\"prompt\"") ? "/v1/completions" : "/v1/chat/completions";
            string body = (i % 6) switch
            {
                0 => seed[..random.Next(seed.Length)],                                          // truncated JSON
                1 => new string(Enumerable.Range(0, random.Next(1, 40)).Select(_ => (char)random.Next(32, 127)).ToArray()),
                _ => Mutate(JsonNode.Parse(seed), random)?.ToJsonString() ?? "null",
            };
            using var response = await cluster.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            string text = await response.Content.ReadAsStringAsync();
            int status = (int)response.StatusCode;
            Assert.True(status < 500, $"{status} for {body}: {text}");
            if (status >= 400)
            {
                var error = JsonNode.Parse(text)!["error"]!;
                Assert.False(string.IsNullOrEmpty(error["message"]!.GetValue<string>()), body);
                Assert.NotNull(error["type"]);
                Assert.True(error.AsObject().ContainsKey("param") && error.AsObject().ContainsKey("code"), text);
            }
        }
    }
}
